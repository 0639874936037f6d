//! The gradebook end to end: a real central on a loopback port, the demo teacher on two PCs.
//! Two PCs typing one mark offline keep both in a conflict, listed on both until one choice
//! closes it on both; a deleted devoir never comes back, not after its marks were typed offline,
//! not after compaction and rebase; bad input is refused on the spot and at the central; a
//! closed council locks the period's marks; pupils outside their dates take no mark.

use pupitre_domain::{ConseilEtat, EntityKind};
use pupitre_e2e::{
    compact_everything, demo_central, first_service_and_period, head_pc, one_conflict,
    periode_of_test_day, teacher_pc, test_day, versions_of,
};
use pupitre_replica::Session;
use pupitre_replica::carnet::CarnetView;
use pupitre_replica::session::DevoirSaisie;
use pupitre_replica::views::EtatSync;

fn saisie(titre: &str, bareme: &str, coefficient: &str) -> DevoirSaisie {
    DevoirSaisie {
        titre: titre.into(),
        date: test_day().to_string(),
        coefficient: coefficient.into(),
        bareme: bareme.into(),
        compte: true,
        items: Vec::new(),
    }
}

fn carnet(pc: &Session, service: &str, periode: &str) -> CarnetView {
    pc.carnet(service, periode).expect("gradebook")
}

/// The cell of pupil `row` in the only devoir, as (text, sync state).
fn cell(pc: &Session, service: &str, periode: &str, row: usize) -> (String, EtatSync) {
    let c = carnet(pc, service, periode);
    let cell = &c.lignes[row].cellules[0];
    (cell.texte.clone(), cell.sync)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_pcs_typing_one_mark_offline_keep_both_until_the_teacher_chooses() {
    let (dir, _db, central) = demo_central().await;
    let url = central.url();
    let salle = teacher_pc(dir.path(), &url, "salle-12").await;
    let maison = teacher_pc(dir.path(), &url, "portable").await;
    let (service, periode) = first_service_and_period(&salle);

    let devoir = salle
        .creer_devoir(&service, &saisie("Contrôle 1", "20", "2"))
        .expect("create");
    let eleve = carnet(&salle, &service, &periode).lignes[0]
        .eleve_id
        .clone();
    salle.sync_once().await.expect("sync PC 1");
    maison.sync_once().await.expect("sync PC 2");
    assert_eq!(carnet(&maison, &service, &periode).devoirs[0].id, devoir);

    // Offline on both, two different marks for one pupil.
    salle
        .saisir_note(&service, &devoir, &eleve, "12,5")
        .expect("PC 1");
    maison
        .saisir_note(&service, &devoir, &eleve, "14")
        .expect("PC 2");
    assert_eq!(
        cell(&salle, &service, &periode, 0),
        ("12,5".into(), EtatSync::Local)
    );
    salle.sync_once().await.expect("sync PC 1");
    maison.sync_once().await.expect("sync PC 2");
    salle.sync_once().await.expect("sync PC 1 again");

    for pc in [&salle, &maison] {
        let conflit = one_conflict(pc);
        assert_eq!(
            versions_of(&conflit),
            ["12,5", "14"],
            "the value in force first"
        );
        assert!(conflit.quoi.contains("Contrôle 1"), "{}", conflit.quoi);
        assert_eq!(cell(pc, &service, &periode, 0).1, EtatSync::Conflit);
    }
    let notices = maison.modifications().expect("lists").avis;
    assert!(
        notices
            .iter()
            .any(|a| a.message.contains("14") && a.message.contains("en même temps")),
        "the author of the concurrent mark is told: {notices:?}"
    );

    // The teacher keeps 14 on PC 1; both PCs close the conflict.
    let conflit = one_conflict(&salle);
    salle
        .resoudre_conflit(
            EntityKind::Note,
            &conflit.entity_id,
            &conflit.champ,
            conflit.versions[1].seq,
        )
        .expect("choose");
    salle.sync_once().await.expect("send the choice");
    maison.sync_once().await.expect("receive it");
    for pc in [&salle, &maison] {
        assert!(pc.modifications().expect("lists").conflits.is_empty());
        assert_eq!(
            cell(pc, &service, &periode, 0),
            ("14".into(), EtatSync::Acquitte)
        );
        let c = carnet(pc, &service, &periode);
        assert_eq!(c.lignes[0].moyenne.as_deref(), Some("14,00"));
    }
    central.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_devoir_never_comes_back() {
    let (dir, db, central) = demo_central().await;
    let url = central.url();
    let salle = teacher_pc(dir.path(), &url, "salle-12").await;
    let portable = teacher_pc(dir.path(), &url, "portable").await;
    let (service, periode) = first_service_and_period(&salle);
    let devoir = salle
        .creer_devoir(&service, &saisie("Interrogation", "10", "1"))
        .expect("create");
    let kept = salle
        .creer_devoir(&service, &saisie("Exposé", "20", "1"))
        .expect("create");
    salle.sync_once().await.expect("sync");
    portable.sync_once().await.expect("sync");
    let eleve = carnet(&portable, &service, &periode).lignes[1]
        .eleve_id
        .clone();

    // PC 2 goes offline and types marks in both devoirs; PC 1 deletes the first.
    portable
        .saisir_note(&service, &devoir, &eleve, "8")
        .expect("offline mark");
    portable
        .saisir_note(&service, &kept, &eleve, "15")
        .expect("offline mark");
    salle.supprimer_devoir(&service, &devoir).expect("delete");
    assert_eq!(carnet(&salle, &service, &periode).devoirs.len(), 1);
    salle.sync_once().await.expect("sync the deletion");

    // Long after, the log is compacted; PC 2 comes back and sends its marks.
    compact_everything(&db);
    portable.sync_once().await.expect("sync PC 2");
    portable.sync_once().await.expect("again");
    let refusees = portable.modifications().expect("lists").refusees;
    assert_eq!(
        refusees.len(),
        1,
        "the mark of the deleted devoir: {refusees:?}"
    );
    assert!(
        refusees[0]
            .motif
            .as_deref()
            .unwrap_or_default()
            .contains("supprimé"),
        "{refusees:?}"
    );
    salle.sync_once().await.expect("PC 1 receives PC 2's marks");
    for pc in [&salle, &portable] {
        let c = carnet(pc, &service, &periode);
        let ids: Vec<&str> = c.devoirs.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, [kept.as_str()], "the deleted devoir stays deleted");
        let row = c
            .lignes
            .iter()
            .position(|l| l.eleve_id == eleve)
            .expect("pupil");
        assert_eq!(
            c.lignes[row].cellules[0].texte, "15",
            "the other devoir's mark stands"
        );
    }
    // Nothing can touch it again, from any PC.
    let err = salle
        .saisir_note(&service, &devoir, &eleve, "9")
        .expect_err("gone");
    assert!(err.to_string().contains("n'existe pas"), "{err}");
    // A new PC bootstrapping from a snapshot never sees it either.
    let nouveau = teacher_pc(dir.path(), &url, "nouveau").await;
    let ids: Vec<String> = carnet(&nouveau, &service, &periode)
        .devoirs
        .into_iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(ids, [kept]);
    central.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_marks_and_devoirs_are_refused_with_a_reason_and_nothing_is_written() {
    let (dir, _db, central) = demo_central().await;
    let url = central.url();
    let salle = teacher_pc(dir.path(), &url, "salle-12").await;
    let (service, periode) = first_service_and_period(&salle);
    // (form, the reason's words)
    let bad_devoirs = [
        (saisie("", "20", "1"), "titre"),
        (saisie("DS", "0", "1"), "barème"),
        (saisie("DS", "20", "-1"), "coefficient"),
        (saisie("DS", "vingt", "1"), "barème"),
        (
            DevoirSaisie {
                date: "2027-07-20".into(),
                ..saisie("DS", "20", "1")
            },
            "aucune période",
        ),
    ];
    for (form, reason) in bad_devoirs {
        let err = salle.creer_devoir(&service, &form).expect_err("refused");
        assert!(err.to_string().contains(reason), "{form:?}: {err}");
    }
    assert!(carnet(&salle, &service, &periode).devoirs.is_empty());
    assert_eq!(salle.etat().en_attente, 0, "nothing half-written");

    let devoir = salle
        .creer_devoir(&service, &saisie("DS", "10", "1"))
        .expect("create");
    let eleve = carnet(&salle, &service, &periode).lignes[0]
        .eleve_id
        .clone();
    for (typed, reason) in [
        ("11", "dépasse le barème (10)"),
        ("-1", "ni une note"),
        ("douze", "ni une note"),
        ("abss", "ni une note"),
    ] {
        let err = salle
            .saisir_note(&service, &devoir, &eleve, typed)
            .expect_err("refused");
        assert!(err.to_string().contains(reason), "{typed}: {err}");
    }
    let err = salle
        .saisir_note(&service, &devoir, "999999", "5")
        .expect_err("not in the class");
    assert!(err.to_string().contains("pas dans cette classe"), "{err}");
    assert_eq!(cell(&salle, &service, &periode, 0).0, "");

    // A pasted column with one bad line writes nothing and names the line.
    let err = salle
        .coller_notes(&service, &devoir, &eleve, "5\n7,5\n12\n4")
        .expect_err("third line");
    assert!(err.to_string().contains("ligne 3"), "{err}");
    assert_eq!(cell(&salle, &service, &periode, 1).0, "");
    let pasted = salle
        .coller_notes(&service, &devoir, &eleve, "5\r\n7,5\r\nabs\r\n")
        .expect("paste");
    assert_eq!(pasted, 3);
    let c = carnet(&salle, &service, &periode);
    let column: Vec<&str> = c.lignes[..3]
        .iter()
        .map(|l| l.cellules[0].texte.as_str())
        .collect();
    assert_eq!(column, ["5", "7,5", "ABS"]);
    // 5/10 and 7,5/10 are 10 and 15 out of 20; ABS has no average.
    let averages: Vec<Option<&str>> = c.lignes[..3].iter().map(|l| l.moyenne.as_deref()).collect();
    assert_eq!(averages, [Some("10,00"), Some("15,00"), None]);
    let stats = c.devoirs[0].stats.as_ref().expect("two marks count");
    assert_eq!(
        (
            stats.min.as_str(),
            stats.max.as_str(),
            stats.moyenne.as_str()
        ),
        ("5,00", "7,50", "6,25")
    );

    // The barème cannot go under a mark given.
    let err = salle
        .modifier_devoir(&service, &devoir, &saisie("DS", "6", "1"))
        .expect_err("7,5 > 6");
    assert!(err.to_string().contains("dépassent"), "{err}");
    central.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_council_locks_the_marks_of_its_period() {
    let (dir, _db, central) = demo_central().await;
    let url = central.url();
    let salle = teacher_pc(dir.path(), &url, "salle-12").await;
    let maison = teacher_pc(dir.path(), &url, "portable").await;
    let services = salle.services().expect("services");
    // A division's service (a group spans several councils).
    let service = services
        .iter()
        .find(|s| s.cible.chars().next().is_some_and(|c| c.is_ascii_digit()) && s.cible.len() == 2)
        .expect("a division's service")
        .clone();
    let periode = periode_of_test_day(&salle).id;
    let devoir = salle
        .creer_devoir(&service.id, &saisie("Bilan", "20", "1"))
        .expect("create");
    salle.sync_once().await.expect("sync");
    maison.sync_once().await.expect("sync");
    let eleve = carnet(&maison, &service.id, &periode).lignes[0]
        .eleve_id
        .clone();
    maison
        .saisir_note(&service.id, &devoir, &eleve, "13")
        .expect("typed before PC 2 knows");

    let head = head_pc(dir.path(), &url).await;
    let division_id = pupitre_fixtures::generate(pupitre_fixtures::DEMO_SEED)
        .reference
        .divisions
        .into_iter()
        .find(|d| d.code == service.cible)
        .expect("division")
        .id;
    head.changer_conseil(&periode, &division_id, ConseilEtat::Clos)
        .expect("close");
    head.sync_once().await.expect("sync head");
    maison.sync_once().await.expect("sync PC 2");
    let refusees = maison.modifications().expect("lists").refusees;
    assert_eq!(refusees.len(), 1, "{refusees:?}");
    let motif = refusees[0].motif.as_deref().unwrap_or_default();
    assert!(
        motif.contains("clos") && motif.contains(&service.cible),
        "{motif}"
    );
    assert_eq!(
        cell(&maison, &service.id, &periode, 0).0,
        "",
        "the central's value shows again"
    );
    let c = carnet(&maison, &service.id, &periode);
    assert!(c.verrouille);
    let err = maison
        .saisir_note(&service.id, &devoir, &eleve, "12")
        .expect_err("locked here too");
    assert!(err.to_string().contains("clos"), "{err}");
    let err = maison
        .supprimer_devoir(&service.id, &devoir)
        .expect_err("locked");
    assert!(err.to_string().contains("clos"), "{err}");
    central.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pupils_outside_their_dates_have_no_cells() {
    let (dir, _db, central) = demo_central().await;
    let url = central.url();
    let head = head_pc(dir.path(), &url).await;
    // In the demo, 5B's last pupil left on 16 October and one of 4B arrives on 1 December.
    let services = head.services().expect("services");
    let periode = periode_of_test_day(&head).id;
    for (cible, remarque, in_october, in_december) in [
        ("5B", "Sortie le 16/10/", true, false),
        ("4B", "Arrivée le 01/12/", false, true),
    ] {
        let service = services
            .iter()
            .find(|s| s.cible == cible)
            .expect("a service of the class")
            .id
            .clone();
        let annee = test_day().format("%Y").to_string();
        let octobre = head
            .creer_devoir(
                &service,
                &DevoirSaisie {
                    date: format!("{annee}-10-05"),
                    ..saisie("Octobre", "20", "1")
                },
            )
            .expect("create");
        let decembre = head
            .creer_devoir(
                &service,
                &DevoirSaisie {
                    date: format!("{annee}-12-10"),
                    ..saisie("Décembre", "20", "1")
                },
            )
            .expect("create");
        let t1 = carnet(&head, &service, &periode);
        let ligne = t1
            .lignes
            .iter()
            .find(|l| {
                l.remarque
                    .as_deref()
                    .is_some_and(|r| r.starts_with(remarque))
            })
            .unwrap_or_else(|| {
                panic!(
                    "{cible}: {:?}",
                    t1.lignes.iter().map(|l| &l.remarque).collect::<Vec<_>>()
                )
            });
        assert_eq!(ligne.cellules[0].saisissable, in_october, "{cible}");
        let eleve = ligne.eleve_id.clone();
        let typed = head.saisir_note(&service, &octobre, &eleve, "10");
        assert_eq!(typed.is_ok(), in_october, "{cible}: {typed:?}");
        let typed = head.saisir_note(&service, &decembre, &eleve, "10");
        assert_eq!(typed.is_ok(), in_december, "{cible}: {typed:?}");
        if let Err(e) = typed {
            assert!(
                e.to_string().contains("n'était pas dans cette classe"),
                "{e}"
            );
        }
    }
    head.sync_once().await.expect("sync");
    assert!(head.modifications().expect("lists").refusees.is_empty());
    central.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pupil_who_changed_class_keeps_her_marks_in_her_former_class() {
    let (dir, _db, central) = demo_central().await;
    let url = central.url();
    let head = head_pc(dir.path(), &url).await;
    let periode = periode_of_test_day(&head).id;
    let services = head.services().expect("services");
    let of = |cible: &str| {
        services
            .iter()
            .find(|s| s.cible == cible)
            .expect("a service of the class")
            .id
            .clone()
    };
    let (six_a, six_b) = (of("6A"), of("6B"));
    // In the demo, 6A's last pupil moved to 6B after 13 November.
    let annee = test_day().format("%Y").to_string();
    let dated = |titre: &str, jour: &str| DevoirSaisie {
        date: format!("{annee}-11-{jour}"),
        ..saisie(titre, "20", "1")
    };
    let avant = head
        .creer_devoir(&six_a, &dated("Avant", "05"))
        .expect("create");
    let apres = head
        .creer_devoir(&six_a, &dated("Après", "20"))
        .expect("create");
    let c = carnet(&head, &six_a, &periode);
    let ligne = c
        .lignes
        .iter()
        .find(|l| {
            l.remarque
                .as_deref()
                .is_some_and(|r| r.starts_with("Passée en 6B après le 13/11/"))
        })
        .unwrap_or_else(|| {
            panic!(
                "{:?}",
                c.lignes.iter().map(|l| &l.remarque).collect::<Vec<_>>()
            )
        });
    let eleve = ligne.eleve_id.clone();
    assert_eq!(ligne.division, "6B");
    assert_eq!(
        ligne
            .cellules
            .iter()
            .map(|c| c.saisissable)
            .collect::<Vec<_>>(),
        [true, false],
        "a cell before she left, none after"
    );
    head.saisir_note(&six_a, &avant, &eleve, "14")
        .expect("her mark in 6A");
    let err = head
        .saisir_note(&six_a, &apres, &eleve, "12")
        .expect_err("gone");
    assert!(
        err.to_string().contains("n'était pas dans cette classe"),
        "{err}"
    );
    // In 6B she takes marks from her arrival only.
    let b_avant = head
        .creer_devoir(&six_b, &dated("Avant", "06"))
        .expect("create");
    let b_apres = head
        .creer_devoir(&six_b, &dated("Après", "21"))
        .expect("create");
    assert!(head.saisir_note(&six_b, &b_avant, &eleve, "9").is_err());
    head.saisir_note(&six_b, &b_apres, &eleve, "11")
        .expect("her mark in 6B");
    head.sync_once().await.expect("sync");
    assert!(
        head.modifications().expect("lists").refusees.is_empty(),
        "the central agrees"
    );
    // The 6A teacher's PC keeps her, her mark and her average in 6A.
    let c = carnet(&head, &six_a, &periode);
    let ligne = c
        .lignes
        .iter()
        .find(|l| l.eleve_id == eleve)
        .expect("still listed in 6A");
    assert_eq!(ligne.cellules[0].texte, "14");
    assert_eq!(ligne.moyenne.as_deref(), Some("14,00"));
    let b = carnet(&head, &six_b, &periode);
    let ligne = b
        .lignes
        .iter()
        .find(|l| l.eleve_id == eleve)
        .expect("listed in 6B");
    assert_eq!(ligne.moyenne.as_deref(), Some("11,00"));
    central.stop().await;
}
