//! Keep-both conflicts end to end: a real central on a loopback port, the demo teacher on two
//! PCs (two replica directories), the head on a third. Concurrent appreciations are both kept and
//! listed on every PC; one person's choice syncs to the others; a closed council refuses later
//! edits with a reason; a PC whose clock is 10 minutes off has its concurrent roll-call edit
//! sent to a person instead of winning by its timestamp.

use pupitre_domain::{ConseilEtat, EntityKind, Presence};
use pupitre_e2e::{
    demo_central, head_pc, ligne_of, login, one_conflict, periode_of_test_day, teacher_pc, test_day,
};
use pupitre_fixtures::{DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD};
use pupitre_replica::client::CentralClient;
use pupitre_replica::clock::now_ms;
use pupitre_replica::views::EtatSync;
use pupitre_sync_protocol::wire::{LoginRequest, PushRequest, PushResult};
use pupitre_sync_protocol::{Change, ClientId, EntityRef, Hlc, OpId};
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_appreciations_are_both_kept_until_a_person_chooses() {
    let (dir, _db, central) = demo_central().await;
    let url = central.url();
    let salle = teacher_pc(dir.path(), &url, "salle-12").await;
    let maison = teacher_pc(dir.path(), &url, "portable").await;
    let service = salle.services().expect("services")[0].clone();
    let periode = periode_of_test_day(&salle);
    let lignes = salle
        .appreciations(&service.id, &periode.id)
        .expect("pupils");
    let eleve = lignes[0].eleve_id.clone();

    // Both PCs write without seeing each other's text.
    salle
        .ecrire_appreciation(&service.id, &periode.id, &eleve, "Bon trimestre.")
        .expect("write on PC 1");
    maison
        .ecrire_appreciation(
            &service.id,
            &periode.id,
            &eleve,
            "Très bon trimestre, continuez.",
        )
        .expect("write on PC 2");
    // Too long, with a French reason; nothing stored.
    let long = "x".repeat(601);
    let err = salle
        .ecrire_appreciation(&service.id, &periode.id, &eleve, &long)
        .expect_err("601 characters");
    assert!(err.to_string().contains("600"), "{err}");

    salle.sync_once().await.expect("sync PC 1");
    maison.sync_once().await.expect("sync PC 2");
    salle.sync_once().await.expect("sync PC 1 again");

    // Both PCs list the same conflict with both texts; nothing was dropped.
    for pc in [&salle, &maison] {
        let conflit = one_conflict(pc);
        let valeurs: Vec<&str> = conflit.versions.iter().map(|v| v.valeur.as_str()).collect();
        assert_eq!(
            valeurs,
            ["Bon trimestre.", "Très bon trimestre, continuez."],
            "the value in force first"
        );
        assert!(conflit.peut_resoudre && !conflit.en_cours);
        assert!(conflit.quoi.contains(&periode.libelle), "{}", conflit.quoi);
        let ligne = ligne_of(pc, &service.id, &periode.id, &eleve);
        assert_eq!(ligne.sync, EtatSync::Conflit);
        assert_eq!(pc.etat().conflits, 1);
    }

    // The teacher keeps the second text on PC 1; the choice reaches PC 2.
    let conflit = one_conflict(&salle);
    salle
        .resoudre_conflit(
            conflit.kind,
            &conflit.entity_id,
            &conflit.champ,
            conflit.versions[1].seq,
        )
        .expect("choose");
    assert!(one_conflict(&salle).en_cours, "shown as sent, not gone");
    salle.sync_once().await.expect("send the choice");
    maison.sync_once().await.expect("receive the choice");
    for pc in [&salle, &maison] {
        assert!(pc.modifications().expect("lists").conflits.is_empty());
        let ligne = ligne_of(pc, &service.id, &periode.id, &eleve);
        assert_eq!(ligne.texte, "Très bon trimestre, continuez.");
        assert_eq!(ligne.sync, EtatSync::Acquitte);
    }

    // The head closes the council of the pupil's division: a later edit is refused with a
    // reason, stays visible, and the PC that knows it refuses at once.
    let head = head_pc(dir.path(), &url).await;
    let division = ligne_of(&head, &service.id, &periode.id, &eleve);
    let divisions = pupitre_fixtures::generate(pupitre_fixtures::DEMO_SEED)
        .reference
        .divisions;
    let division_id = (divisions.iter())
        .find(|d| d.code == division.division)
        .expect("division")
        .id
        .clone();
    // A teacher closes no council but her class's, as its professeur principal.
    let not_hers = (divisions.iter())
        .find(|d| d.professeur_principal_id.as_deref() != Some("10001"))
        .expect("a class she is not PP of");
    assert!(
        salle
            .changer_conseil(&periode.id, &not_hers.id, ConseilEtat::Clos)
            .is_err(),
        "a teacher cannot close another class's council"
    );
    maison
        .ecrire_appreciation(&service.id, &periode.id, &eleve, "Écrit trop tard.")
        .expect("written before PC 2 knows");
    head.changer_conseil(&periode.id, &division_id, ConseilEtat::Clos)
        .expect("close");
    head.sync_once().await.expect("sync head");
    maison.sync_once().await.expect("sync PC 2");
    let refusees = maison.modifications().expect("lists").refusees;
    assert_eq!(refusees.len(), 1, "{refusees:?}");
    let motif = refusees[0].motif.as_deref().unwrap_or_default();
    assert!(
        motif.contains("clos") && motif.contains(&division.division),
        "{motif}"
    );
    assert_eq!(refusees[0].valeur, "Écrit trop tard.");
    let ligne = ligne_of(&maison, &service.id, &periode.id, &eleve);
    assert_eq!(ligne.texte, "Très bon trimestre, continuez.");
    assert_eq!(ligne.conseil, ConseilEtat::Clos);
    let err = maison
        .ecrire_appreciation(&service.id, &periode.id, &eleve, "Encore.")
        .expect_err("closed");
    assert!(err.to_string().contains("clos"), "{err}");
    central.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pc_ten_minutes_off_does_not_win_by_its_clock() {
    let (dir, _db, central) = demo_central().await;
    let url = central.url();
    let salle = login(
        &dir.path().join("salle-12"),
        &url,
        DEMO_TEACHER_LOGIN,
        DEMO_TEACHER_PASSWORD,
    )
    .await
    .expect("login");
    let seance = salle.seances_du_jour(&test_day().to_string()).expect("day")[0].clone();
    let eleve = salle.appel(&seance.id).expect("appel").eleves[0]
        .eleve_id
        .clone();
    salle
        .marquer(&seance.id, &eleve, Presence::Absent)
        .expect("mark");
    salle.sync_once().await.expect("sync");

    // Another PC of the same teacher, its clock 10 minutes ahead, sends a concurrent mark (it
    // never saw the first one: base 0) with a timestamp that would win last-writer-wins.
    let api = CentralClient::new(&url).expect("client");
    let client_id = ClientId(Uuid::new_v4());
    let answer = api
        .login(&LoginRequest {
            login: DEMO_TEACHER_LOGIN.into(),
            password: DEMO_TEACHER_PASSWORD.into(),
            client_id: client_id.clone(),
            cle_envoi: None,
        })
        .await
        .expect("login");
    let ahead = now_ms() + 10 * 60 * 1000;
    let change = Change {
        op_id: OpId(Uuid::new_v4()),
        client_seq: 1,
        entity: EntityRef {
            kind: EntityKind::Presence,
            id: format!("{}/{eleve}", seance.id),
        },
        field: "statut".into(),
        value: serde_json::json!({"statut": "present"}),
        base_version: 0,
        base_own: None,
        base_op: None,
        hlc: Hlc {
            wall_ms: ahead,
            counter: 0,
        },
        resolves: None,
        void: false,
        acked_as: None,
    };
    let log = api
        .snapshot(&answer.jetons.token)
        .await
        .expect("snapshot")
        .log;
    let pushed = api
        .push(
            &answer.jetons.token,
            &PushRequest {
                client_id,
                log,
                changes: vec![change],
                hlc: Hlc {
                    wall_ms: ahead,
                    counter: 0,
                },
                wall_ms: ahead,
            },
        )
        .await
        .expect("push");
    assert!(
        matches!(pushed.outcomes[0].result, PushResult::Accepted { .. }),
        "{pushed:?}"
    );

    // The first mark stands; the other is kept in a conflict for the teacher to choose.
    salle.sync_once().await.expect("sync");
    let appel = salle.appel(&seance.id).expect("appel");
    let ligne = appel
        .eleves
        .iter()
        .find(|e| e.eleve_id == eleve)
        .expect("pupil");
    assert_eq!(ligne.presence, Presence::Absent);
    assert_eq!(ligne.sync, EtatSync::Conflit);
    let conflit = one_conflict(&salle);
    assert_eq!(conflit.kind, EntityKind::Presence);
    let valeurs: Vec<&str> = conflit.versions.iter().map(|v| v.valeur.as_str()).collect();
    assert_eq!(valeurs, ["Absent", "Présent"]);
    central.stop().await;
}
