//! Compaction and scope growth end to end: a real central on a loopback port and real replicas.
//! A PC offline while an appreciation was erased and the log compacted rebases on a snapshot:
//! the erased text does not come back and its own pending edit survives. A class given to a
//! teacher reaches her PC with its reference data and values, and she can write in it.

use pupitre_central::Db;
use pupitre_central::db::log;
use pupitre_domain::{EntityKind, School};
use pupitre_e2e::{
    class_to_move, compact_everything, demo_central, give_service, head_pc, ligne_of,
    periode_of_test_day, teacher_pc, test_day, test_day_school,
};
use pupitre_replica::Session;
use pupitre_replica::views::EtatSync;
use pupitre_sync_protocol::EntityRef;

fn texte(session: &Session, service: &str, periode: &str, eleve: &str) -> String {
    ligne_of(session, service, periode, eleve).texte
}

/// The first two pupils of a service.
fn two_pupils(session: &Session, service: &str, periode: &str) -> Vec<String> {
    let lignes = session.appreciations(service, periode).expect("pupils");
    lignes.into_iter().map(|l| l.eleve_id).take(2).collect()
}

fn holds_service(session: &Session, service: &str) -> bool {
    let services = session.services().expect("services");
    services.iter().any(|s| s.id == service)
}

/// Compacts the central's whole log, as its hourly task does once the retention has passed.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_erasure_compacted_away_never_comes_back() {
    let (dir, db, central) = demo_central().await;
    let url = central.url();
    let salle = teacher_pc(dir.path(), &url, "salle-12").await;
    let portable = teacher_pc(dir.path(), &url, "portable").await;
    let service = salle.services().expect("services")[0].id.clone();
    let periode = periode_of_test_day(&salle).id;
    let eleves = two_pupils(&salle, &service, &periode);
    let (erased, other) = (&eleves[0], &eleves[1]);

    salle
        .ecrire_appreciation(&service, &periode, erased, "Bon trimestre.")
        .expect("write");
    salle.sync_once().await.expect("sync PC 1");
    portable.sync_once().await.expect("sync PC 2");
    assert_eq!(
        texte(&portable, &service, &periode, erased),
        "Bon trimestre."
    );

    // PC 2 goes offline with an edit of its own; PC 1 wipes the first text out.
    portable
        .ecrire_appreciation(&service, &periode, other, "Des progrès réguliers.")
        .expect("write offline");
    salle
        .ecrire_appreciation(&service, &periode, erased, "")
        .expect("erase");
    salle.sync_once().await.expect("sync PC 1");

    // Long after, the central compacts: the erasure's tombstone expires with the rest.
    let done = compact_everything(&db);
    assert!(done.tombstones >= 1 && done.changes >= 1, "{done:?}");
    let entity = EntityRef {
        kind: EntityKind::Appreciation,
        id: format!("{periode}/{service}/{erased}"),
    };
    let central_db = Db::open(&db).expect("central db");
    let held = central_db
        .with(|c| log::current(c, &entity, "texte"))
        .expect("current");
    assert!(held.is_none(), "the tombstone expired: {held:?}");

    // PC 2 comes back: its cursor is older than the log, it rebases on a snapshot.
    let report = portable.sync_once().await.expect("sync PC 2");
    assert!(report.rebased, "{report:?}");
    assert_eq!(report.forgotten, 1, "{report:?}");
    assert_eq!(report.accepted, 1, "its pending edit was sent: {report:?}");
    assert_eq!(texte(&portable, &service, &periode, erased), "");
    let ligne = ligne_of(&portable, &service, &periode, other);
    assert_eq!(ligne.texte, "Des progrès réguliers.");
    assert_eq!(ligne.sync, EtatSync::Acquitte);
    // A second sync finds the log in full from its new cursor.
    let again = portable.sync_once().await.expect("sync PC 2 again");
    assert!(!again.rebased, "{again:?}");
    salle.sync_once().await.expect("sync PC 1");
    assert_eq!(
        texte(&salle, &service, &periode, other),
        "Des progrès réguliers."
    );
    assert_eq!(texte(&salle, &service, &periode, erased), "");
    central.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_class_given_to_a_teacher_reaches_her_pc() {
    let (dir, db, central) = demo_central().await;
    let url = central.url();
    let school: School = test_day_school();
    let (_, moved) = class_to_move(&school);
    let teacher = teacher_pc(dir.path(), &url, "salle-12").await;
    let head = head_pc(dir.path(), &url).await;
    assert!(!holds_service(&teacher, &moved), "not hers yet");
    let periode = periode_of_test_day(&head).id;
    let eleves = two_pupils(&head, &moved, &periode);
    head.ecrire_appreciation(
        &moved,
        &periode,
        &eleves[0],
        "Classe reprise en cours d'année.",
    )
    .expect("head writes");
    head.sync_once().await.expect("sync head");

    // The school gives the class to the demo teacher.
    give_service(&Db::open(&db).expect("central db"), &moved, "10001");

    let report = teacher.sync_once().await.expect("sync teacher");
    assert!(report.rebased, "{report:?}");
    assert!(
        holds_service(&teacher, &moved),
        "her new class is on her PC"
    );
    let seances: Vec<String> = teacher
        .seances_du_jour(&test_day().to_string())
        .expect("day")
        .into_iter()
        .map(|s| s.id)
        .collect();
    for seance in school.seances.iter().filter(|s| s.service_id == moved) {
        assert!(seances.contains(&seance.id), "séance {} missing", seance.id);
    }
    assert_eq!(
        texte(&teacher, &moved, &periode, &eleves[0]),
        "Classe reprise en cours d'année."
    );
    teacher
        .ecrire_appreciation(&moved, &periode, &eleves[1], "Bon début avec moi.")
        .expect("she writes in it");
    let report = teacher.sync_once().await.expect("sync teacher");
    assert_eq!((report.accepted, report.refused), (1, 0), "{report:?}");
    head.sync_once().await.expect("sync head");
    assert_eq!(
        texte(&head, &moved, &periode, &eleves[1]),
        "Bon début avec moi."
    );
    central.stop().await;
}
