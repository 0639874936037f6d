//! The walking skeleton end to end, headless: a real central on a loopback port with its SQLite
//! file, a teacher's replica and a CPE's replica in their own data directories.

use pupitre_central::Db;
use pupitre_domain::{AppelEtat, Heure, Presence};
use pupitre_e2e::{RunningCentral, demo_central, hand_principal_of, login, test_day};
use pupitre_fixtures::{
    DEMO_CPE_LOGIN, DEMO_CPE_PASSWORD, DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD,
};
use pupitre_replica::ReplicaError;
use pupitre_replica::client::CentralClient;
use pupitre_replica::views::EtatSync;
use pupitre_sync_protocol::wire::{LoginRequest, PushRequest, PushResult};
use pupitre_sync_protocol::{Change, ClientId, EntityRef, Hlc, OpId};
use uuid::Uuid;

fn central_log_len(db: &std::path::Path) -> i64 {
    Db::open(db)
        .expect("open central db")
        .with(|c| c.query_row("SELECT COUNT(*) FROM changes", [], |r| r.get(0)))
        .expect("count")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_roll_call_reaches_the_cpe() {
    let (dir, central_db, central) = demo_central().await;
    let teacher_dir = dir.path().join("poste-salle-12");
    let cpe_dir = dir.path().join("poste-vie-scolaire");
    let day = test_day().to_string();

    // 1. The teacher logs in online: the replica holds their scope only.
    let addr = central.addr;
    let teacher = login(
        &teacher_dir,
        &central.url(),
        DEMO_TEACHER_LOGIN,
        DEMO_TEACHER_PASSWORD,
    )
    .await
    .expect("teacher logs in");
    assert!(teacher.moi().en_ligne);
    let seances = teacher.seances_du_jour(&day).expect("séances");
    assert!(!seances.is_empty(), "the demo teacher teaches on {day}");
    assert!(
        seances.iter().all(|s| s.matiere == "FRANCAIS"),
        "only her own séances: {seances:?}"
    );
    let seance = &seances[0];
    let appel = teacher.appel(&seance.id).expect("appel");
    assert!(
        appel.eleves.len() >= 20,
        "a whole class: {}",
        appel.eleves.len()
    );
    assert!(
        appel
            .eleves
            .iter()
            .all(|e| e.presence == Presence::Present && e.sync == EtatSync::Aucun)
    );
    // Nothing of another teacher's division is on this PC.
    let all_divisions: std::collections::BTreeSet<_> =
        seances.iter().map(|s| s.cible.clone()).collect();
    assert!(all_divisions.len() < 24, "{all_divisions:?}");

    // 2. The central stops. The roll call works the same, offline.
    central.stop().await;
    let absent = appel.eleves[0].eleve_id.clone();
    let late = appel.eleves[1].eleve_id.clone();
    teacher
        .marquer(&seance.id, &absent, Presence::Absent)
        .expect("mark absent");
    let arrivee = Heure::new(8, 12).expect("valid");
    teacher
        .marquer(&seance.id, &late, Presence::Retard { arrivee })
        .expect("mark late");
    teacher.valider_appel(&seance.id).expect("validate");
    let err = teacher.sync_once().await.expect_err("central is down");
    assert!(err.is_offline(), "{err}");
    let etat = teacher.etat();
    assert!(!etat.en_ligne);
    assert_eq!(etat.en_attente, 3);
    assert_eq!(
        etat.envoyees, 0,
        "a push that could not connect left nothing 'sent'"
    );
    assert_eq!(
        etat.erreur.as_ref().map(|e| e.code.as_str()),
        Some("hors_ligne")
    );
    let appel = teacher.appel(&seance.id).expect("appel");
    assert_eq!(appel.seance.appel, AppelEtat::Fait);
    assert_eq!(appel.eleves[0].presence, Presence::Absent);
    assert_eq!(appel.eleves[0].sync, EtatSync::Local);
    assert_eq!(appel.seance.sync, EtatSync::Local);

    // 3. Quit and restart the app, still offline: the login is checked locally, nothing lost.
    teacher.logout().await.expect("logout offline");
    drop(teacher);
    let wrong = login(
        &teacher_dir,
        &format!("http://{addr}"),
        DEMO_TEACHER_LOGIN,
        "faux",
    )
    .await;
    assert!(
        matches!(wrong, Err(ReplicaError::WrongPassword)),
        "offline login checks the password"
    );
    let teacher = login(
        &teacher_dir,
        &format!("http://{addr}"),
        DEMO_TEACHER_LOGIN,
        DEMO_TEACHER_PASSWORD,
    )
    .await
    .expect("offline login");
    assert!(!teacher.moi().en_ligne);
    assert_eq!(teacher.etat().en_attente, 3);
    assert_eq!(
        teacher.appel(&seance.id).expect("appel").eleves[0].presence,
        Presence::Absent
    );

    // 4. The central comes back on the same address: the outbox goes out by itself.
    let log_before = central_log_len(&central_db);
    let central = RunningCentral::start(&central_db, addr).await;
    let sync_loop = teacher.spawn_sync_loop();
    let mut status = teacher.subscribe();
    tokio::time::timeout(
        std::time::Duration::from_secs(30),
        status.wait_for(|s| s.en_ligne && s.en_attente == 0),
    )
    .await
    .expect("the loop pushes within 30 s")
    .expect("status channel open");
    assert_eq!(
        central_log_len(&central_db),
        log_before + 3,
        "each change applied once"
    );
    let appel = teacher.appel(&seance.id).expect("appel");
    assert_eq!(appel.eleves[0].sync, EtatSync::Acquitte);
    assert_eq!(appel.seance.sync, EtatSync::Acquitte);
    assert!(teacher.etat().derniere_synchro.is_some());

    // 5. The CPE, on another PC, sees the absence with the séance and the time.
    let cpe = login(&cpe_dir, &central.url(), DEMO_CPE_LOGIN, DEMO_CPE_PASSWORD)
        .await
        .expect("cpe logs in");
    let absences = cpe.absences_du_jour(&day).expect("absences");
    let found = absences
        .iter()
        .find(|a| a.seance_id == seance.id && a.presence == Presence::Absent)
        .expect("the absence");
    assert_eq!(
        (found.debut.as_str(), found.fin.as_str()),
        (seance.debut.as_str(), seance.fin.as_str())
    );
    assert_eq!(found.matiere, "FRANCAIS");
    assert!(
        absences
            .iter()
            .any(|a| a.presence == Presence::Retard { arrivee })
    );
    let cpe_seances = cpe.seances_du_jour(&day).expect("school's séances");
    assert!(cpe_seances.len() > seances.len());
    assert_eq!(
        cpe_seances
            .iter()
            .find(|s| s.id == seance.id)
            .map(|s| s.appel),
        Some(AppelEtat::Fait)
    );

    // A later change by the teacher reaches the CPE by pull.
    teacher
        .marquer(&seance.id, &late, Presence::Present)
        .expect("correct");
    teacher.sync_once().await.expect("sync");
    cpe.sync_once().await.expect("cpe sync");
    let absences = cpe.absences_du_jour(&day).expect("absences");
    assert!(
        !absences
            .iter()
            .any(|a| a.presence == Presence::Retard { arrivee }),
        "{absences:?}"
    );

    teacher.logout().await.expect("logout");
    sync_loop.await.expect("loop ends after logout");
    cpe.logout().await.expect("logout");
    central.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicated_push_is_applied_once_and_acknowledged_twice() {
    let (_dir, central_db, central) = demo_central().await;
    let api = CentralClient::new(&central.url()).expect("client");
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
    let snapshot = api.snapshot(&answer.jetons.token).await.expect("snapshot");
    let (school, me) = (&snapshot.school, answer.personnel.id.as_str());
    let seance = school
        .seances
        .iter()
        .find(|s| school.is_taught_by(s, me))
        .expect("own séance");
    let colleague = school
        .seances
        .iter()
        .find(|s| !school.is_taught_by(s, me))
        .expect("a colleague's séance");
    let change = Change {
        op_id: OpId(Uuid::new_v4()),
        client_seq: 1,
        entity: EntityRef {
            kind: pupitre_domain::EntityKind::Appel,
            id: seance.id.clone(),
        },
        field: "etat".into(),
        value: serde_json::json!("fait"),
        base_version: 0,
        base_own: None,
        base_op: None,
        hlc: Hlc {
            wall_ms: 1,
            counter: 0,
        },
        resolves: None,
        void: false,
        acked_as: None,
    };
    let request = PushRequest {
        client_id: client_id.clone(),
        log: snapshot.log.clone(),
        changes: vec![change.clone()],
        hlc: change.hlc,
        wall_ms: pupitre_replica::clock::now_ms(),
    };
    let first = api
        .push(&answer.jetons.token, &request)
        .await
        .expect("push");
    let second = api
        .push(&answer.jetons.token, &request)
        .await
        .expect("retry");
    assert!(
        matches!(first.outcomes[0].result, PushResult::Accepted { .. }),
        "{first:?}"
    );
    assert_eq!(
        first.outcomes, second.outcomes,
        "the retry gets the same acknowledgement"
    );
    assert_eq!(central_log_len(&central_db), 1, "applied once");

    // A colleague's séance of the same class is refused with a reason, stable on retry.
    let refused = Change {
        op_id: OpId(Uuid::new_v4()),
        client_seq: 2,
        entity: EntityRef {
            kind: pupitre_domain::EntityKind::Appel,
            id: colleague.id.clone(),
        },
        ..change.clone()
    };
    let request = PushRequest {
        client_id,
        log: snapshot.log.clone(),
        changes: vec![refused],
        hlc: change.hlc,
        wall_ms: pupitre_replica::clock::now_ms(),
    };
    let answer_refused = api
        .push(&answer.jetons.token, &request)
        .await
        .expect("push");
    assert!(
        matches!(&answer_refused.outcomes[0].result, PushResult::Refused { code, .. } if code.as_str() == "hors_perimetre"),
        "{answer_refused:?}"
    );
    let again = api
        .push(&answer.jetons.token, &request)
        .await
        .expect("retry");
    assert_eq!(again.outcomes, answer_refused.outcomes);
    assert_eq!(central_log_len(&central_db), 1);
    central.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_language_group_roll_call_lists_its_pupils_from_every_division() {
    let (dir, _central_db, central) = demo_central().await;
    let school = pupitre_fixtures::generate(pupitre_fixtures::DEMO_SEED);
    let (service, groupe) = school
        .services
        .iter()
        .find_map(|s| match &s.cible {
            pupitre_domain::Cible::Groupe(g) => Some((s, g.clone())),
            _ => None,
        })
        .expect("a language group service");
    let compte = school
        .comptes
        .iter()
        .find(|c| c.personnel_id == service.enseignant_id)
        .expect("account");
    let teacher = login(
        &dir.path().join("poste"),
        &central.url(),
        &compte.login,
        &compte.password,
    )
    .await
    .expect("LV2 teacher logs in");
    let expected: std::collections::BTreeSet<String> = school
        .eleves
        .iter()
        .filter(|e| e.groupe_ids.contains(&groupe))
        .map(|e| e.id.clone())
        .collect();
    let seance_id = school
        .seances(test_day())
        .into_iter()
        .find(|s| s.service_id == service.id)
        .expect("a séance of the group this year")
        .id;
    let appel = teacher.appel(&seance_id).expect("appel");
    let listed: std::collections::BTreeSet<String> =
        appel.eleves.iter().map(|e| e.eleve_id.clone()).collect();
    assert_eq!(listed, expected);
    let divisions: std::collections::BTreeSet<&str> =
        appel.eleves.iter().map(|e| e.division.as_str()).collect();
    assert!(
        divisions.len() > 1,
        "pupils from several divisions: {divisions:?}"
    );
    teacher.logout().await.expect("logout");
    central.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_change_stays_visible_with_its_reason() {
    let (dir, central_db, central) = demo_central().await;
    let teacher = login(
        &dir.path().join("poste"),
        &central.url(),
        DEMO_TEACHER_LOGIN,
        DEMO_TEACHER_PASSWORD,
    )
    .await
    .expect("login");
    let seance = teacher
        .seances_du_jour(&test_day().to_string())
        .expect("séances")[0]
        .clone();
    let eleve = teacher.appel(&seance.id).expect("appel").eleves[0].clone();
    teacher
        .marquer(&seance.id, &eleve.eleve_id, Presence::Absent)
        .expect("mark");
    assert_eq!(teacher.modifications().expect("list").en_attente.len(), 1);

    // Meanwhile the school gives the class to a colleague, and the class's professeur
    // principal role: the central refuses the mark.
    Db::open(&central_db)
        .expect("central")
        .with(|c| {
            hand_principal_of(c, &seance.id, "10001", "10002");
            c.execute(
                "UPDATE services SET enseignant_id = '10002' WHERE id = (SELECT service_id FROM seances WHERE id = ?1)",
                [&seance.id],
            )
        })
        .expect("reassign");
    teacher.sync_once().await.expect("sync");
    let etat = teacher.etat();
    assert_eq!((etat.en_attente, etat.refusees), (0, 1));
    let modifs = teacher.modifications().expect("list");
    assert!(modifs.en_attente.is_empty());
    let refused = &modifs.refusees[0];
    assert_eq!(refused.valeur, "Absent");
    assert_eq!(
        refused.eleve.as_deref(),
        Some(format!("{} {}", eleve.nom, eleve.prenom).as_str())
    );
    assert!(
        refused.seance.contains(&seance.debut) && refused.seance.contains(&seance.cible),
        "{}",
        refused.seance
    );
    assert!(
        refused
            .motif
            .as_deref()
            .is_some_and(|m| m.contains("enseignant")),
        "{:?}",
        refused.motif
    );
    // The class left her scope: purged from the PC; the refusal survives a restart.
    assert!(teacher.appel(&seance.id).is_err());
    teacher.logout().await.expect("logout");
    drop(teacher);
    let teacher = login(
        &dir.path().join("poste"),
        &central.url(),
        DEMO_TEACHER_LOGIN,
        DEMO_TEACHER_PASSWORD,
    )
    .await
    .expect("login again");
    assert_eq!(teacher.modifications().expect("list").refusees.len(), 1);
    assert_eq!(teacher.etat().refusees, 1);
    teacher.logout().await.expect("logout");
    central.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_class_is_purged_and_its_unsent_marks_stay_visible() {
    let (dir, central_db, central) = demo_central().await;
    let data = dir.path().join("poste");
    let teacher = login(
        &data,
        &central.url(),
        DEMO_TEACHER_LOGIN,
        DEMO_TEACHER_PASSWORD,
    )
    .await
    .expect("login");
    let day = test_day().to_string();
    let seances = teacher.seances_du_jour(&day).expect("séances");
    let lost = seances[0].clone();
    let kept: Vec<_> = seances
        .iter()
        .filter(|s| s.cible != lost.cible)
        .cloned()
        .collect();
    assert!(!kept.is_empty(), "the demo teacher has several classes");
    let lost_pupils = teacher.appel(&lost.id).expect("appel").eleves;
    teacher
        .marquer(&lost.id, &lost_pupils[0].eleve_id, Presence::Absent)
        .expect("mark the class to lose");
    teacher
        .marquer(
            &kept[0].id,
            &teacher.appel(&kept[0].id).expect("appel").eleves[0].eleve_id,
            Presence::Absent,
        )
        .expect("mark a kept class");
    teacher.sync_once().await.expect("sync");

    // The school gives the lost class to a colleague; the teacher marks it once more, offline.
    Db::open(&central_db)
        .expect("central")
        .with(|c| {
            hand_principal_of(c, &lost.id, "10001", "10002");
            c.execute(
                "UPDATE services SET enseignant_id = '10002'
                 WHERE enseignant_id = '10001' AND cible_key = (SELECT sv.cible_key FROM seances se
                     JOIN services sv ON sv.id = se.service_id WHERE se.id = ?1)",
                [&lost.id],
            )
        })
        .expect("reassign");
    teacher
        .marquer(&lost.id, &lost_pupils[1].eleve_id, Presence::Absent)
        .expect("unsent mark");
    teacher.sync_once().await.expect("sync");

    // Nothing of the lost class is left on the PC; the unsent mark is a visible refusal.
    let now: Vec<_> = teacher.seances_du_jour(&day).expect("séances");
    assert!(now.iter().all(|s| s.cible != lost.cible), "{now:?}");
    assert_eq!(now.len(), kept.len());
    assert!(teacher.appel(&lost.id).is_err(), "the lost séance is gone");
    assert_eq!(
        teacher.appel(&kept[0].id).expect("kept").eleves[0].presence,
        Presence::Absent
    );
    let modifs = teacher.modifications().expect("list");
    assert_eq!(modifs.refusees.len(), 1, "{modifs:?}");
    assert!(
        modifs.refusees[0].seance.contains(&lost.cible),
        "{:?}",
        modifs.refusees[0]
    );
    assert_eq!(teacher.etat().en_attente, 0);
    let replica = pupitre_replica::paths::replica_path(&data, DEMO_TEACHER_LOGIN);
    teacher.logout().await.expect("logout");
    drop(teacher);
    let conn = pupitre_e2e::replica_connection(&replica, DEMO_TEACHER_PASSWORD);
    let pupil_left: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM eleves WHERE id = ?1",
            [&lost_pupils[0].eleve_id],
            |r| r.get(0),
        )
        .expect("count");
    let fields_left: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM fields WHERE (kind = 'appel' AND entity_id = ?1)
             OR (kind = 'presence' AND entity_id >= ?1 || '/' AND entity_id < ?1 || '0')",
            [&lost.id],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(
        (pupil_left, fields_left),
        (0, 0),
        "purged from the file, not just hidden"
    );
    drop(conn);

    // An edit still in the outbox when the scope shrinks (made between a round's push and its
    // pull) becomes a visible refusal too.
    let mut store = pupitre_e2e::open_replica(&replica, DEMO_TEACHER_PASSWORD);
    let eleve_id = store
        .appel(&kept[0].id)
        .expect("appel")
        .expect("kept séance")
        .eleves[1]
        .eleve_id
        .clone();
    let edit = pupitre_domain::Edit::Presence {
        seance_id: kept[0].id.clone(),
        eleve_id,
        presence: Presence::Absent,
    };
    store
        .edit(&edit, "10001", OpId(Uuid::new_v4()), 0)
        .expect("edit");
    let cursor = store.cursor().expect("cursor");
    let nothing = pupitre_domain::Scope::Cibles {
        cibles: Default::default(),
        enseignant: "10001".into(),
        principal: Default::default(),
    };
    store
        .apply_page(&[], cursor, &nothing)
        .expect("page with a narrower scope");
    assert_eq!(store.outbox_counts().expect("counts"), (0, 0, 2));
    let me = pupitre_domain::Personnel {
        id: "10001".into(),
        civilite: "Mme".into(),
        nom: "MARTIN".into(),
        prenom: "Claire".into(),
        fonction: pupitre_domain::Fonction::Enseignant,
    };
    let modifs = store.modifications(&me).expect("list");
    assert!(
        modifs.refusees[1].seance.contains(&kept[0].cible),
        "{:?}",
        modifs.refusees[1]
    );
    assert!(
        modifs.refusees[1]
            .motif
            .as_deref()
            .is_some_and(|m| m.contains("plus accès"))
    );
    assert!(
        store
            .seances_du_jour(&day, None)
            .expect("séances")
            .is_empty()
    );
    central.stop().await;
}
