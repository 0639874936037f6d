//! No entry lost, end to end over HTTP with the real central and real replicas: the roll call
//! from two sources (the teacher and the CPE), PCs with clocks wrong by a week or a year, and a
//! central restored from an older backup while PCs hold acknowledged changes. Each test states
//! what every PC and the CPE must show at the end.

use pupitre_central::Db;
use pupitre_central::db::identity;
use pupitre_domain::{Edit, EntityKind, Fait, Garder, Heure, Issue, Presence};
use pupitre_e2e::{RunningCentral, SkewedPc, demo_central, on_pc, teacher_pc, test_day};
use pupitre_fixtures::{
    DEMO_CPE_LOGIN, DEMO_CPE_PASSWORD, DEMO_HEAD_LOGIN, DEMO_HEAD_PASSWORD, DEMO_TEACHER_LOGIN,
    DEMO_TEACHER_PASSWORD,
};
use pupitre_replica::Session;
use pupitre_replica::views::{AbsenceView, LigneAppel};
use serde_json::json;
use std::path::Path;
use std::sync::Arc;

const DAY_MS: i64 = 24 * 3600 * 1000;

async fn cpe_pc(dir: &Path, url: &str) -> Arc<Session> {
    on_pc(dir, url, "vie-scolaire", DEMO_CPE_LOGIN, DEMO_CPE_PASSWORD).await
}

/// The demo teacher's first séance of the test day and two of its pupils.
fn her_seance(teacher: &Session) -> (String, String, String) {
    let seance = teacher
        .seances_du_jour(&test_day().to_string())
        .expect("day")[0]
        .clone();
    let eleves = teacher.appel(&seance.id).expect("roll").eleves;
    (
        seance.id,
        eleves[0].eleve_id.clone(),
        eleves[1].eleve_id.clone(),
    )
}

fn row(session: &Session, seance: &str, eleve: &str) -> LigneAppel {
    session
        .appel(seance)
        .expect("roll")
        .eleves
        .into_iter()
        .find(|l| l.eleve_id == eleve)
        .expect("pupil on the roll")
}

fn desk_row(cpe: &Session, seance: &str, eleve: &str) -> Option<AbsenceView> {
    cpe.absences_du_jour(&test_day().to_string())
        .expect("desk")
        .into_iter()
        .find(|a| a.seance_id == seance && a.eleve_id == eleve)
}

fn central_value(db: &Path, kind: EntityKind, id: &str, field: &str) -> Option<serde_json::Value> {
    let entity = pupitre_sync_protocol::EntityRef {
        kind,
        id: id.to_owned(),
    };
    Db::open(db)
        .expect("db")
        .with(|c| pupitre_central::db::log::current(c, &entity, field))
        .expect("current")
        .map(|c| c.value)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_teacher_offline_and_the_cpe_online_both_stand_and_she_is_told() {
    let (dir, db, central) = demo_central().await;
    let (url, addr) = (central.url(), central.addr);
    let teacher = teacher_pc(dir.path(), &url, "salle-12").await;
    let (seance, yanis, lea) = her_seance(&teacher);

    // The teacher takes the roll with the central down: two pupils absent.
    central.stop().await;
    teacher
        .marquer(&seance, &yanis, Presence::Absent)
        .expect("mark");
    teacher
        .marquer(&seance, &lea, Presence::Absent)
        .expect("mark");
    assert!(teacher.sync_once().await.is_err(), "offline");

    // Meanwhile, online, the CPE knows better: one is at the infirmary, the other came late.
    let central = RunningCentral::start(&db, addr).await;
    let cpe = cpe_pc(dir.path(), &url).await;
    cpe.noter_fait(&seance, &yanis, Fait::Infirmerie)
        .expect("fact");
    let arrivee = Heure::new(8, 20).expect("valid");
    cpe.noter_fait(&seance, &lea, Fait::Retard { arrivee })
        .expect("fact");
    cpe.sync_once().await.expect("cpe sync");

    // The teacher's PC comes back.
    teacher.sync_once().await.expect("teacher sync");
    teacher.sync_once().await.expect("teacher sync");
    cpe.sync_once().await.expect("cpe sync");

    // Both entries stand at the central, each in its own field.
    let id = format!("{seance}/{yanis}");
    assert_eq!(
        central_value(&db, EntityKind::Presence, &id, "statut"),
        Some(json!({"statut": "absent"}))
    );
    assert_eq!(
        central_value(&db, EntityKind::Presence, &id, "fait"),
        Some(json!({"fait": "infirmerie"}))
    );
    // The CPE (and the families) see the infirmary and the lateness, not two absences.
    let y = desk_row(&cpe, &seance, &yanis).expect("on the desk");
    assert_eq!(
        (y.presence, y.observation, y.issue),
        (
            Presence::Infirmerie,
            Some(Presence::Absent),
            Issue::NonRetenue
        )
    );
    let l = desk_row(&cpe, &seance, &lea).expect("on the desk");
    assert_eq!(l.presence, Presence::Retard { arrivee });
    // The teacher's grid keeps her mark, shows the fact beside it and what is seen.
    let r = row(&teacher, &seance, &yanis);
    assert_eq!((r.presence, r.vu), (Presence::Absent, Presence::Infirmerie));
    assert_eq!(
        r.fait.as_ref().map(|f| f.auteur.as_str()),
        Some("M. Roux (CPE)")
    );
    // And she is told, in French, who wrote what stands.
    let avis = teacher.modifications().expect("lists").avis;
    let about_yanis = avis
        .iter()
        .find(|a| a.entity_id == id)
        .expect("a notice for her mark");
    let nom = {
        let ligne = row(&teacher, &seance, &yanis);
        format!("{} {}", ligne.nom, ligne.prenom)
    };
    assert!(
        about_yanis
            .message
            .starts_with(&format!("Votre saisie Absent pour {nom} ("))
            && about_yanis
                .message
                .contains("n'a pas été retenue : M. Roux (CPE) a noté Infirmerie à "),
        "{}",
        about_yanis.message
    );
    assert_eq!(about_yanis.issue, Issue::NonRetenue);
    assert!(
        avis.iter().any(|a| a.entity_id == format!("{seance}/{lea}")
            && a.message.contains("Retard (arrivée 08:20)")),
        "{avis:?}"
    );
    // Nothing is pending, nothing in conflict: a declared rule combined them.
    assert_eq!(teacher.etat().en_attente, 0);
    assert!(teacher.modifications().expect("lists").conflits.is_empty());
    // The field's history, opened from the roll call: who, what, on which PC.
    let history = teacher
        .historique(EntityKind::Presence, &id, "fait")
        .await
        .expect("history");
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].auteur, "M. Roux (CPE)");
    assert_ne!(history[0].poste, "ce poste");
    central.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_roll_call_that_contradicts_an_exclusion_goes_to_the_cpe_who_settles_it() {
    let (dir, db, central) = demo_central().await;
    let url = central.url();
    let teacher = teacher_pc(dir.path(), &url, "salle-12").await;
    let cpe = cpe_pc(dir.path(), &url).await;
    let (seance, kevin, ines) = her_seance(&teacher);
    // Both pupils are excluded from school; the teacher marks them present in class.
    for eleve in [&kevin, &ines] {
        cpe.noter_fait(&seance, eleve, Fait::Exclusion)
            .expect("fact");
        teacher
            .marquer(&seance, eleve, Presence::Present)
            .expect("mark");
    }
    cpe.sync_once().await.expect("sync");
    teacher.sync_once().await.expect("sync");
    cpe.sync_once().await.expect("sync");
    for eleve in [&kevin, &ines] {
        let a = desk_row(&cpe, &seance, eleve).expect("on the desk");
        assert_eq!(a.issue, Issue::AVerifier, "the CPE checks {eleve}");
    }
    // She keeps the teacher's observation for one (the exclusion was a mistake), the fact for
    // the other (the pupil was not there).
    cpe.trancher(&seance, &kevin, Garder::Observation)
        .expect("settle");
    cpe.trancher(&seance, &ines, Garder::Fait).expect("settle");
    // A teacher cannot settle it herself.
    assert!(
        teacher
            .trancher(&seance, &ines, Garder::Observation)
            .is_err()
    );
    cpe.sync_once().await.expect("sync");
    teacher.sync_once().await.expect("sync");

    assert!(
        desk_row(&cpe, &seance, &kevin).is_none(),
        "present, nothing to list"
    );
    let i = desk_row(&cpe, &seance, &ines).expect("on the desk");
    assert_eq!((i.presence, i.issue), (Presence::Exclu, Issue::NonRetenue));
    let seen = row(&teacher, &seance, &ines);
    assert_eq!(
        (seen.presence, seen.vu),
        (Presence::Absent, Presence::Exclu)
    );
    let avis = teacher.modifications().expect("lists").avis;
    assert!(
        avis.iter()
            .any(|a| a.entity_id == format!("{seance}/{ines}")),
        "{avis:?}"
    );
    assert_eq!(
        central_value(
            &db,
            EntityKind::Presence,
            &format!("{seance}/{kevin}"),
            "fait"
        ),
        Some(json!({"fait": "aucun"}))
    );
    central.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_teacher_and_the_cpe_marking_one_pupil_at_once_keep_both_until_the_cpe_chooses() {
    let (dir, db, central) = demo_central().await;
    let (url, addr) = (central.url(), central.addr);
    let teacher = teacher_pc(dir.path(), &url, "salle-12").await;
    let cpe = cpe_pc(dir.path(), &url).await;
    let (seance, eleve, _) = her_seance(&teacher);
    central.stop().await;
    // Offline, the teacher marks the pupil absent; online, the CPE corrects the roll: present
    // (she saw the pupil in the corridor). Neither saw the other's entry.
    teacher
        .marquer(&seance, &eleve, Presence::Absent)
        .expect("mark");
    let central = RunningCentral::start(&db, addr).await;
    cpe.marquer(&seance, &eleve, Presence::Present)
        .expect("mark");
    cpe.sync_once().await.expect("sync");
    teacher.sync_once().await.expect("sync");
    cpe.sync_once().await.expect("sync");
    // Both are kept and listed on both PCs; nobody's entry replaced the other's.
    for pc in [&teacher, &cpe] {
        let conflits = pc.modifications().expect("lists").conflits;
        assert_eq!(conflits.len(), 1, "{conflits:?}");
        let valeurs: Vec<&str> = conflits[0]
            .versions
            .iter()
            .map(|v| v.valeur.as_str())
            .collect();
        assert_eq!(valeurs, ["Présent", "Absent"]);
    }
    // The CPE chooses from her list; both PCs follow.
    let conflit = cpe.modifications().expect("lists").conflits.remove(0);
    assert!(conflit.peut_resoudre);
    let absent = conflit.versions[1].seq;
    cpe.resoudre_conflit(conflit.kind, &conflit.entity_id, &conflit.champ, absent)
        .expect("resolve");
    cpe.sync_once().await.expect("sync");
    teacher.sync_once().await.expect("sync");
    for pc in [&teacher, &cpe] {
        assert!(pc.modifications().expect("lists").conflits.is_empty());
        assert_eq!(row(pc, &seance, &eleve).presence, Presence::Absent);
    }
    central.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pcs_with_wrong_clocks_never_win_nor_lose_by_them() {
    let (dir, db, central) = demo_central().await;
    let url = central.url();
    let cpe = cpe_pc(dir.path(), &url).await;
    let behind = SkewedPc::login(
        &url,
        DEMO_TEACHER_LOGIN,
        DEMO_TEACHER_PASSWORD,
        -365 * DAY_MS,
    )
    .await;
    let ahead = SkewedPc::login(&url, DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD, 7 * DAY_MS).await;
    let teacher = teacher_pc(dir.path(), &url, "salle-12").await;
    let (seance, first, second) = her_seance(&teacher);
    let mark = |eleve: &str, presence| Edit::Presence {
        seance_id: seance.clone(),
        eleve_id: eleve.to_owned(),
        presence,
    };

    // A PC a year behind marks a pupil absent, then, still offline, corrects it to present.
    behind.edit(&mark(&first, Presence::Absent));
    behind.edit(&mark(&first, Presence::Present));
    behind.sync().await;
    // Its person is warned that its clock is off; that is all the clock does.
    let warning = pupitre_replica::sync::lock(&behind.store)
        .clock_warning()
        .expect("warning");
    assert!(
        warning
            .as_deref()
            .is_some_and(|w| w.contains("en retard de 365 jours")),
        "{warning:?}"
    );
    let id = format!("{seance}/{first}");
    assert_eq!(
        central_value(&db, EntityKind::Presence, &id, "statut"),
        Some(json!({"statut": "present"})),
        "her correction stands at the central"
    );
    cpe.sync_once().await.expect("sync");
    assert!(
        desk_row(&cpe, &seance, &first).is_none(),
        "the CPE sees no absence"
    );
    assert!(
        cpe.modifications().expect("lists").conflits.is_empty(),
        "no conflict between the teacher and herself"
    );

    // A PC a week ahead marks the other pupil absent; the CPE, who saw it, corrects it later:
    // the correction applies, whatever the clocks say, and the PC ahead follows.
    ahead.edit(&mark(&second, Presence::Absent));
    ahead.sync().await;
    cpe.sync_once().await.expect("sync");
    cpe.marquer(&seance, &second, Presence::Present)
        .expect("correct");
    cpe.sync_once().await.expect("sync");
    ahead.sync().await;
    let id2 = format!("{seance}/{second}");
    assert_eq!(
        central_value(&db, EntityKind::Presence, &id2, "statut"),
        Some(json!({"statut": "present"}))
    );
    assert_eq!(
        ahead.value(EntityKind::Presence, &id2, "statut"),
        Some(json!({"statut": "present"}))
    );

    // The PC ahead and the PC behind mark the same pupil at once: neither clock wins; both
    // values are kept for a person.
    ahead.edit(&mark(&first, Presence::Dispense));
    behind.edit(&mark(&first, Presence::Absent));
    ahead.sync().await;
    behind.sync().await;
    teacher.sync_once().await.expect("sync");
    let conflits = teacher.modifications().expect("lists").conflits;
    assert_eq!(conflits.len(), 1, "{conflits:?}");
    let valeurs: Vec<&str> = conflits[0]
        .versions
        .iter()
        .map(|v| v.valeur.as_str())
        .collect();
    assert_eq!(valeurs, ["Dispensé", "Absent"]);
    // The history shows each PC's clock as data, flagged where it is off.
    let history = teacher
        .historique(EntityKind::Presence, &id, "statut")
        .await
        .expect("history");
    assert!(history.iter().any(|h| h.horloge_decalee), "{history:?}");
    central.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_central_restored_from_an_older_backup_gets_back_what_the_pcs_hold() {
    let (dir, db, central) = demo_central().await;
    let (url, addr) = (central.url(), central.addr);
    let teacher = teacher_pc(dir.path(), &url, "salle-12").await;
    let cpe = cpe_pc(dir.path(), &url).await;
    let head = on_pc(
        dir.path(),
        &url,
        "direction",
        DEMO_HEAD_LOGIN,
        DEMO_HEAD_PASSWORD,
    )
    .await;
    let (seance, first, second) = her_seance(&teacher);

    // Last night's backup holds the first absence.
    teacher
        .marquer(&seance, &first, Presence::Absent)
        .expect("mark");
    teacher.sync_once().await.expect("sync");
    let backup = dir.path().join("nuit.sqlite");
    Db::open(&db)
        .expect("db")
        .with(|c| identity::backup(c, &backup))
        .expect("backup");
    // This morning: more entries, acknowledged by the central, pulled by the head's PC.
    teacher
        .marquer(
            &seance,
            &second,
            Presence::Retard {
                arrivee: Heure::new(8, 5).expect("valid"),
            },
        )
        .expect("mark");
    teacher.valider_appel(&seance).expect("validate");
    teacher.sync_once().await.expect("sync");
    cpe.noter_fait(&seance, &first, Fait::Infirmerie)
        .expect("fact");
    cpe.sync_once().await.expect("sync");
    head.sync_once().await.expect("sync");
    assert_eq!(teacher.etat().en_attente, 0, "all acknowledged");

    // The server is restored from last night's backup. Served as is, it is refused: it is older
    // than what this central already served.
    central.stop().await;
    std::fs::copy(&backup, &db).expect("copy the backup over");
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let refused = RunningCentral::try_start(&db, addr).await;
    assert!(
        refused
            .as_ref()
            .err()
            .is_some_and(|e| e.contains("pupitre-central restore")),
        "an older copy must not be served silently"
    );
    // Declared a restore, it begins a new epoch.
    pupitre_central::restore(&db, &backup).expect("restore");
    let central = RunningCentral::start(&db, addr).await;

    // Every PC notices, rebases and sends again what the restored central lacks; nobody is
    // stuck on a missing sequence.
    for _ in 0..2 {
        for pc in [&teacher, &cpe, &head] {
            pc.sync_once().await.expect("sync after the restore");
        }
    }
    let id2 = format!("{seance}/{second}");
    assert_eq!(
        central_value(&db, EntityKind::Presence, &id2, "statut"),
        Some(json!({"statut": "retard", "arrivee": "08:05"}))
    );
    assert_eq!(
        central_value(&db, EntityKind::Appel, &seance, "etat"),
        Some(json!("fait"))
    );
    assert_eq!(
        central_value(
            &db,
            EntityKind::Presence,
            &format!("{seance}/{first}"),
            "fait"
        ),
        Some(json!({"fait": "infirmerie"}))
    );
    for pc in [&teacher, &cpe, &head] {
        let etat = pc.etat();
        assert_eq!((etat.en_attente, etat.refusees), (0, 0), "{etat:?}");
    }
    // A change made after the restore reaches the head's PC, whose cursor was above the
    // restored head: no old cursor hides it.
    teacher
        .marquer(&seance, &first, Presence::Exclu)
        .expect("mark");
    teacher.sync_once().await.expect("sync");
    head.sync_once().await.expect("sync");
    let seen = row(&head, &seance, &first);
    assert_eq!(seen.presence, Presence::Exclu);
    assert_eq!(
        row(&head, &seance, &second).presence,
        Presence::Retard {
            arrivee: Heure::new(8, 5).expect("valid"),
        }
    );
    central.stop().await;
}
