//! A class council end to end: a real central on a loopback port, the professeur principal on
//! her laptop (offline in the council room), the head and the CPE on theirs. The council's page
//! shows each pupil's averages beside the class's, her demi-journées and what the teachers
//! wrote; two general appreciations written at once are both kept; closing locks the period's
//! decisions at the central; only the head reopens, saying why, and then the conflict of that
//! period can be resolved again.

use pupitre_domain::{ConseilEtat, EntityKind, Mention};
use pupitre_e2e::{demo_central, head_pc, on_pc, one_conflict, periode_of_test_day, teacher_pc};
use pupitre_fixtures::{DEMO_CPE_LOGIN, DEMO_CPE_PASSWORD};
use pupitre_replica::session::DevoirSaisie;
use pupitre_replica::session::Session;

/// The demo teacher's division (she is its professeur principal) and a pupil of it.
fn her_division(pc: &Session) -> (String, String, String) {
    let service = pc.services().expect("services")[0].clone();
    let division = pupitre_fixtures::generate(pupitre_fixtures::DEMO_SEED)
        .reference
        .divisions
        .into_iter()
        .find(|d| d.code == service.cible)
        .expect("her service's division");
    assert_eq!(division.professeur_principal_id.as_deref(), Some("10001"));
    (service.id, division.id, division.code)
}

/// Resolves the one conflict a PC lists by keeping its second version.
fn keep_the_second_version(pc: &Session) -> Result<(), pupitre_replica::ReplicaError> {
    let conflit = one_conflict(pc);
    pc.resoudre_conflit(
        conflit.kind,
        &conflit.entity_id,
        &conflit.champ,
        conflit.versions[1].seq,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_council_runs_offline_keeps_both_texts_locks_at_closing_and_reopens_with_a_reason() {
    let (dir, _db, central) = demo_central().await;
    let url = central.url();
    let portable = teacher_pc(dir.path(), &url, "portable-conseil").await;
    let head = head_pc(dir.path(), &url).await;
    let cpe = on_pc(dir.path(), &url, "cpe", DEMO_CPE_LOGIN, DEMO_CPE_PASSWORD).await;
    let (service, division, code) = her_division(&portable);
    let periode = periode_of_test_day(&portable);

    // Before the council: a devoir with two marks and an appreciation in her subject.
    let devoir = portable
        .creer_devoir(
            &service,
            &DevoirSaisie {
                titre: "Dictée".into(),
                date: pupitre_e2e::test_day().to_string(),
                coefficient: "1".into(),
                bareme: "20".into(),
                compte: true,
                items: Vec::new(),
            },
        )
        .expect("devoir");
    let page = portable
        .conseil(&periode.id, &division)
        .expect("her council");
    assert!(page.peut_conduire && page.peut_decider && !page.peut_rouvrir);
    assert!(!page.peut_ecrire_vie_scolaire, "the CPE's");
    assert!(page.eleves.len() > 20, "{}", page.eleves.len());
    let (a, b) = (
        page.eleves[0].eleve_id.clone(),
        page.eleves[1].eleve_id.clone(),
    );
    portable
        .saisir_note(&service, &devoir, &a, "15")
        .expect("mark");
    portable
        .saisir_note(&service, &devoir, &b, "9,5")
        .expect("mark");
    portable
        .ecrire_appreciation(&service, &periode.id, &a, "Élève sérieuse, à l'écoute.")
        .expect("appreciation");
    portable.sync_once().await.expect("sync");
    // Beside her text, the pupil's average in the subject and her absences in its lessons.
    let seance = portable
        .seances_du_jour(&pupitre_e2e::test_day().to_string())
        .expect("her day")
        .into_iter()
        .find(|s| s.cible == code)
        .expect("a lesson of her class that day");
    portable
        .marquer(&seance.id, &a, pupitre_domain::Presence::Absent)
        .expect("absent");
    let ligne = pupitre_e2e::ligne_of(&portable, &service, &periode.id, &a);
    assert_eq!(
        (ligne.moyenne.as_deref(), ligne.absences, ligne.retards),
        (Some("15,00"), 1, 0)
    );

    // The council opens; the laptop loses the network. Offline, the PP types the general
    // appreciation and the mention; meanwhile the head, on her PC, writes hers, and the CPE
    // the vie scolaire's.
    portable
        .changer_conseil(&periode.id, &division, ConseilEtat::EnSeance)
        .expect("open");
    portable.sync_once().await.expect("sync the opening");
    portable
        .ecrire_decision(
            &periode.id,
            &division,
            &a,
            "appreciation",
            "Très bon trimestre.",
        )
        .expect("general appreciation");
    portable
        .ecrire_decision(&periode.id, &division, &a, "mention", "felicitations")
        .expect("mention");
    head.sync_once().await.expect("head sees the opening");
    head.ecrire_decision(
        &periode.id,
        &division,
        &a,
        "appreciation",
        "Bon trimestre, poursuivez.",
    )
    .expect("the head's text");
    head.sync_once().await.expect("head sends");
    cpe.sync_once().await.expect("cpe sync");
    cpe.ecrire_decision(
        &periode.id,
        &division,
        &a,
        "vie_scolaire",
        "Assiduité exemplaire.",
    )
    .expect("the CPE's appreciation");
    assert!(
        cpe.ecrire_decision(&periode.id, &division, &a, "mention", "compliments")
            .is_err(),
        "the mention is the council's"
    );
    cpe.sync_once().await.expect("cpe sends");
    portable.sync_once().await.expect("the laptop back online");

    // What the page shows: her average beside the class's, her subject's appreciation, both
    // general appreciations kept (the one that came first stands, the other in a conflict).
    let page = portable.conseil(&periode.id, &division).expect("page");
    let matiere = page
        .matieres
        .iter()
        .find(|m| m.service_id == service)
        .expect("her subject");
    let classe = matiere.classe.as_ref().expect("class statistics");
    assert_eq!(
        (classe.min.as_str(), classe.max.as_str()),
        ("9,50", "15,00")
    );
    assert_eq!(classe.moyenne, "12,25");
    let eleve = page.eleves.iter().find(|e| e.eleve_id == a).expect("pupil");
    let sienne = eleve
        .matieres
        .iter()
        .find(|m| m.service_id == service)
        .expect("her line");
    assert_eq!(sienne.moyenne.as_deref(), Some("15,00"));
    assert_eq!(sienne.appreciation, "Élève sérieuse, à l'écoute.");
    assert_eq!(eleve.mention, Some(Mention::Felicitations));
    assert_eq!(eleve.appreciation_vie_scolaire, "Assiduité exemplaire.");
    assert_eq!(eleve.appreciation, "Bon trimestre, poursuivez.");
    assert_eq!(eleve.conflits, 1);
    let conflit = one_conflict(&portable);
    assert_eq!(conflit.kind, EntityKind::Decision);
    assert!(conflit.quoi.contains(&code), "{}", conflit.quoi);
    let mut versions: Vec<&str> = conflit.versions.iter().map(|v| v.valeur.as_str()).collect();
    versions.sort();
    assert_eq!(
        versions,
        ["Bon trimestre, poursuivez.", "Très bon trimestre."]
    );

    // Closing: twice is an error; the period's decisions are locked, here and at the
    // central, and so is the conflict's resolution.
    portable
        .changer_conseil(&periode.id, &division, ConseilEtat::Clos)
        .expect("close");
    let twice = portable
        .changer_conseil(&periode.id, &division, ConseilEtat::Clos)
        .expect_err("closed twice");
    assert!(twice.to_string().contains("déjà clos"), "{twice}");
    portable.sync_once().await.expect("send the close");
    head.sync_once().await.expect("head sees it closed");
    let late = head
        .ecrire_decision(&periode.id, &division, &b, "appreciation", "Trop tard.")
        .expect_err("locked");
    assert!(late.to_string().contains("clos"), "{late}");
    keep_the_second_version(&head).expect("chosen here");
    head.sync_once().await.expect("sync");
    let refusees = head.modifications().expect("lists").refusees;
    assert_eq!(refusees.len(), 1, "{refusees:?}");
    assert!(
        refusees[0]
            .motif
            .as_deref()
            .unwrap_or_default()
            .contains("clos")
    );

    // Reopening: not the PP's; not without a reason; the head's, with one.
    let pp = portable
        .rouvrir_conseil(&periode.id, &division, "Une note manquait.")
        .expect_err("the PP does not reopen");
    assert!(pp.to_string().contains("direction"), "{pp}");
    let sans = head
        .rouvrir_conseil(&periode.id, &division, "  ")
        .expect_err("no reason");
    assert!(sans.to_string().contains("motif"), "{sans}");
    head.rouvrir_conseil(&periode.id, &division, "Erreur de saisie en mathématiques.")
        .expect("reopened");
    head.sync_once().await.expect("send the reopening");
    let page = head.conseil(&periode.id, &division).expect("page");
    assert_eq!(page.etat, ConseilEtat::EnSeance);
    assert_eq!(page.reouvertures, 1);
    assert_eq!(
        page.motif_reouverture.as_deref(),
        Some("Erreur de saisie en mathématiques.")
    );
    // Who, when and why, in the council's history.
    let historique = head
        .historique(
            EntityKind::Conseil,
            &format!("{}/{division}", periode.id),
            "etat",
        )
        .await
        .expect("history");
    let derniere = historique.last().expect("the reopening");
    assert!(derniere.valeur.contains("Erreur de saisie"), "{derniere:?}");
    assert!(
        derniere.auteur.contains("BERNARD") || derniere.auteur.contains("Bernard"),
        "{derniere:?}"
    );

    // Now the conflict can be resolved again.
    keep_the_second_version(&head).expect("choose");
    head.sync_once().await.expect("sync the choice");
    portable.sync_once().await.expect("the PP receives it");
    assert!(portable.modifications().expect("lists").conflits.is_empty());
    let eleve = portable
        .conseil(&periode.id, &division)
        .expect("page")
        .eleves
        .into_iter()
        .find(|e| e.eleve_id == a)
        .expect("pupil");
    assert_eq!(eleve.appreciation, "Très bon trimestre.");
    assert_eq!(eleve.conflits, 0);
    central.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_council_input_gets_a_french_reason_and_stores_nothing() {
    let (dir, _db, central) = demo_central().await;
    let url = central.url();
    let pc = teacher_pc(dir.path(), &url, "pc").await;
    let (_, division, _) = her_division(&pc);
    let periode = periode_of_test_day(&pc);
    let a = pc.conseil(&periode.id, &division).expect("page").eleves[0]
        .eleve_id
        .clone();
    let cases: [(&str, String, &str); 5] = [
        ("appreciation", "é".repeat(1001), "1000"),
        ("mention", "bravo".into(), "mention inconnue"),
        // A 6e has no avis d'orientation.
        (
            "orientation",
            "Favorable à la 2de GT".into(),
            "3e et en seconde",
        ),
        ("avis", "x".into(), "n'est pas une décision"),
        ("vie_scolaire", "Assidu.".into(), "CPE"),
    ];
    for (champ, texte, attendu) in cases {
        let err = pc
            .ecrire_decision(&periode.id, &division, &a, champ, &texte)
            .expect_err(champ);
        assert!(err.to_string().contains(attendu), "{champ}: {err}");
    }
    let err = pc
        .ecrire_decision(&periode.id, &division, "E-inconnu", "appreciation", "Bien.")
        .expect_err("not of the class");
    assert!(err.to_string().contains("pas de cette classe"), "{err}");
    assert_eq!(pc.etat().en_attente, 0, "nothing stored");
    let err = pc
        .changer_conseil(&periode.id, &division, ConseilEtat::Preparation)
        .expect_err("backwards");
    assert!(err.to_string().contains("en arrière"), "{err}");
    central.stop().await;
}

/// An entry a closed council refused stays refused through a restore of the central, and what
/// the PC shows is what the restored central holds: the PC resends the refused sequence as a
/// void (the restored central may not know it), and that void keeps nothing on screen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_restore_a_refused_entry_keeps_no_value_on_screen() {
    use pupitre_central::Db;
    let (dir, db, central) = demo_central().await;
    let (url, addr) = (central.url(), central.addr);
    let salle = teacher_pc(dir.path(), &url, "salle").await;
    let portable = teacher_pc(dir.path(), &url, "portable").await;
    let head = head_pc(dir.path(), &url).await;
    let (service, division, _) = her_division(&salle);
    let periode = periode_of_test_day(&salle);
    let eleve = salle.conseil(&periode.id, &division).expect("page").eleves[0]
        .eleve_id
        .clone();
    // Last night's backup: nothing written yet.
    let backup = dir.path().join("nuit.sqlite");
    Db::open(&db)
        .expect("db")
        .with(|c| pupitre_central::db::identity::backup(c, &backup))
        .expect("backup");
    // This morning: her text from the classroom, seen on her laptop; the council closed; a
    // second text from the laptop, which had not heard of the close, refused.
    salle
        .ecrire_appreciation(&service, &periode.id, &eleve, "Bon trimestre.")
        .expect("text");
    salle.sync_once().await.expect("sync");
    portable.sync_once().await.expect("sync");
    head.changer_conseil(&periode.id, &division, ConseilEtat::Clos)
        .expect("close");
    head.sync_once().await.expect("sync");
    portable
        .ecrire_appreciation(&service, &periode.id, &eleve, "Écrit après la clôture.")
        .expect("saved here");
    portable.sync_once().await.expect("refused");
    let texte = |pc: &Session| pupitre_e2e::ligne_of(pc, &service, &periode.id, &eleve).texte;
    assert_eq!(
        texte(&portable),
        "Bon trimestre.",
        "the central's, not the refused one"
    );
    // The central is restored from last night's backup; the laptop syncs first.
    central.stop().await;
    pupitre_central::restore(&db, &backup).expect("restore");
    let central = pupitre_e2e::RunningCentral::start(&db, addr).await;
    for _ in 0..2 {
        portable.sync_once().await.expect("sync after the restore");
    }
    assert_eq!(texte(&portable), "", "the restored central holds no text");
    let refusees = portable.modifications().expect("lists").refusees;
    assert_eq!(refusees.len(), 1, "{refusees:?}");
    assert_eq!(refusees[0].valeur, "Écrit après la clôture.");
    // The classroom PC sends again what the backup lacked; the laptop receives it.
    salle.sync_once().await.expect("resend");
    portable.sync_once().await.expect("receive");
    assert_eq!(texte(&portable), "Bon trimestre.");
    central.stop().await;
}
