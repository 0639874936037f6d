//! A school's year that goes on after the PCs' snapshots: a re-import from the national
//! exports moves a pupil to another class, and both teachers' PCs follow at their next sync,
//! without a new snapshot; the former teacher still sees the mark she gave.

use pupitre_central::import::importer;
use pupitre_domain::{Cible, School};
use pupitre_e2e::*;
use pupitre_fixtures::{DEMO_OTHER_PASSWORD, DEMO_SEED};
use pupitre_replica::session::DevoirSaisie;

fn login_of(personnel_id: &str) -> String {
    (pupitre_fixtures::generate(DEMO_SEED).comptes.into_iter())
        .find(|c| c.personnel_id == personnel_id)
        .expect("an account")
        .login
}

fn teachers_of(school: &School, division: &str) -> Vec<String> {
    (school.services.iter())
        .filter(|s| s.cible == Cible::Division(division.to_owned()))
        .map(|s| s.enseignant_id.clone())
        .collect()
}

/// A pupil of one class, a teacher of it and another class whose teacher teaches neither the
/// other's class nor is taught by her: (pupil, from, teacher there, service there, to, teacher
/// there, service there).
fn a_move(school: &School) -> (String, String, String, String, String, String, String) {
    for from in &school.divisions {
        for to in &school.divisions {
            let (a, b) = (teachers_of(school, &from.id), teachers_of(school, &to.id));
            let Some(ta) = a.iter().find(|t| !b.contains(t) && t.as_str() != "10001") else {
                continue;
            };
            let Some(tb) = b.iter().find(|t| !a.contains(t)) else {
                continue;
            };
            let service = |t: &str, d: &str| {
                (school.services.iter())
                    .find(|s| s.enseignant_id == t && s.cible == Cible::Division(d.to_owned()))
                    .expect("service")
                    .id
                    .clone()
            };
            let pupil = (school.eleves.iter())
                .find(|e| {
                    e.division_id == from.id && e.passages.is_empty() && e.date_sortie.is_none()
                })
                .expect("a pupil");
            return (
                pupil.id.clone(),
                from.id.clone(),
                ta.clone(),
                service(ta, &from.id),
                to.id.clone(),
                tb.clone(),
                service(tb, &to.id),
            );
        }
    }
    panic!("no two classes without a shared teacher");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reimport_moves_a_pupil_and_both_teachers_pcs_follow_without_a_snapshot() {
    let (dir, db, central) = demo_central().await;
    let url = central.url();
    let store = pupitre_central::Db::open(&db).expect("central db");
    let before = store
        .with(|c| pupitre_school_db::read_school(c))
        .expect("school");
    let (pupil, from, ta, service_a, to, tb, service_b) = a_move(&before);
    let a = on_pc(
        dir.path(),
        &url,
        "salle-a",
        &login_of(&ta),
        DEMO_OTHER_PASSWORD,
    )
    .await;
    let b = on_pc(
        dir.path(),
        &url,
        "salle-b",
        &login_of(&tb),
        DEMO_OTHER_PASSWORD,
    )
    .await;
    let periode = periode_of_test_day(&a).id;
    let devoir = a
        .creer_devoir(
            &service_a,
            &DevoirSaisie {
                titre: "Évaluation de novembre".into(),
                date: test_day().to_string(),
                coefficient: "1".into(),
                bareme: "20".into(),
                compte: true,
                items: Vec::new(),
            },
        )
        .expect("devoir");
    a.saisir_note(&service_a, &devoir, &pupil, "15,5")
        .expect("mark");
    a.sync_once().await.expect("sync A");
    let in_b = |pc: &pupitre_replica::Session| {
        pc.carnet(&service_b, &periode)
            .expect("B's gradebook")
            .lignes
            .iter()
            .any(|l| l.eleve_id == pupil)
    };
    assert!(!in_b(&b));

    // The school's exports, as SIECLE and STS-Web give them the next day, the pupil in her
    // new class.
    let mut after = before.clone();
    let moved = after
        .eleves
        .iter_mut()
        .find(|e| e.id == pupil)
        .expect("pupil");
    moved.division_id = to.clone();
    let files = vec![
        (
            "sts_emp.xml".to_owned(),
            pupitre_fixtures::exports::sts(&after),
        ),
        (
            "Nomenclature.xml".to_owned(),
            pupitre_fixtures::exports::nomenclature(&after),
        ),
        (
            "ElevesSansAdresses.xml".to_owned(),
            pupitre_fixtures::exports::eleves(&after),
        ),
    ];
    let le = test_day().succ_opt().expect("next day");
    let rapport = importer(&store, &files, None, le).expect("re-import");
    assert_eq!(
        rapport.tables[&pupitre_domain::referentiel::Table::Eleve].1,
        1,
        "{rapport}"
    );

    for (pc, who) in [(&a, "the former teacher"), (&b, "the new one")] {
        let report = pc.sync_once().await.expect("sync");
        assert!(!report.rebased, "{who}'s PC follows without a snapshot");
        assert!(report.pulled > 0, "{who}'s PC received the move");
    }
    assert!(in_b(&b), "the pupil is in her new class's gradebook");
    // The former teacher still sees the mark she gave, in the period the pupil was hers.
    let carnet = a.carnet(&service_a, &periode).expect("A's gradebook");
    let ligne = (carnet.lignes.iter())
        .find(|l| l.eleve_id == pupil)
        .expect("still in the former class's gradebook");
    let column = (carnet.devoirs.iter())
        .position(|d| d.id == devoir)
        .expect("devoir");
    assert_eq!(ligne.cellules[column].texte, "15,5");
    // Each PC's reference data is the central's view of its scope.
    let central_school = store
        .with(|c| pupitre_school_db::read_school(c))
        .expect("school");
    let passages = &(central_school.eleves.iter())
        .find(|e| e.id == pupil)
        .expect("pupil")
        .passages;
    assert_eq!(
        passages
            .iter()
            .map(|p| (p.division_id.as_str(), p.jusqu_au))
            .collect::<Vec<_>>(),
        [(from.as_str(), test_day())]
    );
    let by_id = |mut s: School| {
        s.personnels.sort_by(|x, y| x.id.cmp(&y.id));
        s
    };
    for (name, t) in [("salle-a", &ta), ("salle-b", &tb)] {
        let who = personnel(&central_school, t);
        let scope = pupitre_domain::Scope::in_school(&who, &central_school);
        let replica = pupitre_replica::paths::replica_path(&dir.path().join(name), &login_of(t));
        let held =
            pupitre_school_db::read_school(&replica_connection(&replica, DEMO_OTHER_PASSWORD))
                .expect("replica's school");
        assert_eq!(by_id(held), by_id(scope.view_of(&central_school)), "{name}");
    }
    central.stop().await;
}

/// The demo teacher's weekly slots as a timetable CSV: each of her services on Monday at
/// 13:00, 14:00, … in room N1xx (the demo's own Monday lessons are elsewhere).
fn her_timetable(school: &School) -> Vec<u8> {
    let mut csv = String::from("Jour;Début;Fin;Matière;Professeur;Classe;Groupe;Salle;Semaine\n");
    let hers = school
        .services
        .iter()
        .filter(|s| s.enseignant_id == "10001");
    for (i, s) in hers.enumerate() {
        let Cible::Division(division) = &s.cible else {
            continue;
        };
        let code = &(school.divisions.iter())
            .find(|d| &d.id == division)
            .expect("division")
            .code;
        let h = 15 + i;
        csv.push_str(&format!(
            "lundi;{h}:00;{h}:50;{};10001;{code};;N1{i:02};\n",
            s.matiere_code
        ));
    }
    csv.into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_head_imports_a_new_timetable_from_her_pc_and_the_roll_call_taken_stays() {
    let (dir, db, central) = demo_central().await;
    let url = central.url();
    let store = pupitre_central::Db::open(&db).expect("central db");
    let school = store
        .with(|c| pupitre_school_db::read_school(c))
        .expect("school");
    let teacher = teacher_pc(dir.path(), &url, "salle-12").await;
    let day = test_day().to_string();
    let taken = teacher.seances_du_jour(&day).expect("séances")[0].clone();
    let appel = teacher.appel(&taken.id).expect("appel");
    teacher
        .marquer(
            &taken.id,
            &appel.eleves[0].eleve_id,
            pupitre_domain::Presence::Absent,
        )
        .expect("absent");
    teacher.valider_appel(&taken.id).expect("roll call");
    teacher.sync_once().await.expect("sync");

    // The head sends a new timetable from her PC, taking effect on the test day.
    let head = head_pc(dir.path(), &url).await;
    let files = dir.path().join("exports");
    std::fs::create_dir_all(&files).expect("dir");
    let edt = files.join("edt.csv");
    std::fs::write(&edt, her_timetable(&school)).expect("timetable");
    let vacances = files.join("vacances.csv");
    std::fs::write(
        &vacances,
        "Vacances;Début;Fin\nNoël;19/12/2026;03/01/2027\n",
    )
    .expect("holidays");
    let paths = [edt.display().to_string(), vacances.display().to_string()];
    let rapport = head
        .importer_annee(&paths, Some(day.clone()))
        .await
        .expect("the head's import");
    assert!(rapport.contains("appel est commencé"), "{rapport}");
    // A teacher may not.
    let refused = teacher.importer_annee(&paths, Some(day.clone())).await;
    assert!(refused.is_err(), "a teacher imports nothing");

    let report = teacher.sync_once().await.expect("sync");
    assert!(!report.rebased, "her PC follows without a snapshot");
    let seances = teacher.seances_du_jour(&day).expect("séances");
    let kept = (seances.iter())
        .find(|s| s.id == taken.id)
        .expect("the séance whose roll call she took");
    assert_eq!(kept.appel, pupitre_domain::AppelEtat::Fait);
    assert_eq!(kept.nb_absents, 1);
    let new: Vec<&str> = (seances.iter())
        .filter(|s| s.salle.starts_with("N1"))
        .map(|s| s.debut.as_str())
        .collect();
    assert_eq!(
        new,
        ["15:00", "16:00", "17:00"],
        "her new Monday: {seances:?}"
    );
    assert_eq!(
        seances.len(),
        4,
        "the other lessons of the old timetable are gone: {seances:?}"
    );
    let tuesday = test_day().succ_opt().expect("Tuesday").to_string();
    assert!(
        teacher
            .seances_du_jour(&tuesday)
            .expect("séances")
            .is_empty()
    );
    central.stop().await;
}
