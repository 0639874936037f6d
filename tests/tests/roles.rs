//! What each role's PC holds, through the real app's login and sync against the real central:
//! a teacher her own séances' roll calls, not her colleagues' (nor the pupils' INE, birth dates
//! and families); the class's professeur principal its whole assiduité; the administrator the
//! school's settings, which he sets, and none of the pupils' records.

use pupitre_domain::{Cible, Fait, Presence, School};
use pupitre_e2e::*;
use pupitre_fixtures::{
    DEMO_ADMIN_LOGIN, DEMO_ADMIN_PASSWORD, DEMO_CPE_LOGIN, DEMO_CPE_PASSWORD, DEMO_OTHER_PASSWORD,
    DEMO_SEED, DEMO_TEACHER_PASSWORD,
};
use std::path::Path;

/// In a class whose PP is the demo teacher (10001): another teacher of it, and a séance of the
/// test day taught by a third one, with a pupil on its roll.
struct Classe {
    enseignant: String,
    seance_d_un_collegue: String,
    eleve: String,
}

fn classe(school: &School) -> Classe {
    let division = (school.divisions.iter())
        .find(|d| d.professeur_principal_id.as_deref() == Some("10001"))
        .expect("a class the demo teacher is PP of")
        .id
        .clone();
    let of_class: Vec<_> = (school.services.iter())
        .filter(|s| s.cible == Cible::Division(division.clone()) && s.enseignant_id != "10001")
        .collect();
    let enseignant = of_class[0].enseignant_id.clone();
    let seance = (school.seances.iter())
        .find(|se| {
            of_class
                .iter()
                .any(|s| s.id == se.service_id && s.enseignant_id != enseignant)
                && se.remplacant_id.is_none()
        })
        .expect("a colleague's séance in the class on the test day");
    let eleve = (school.eleves.iter())
        .find(|e| e.division_id == division && e.date_sortie.is_none())
        .expect("a pupil");
    Classe {
        enseignant,
        seance_d_un_collegue: seance.id.clone(),
        eleve: eleve.id.clone(),
    }
}

fn login_of(personnel_id: &str) -> String {
    (pupitre_fixtures::generate(DEMO_SEED).comptes.into_iter())
        .find(|c| c.personnel_id == personnel_id)
        .expect("an account")
        .login
}

fn count(replica: &Path, password: &str, sql: &str, param: &str) -> i64 {
    replica_connection(replica, password)
        .query_row(sql, [param], |r| r.get(0))
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// The rows of `kind` about séance `seance` in a replica.
fn roll_rows(replica: &Path, password: &str, seance: &str) -> i64 {
    count(
        replica,
        password,
        "SELECT COUNT(*) FROM fields WHERE kind IN ('appel', 'presence')
         AND (entity_id = ?1 OR entity_id LIKE ?1 || '/%')",
        seance,
    )
}

#[tokio::test]
async fn each_role_s_pc_holds_what_its_work_needs_and_nothing_more() {
    let (dir, db, central) = demo_central().await;
    let url = central.url();
    let school = test_day_school();
    let k = classe(&school);
    let replica =
        |pc: &str, login: &str| pupitre_replica::paths::replica_path(&dir.path().join(pc), login);

    // The CPE knows a pupil went to the infirmary during a colleague's lesson.
    let cpe = on_pc(dir.path(), &url, "cpe", DEMO_CPE_LOGIN, DEMO_CPE_PASSWORD).await;
    cpe.noter_fait(&k.seance_d_un_collegue, &k.eleve, Fait::Infirmerie)
        .expect("the CPE notes the infirmary");
    cpe.sync_once().await.expect("CPE sync");

    // A teacher of the class, not its PP: her séances only, no identity, no family.
    let login_t = login_of(&k.enseignant);
    let teacher = on_pc(dir.path(), &url, "salle-12", &login_t, DEMO_OTHER_PASSWORD).await;
    let t_replica = replica("salle-12", &login_t);
    let others = "SELECT COUNT(*) FROM seances se JOIN services sv ON sv.id = se.service_id
         WHERE sv.enseignant_id <> ?1 AND COALESCE(se.remplacant_id, '') <> ?1";
    let own = "SELECT COUNT(*) FROM seances se JOIN services sv ON sv.id = se.service_id
         WHERE sv.enseignant_id = ?1";
    assert!(count(&t_replica, DEMO_OTHER_PASSWORD, own, &k.enseignant) > 0);
    assert_eq!(
        count(&t_replica, DEMO_OTHER_PASSWORD, others, &k.enseignant),
        0
    );
    assert_eq!(
        roll_rows(&t_replica, DEMO_OTHER_PASSWORD, &k.seance_d_un_collegue),
        0
    );
    for table in ["eleve_etats_civils", "responsables"] {
        let sql = format!("SELECT COUNT(*) FROM {table} WHERE ?1 = ?1");
        assert_eq!(
            count(&t_replica, DEMO_OTHER_PASSWORD, &sql, ""),
            0,
            "{table}"
        );
    }
    // Her colleagues' subjects stay (the équipe pédagogique sees every subject's marks).
    let services = "SELECT COUNT(DISTINCT enseignant_id) FROM services WHERE ?1 = ?1";
    assert!(count(&t_replica, DEMO_OTHER_PASSWORD, services, "") > 1);

    // Later, what the CPE notes in the colleague's lesson does not reach her by the pull either.
    cpe.marquer(&k.seance_d_un_collegue, &k.eleve, Presence::Absent)
        .expect("the CPE marks the pupil");
    cpe.sync_once().await.expect("CPE sync");
    teacher.sync_once().await.expect("teacher sync");
    assert_eq!(
        roll_rows(&t_replica, DEMO_OTHER_PASSWORD, &k.seance_d_un_collegue),
        0
    );

    // The class's PP follows its whole assiduité, her colleague's lesson included.
    let pp = teacher_pc(dir.path(), &url, "salle-des-profs").await;
    let pp_replica = replica("salle-des-profs", pupitre_fixtures::DEMO_TEACHER_LOGIN);
    assert_eq!(
        roll_rows(&pp_replica, DEMO_TEACHER_PASSWORD, &k.seance_d_un_collegue),
        2
    );
    assert_eq!(
        pp.seances_du_jour(&test_day().to_string())
            .expect("her day")
            .iter()
            .filter(|s| s.id == k.seance_d_un_collegue)
            .count(),
        0,
        "her day lists her own lessons, not the ones she follows"
    );

    // Once the school makes a colleague the class's PP, her colleague's lesson leaves her PC.
    pupitre_central::Db::open(&db)
        .expect("central")
        .with(|c| hand_principal_of(c, &k.seance_d_un_collegue, "10001", &k.enseignant));
    pp.sync_once().await.expect("PP sync");
    assert_eq!(
        roll_rows(&pp_replica, DEMO_TEACHER_PASSWORD, &k.seance_d_un_collegue),
        0
    );
    let held = "SELECT COUNT(*) FROM seances WHERE id = ?1";
    assert_eq!(
        count(
            &pp_replica,
            DEMO_TEACHER_PASSWORD,
            held,
            &k.seance_d_un_collegue
        ),
        0
    );
    assert!(
        count(&pp_replica, DEMO_TEACHER_PASSWORD, own, "10001") > 0,
        "hers stay"
    );

    // The CPE's PC (the whole school's vie scolaire) has the pupils' INE for the DASEN report.
    let cpe_replica = replica("cpe", DEMO_CPE_LOGIN);
    let sql = "SELECT COUNT(*) FROM eleve_etats_civils WHERE ?1 = ?1";
    assert_eq!(
        count(&cpe_replica, DEMO_CPE_PASSWORD, sql, ""),
        school.etats_civils.len() as i64
    );

    // The administrator: the settings, which he changes, and no pupil's record.
    let admin = on_pc(
        dir.path(),
        &url,
        "secretariat",
        DEMO_ADMIN_LOGIN,
        DEMO_ADMIN_PASSWORD,
    )
    .await;
    let a_replica = replica("secretariat", DEMO_ADMIN_LOGIN);
    let records = "SELECT COUNT(*) FROM fields WHERE kind <> ?1";
    assert_eq!(
        count(&a_replica, DEMO_ADMIN_PASSWORD, records, "reglages"),
        0
    );
    let refused = admin.marquer(&k.seance_d_un_collegue, &k.eleve, Presence::Present);
    assert!(refused.is_err(), "the administrator takes no roll call");
    let mut reglages = admin.reglages().expect("the settings");
    reglages.verrouillage_minutes = 10;
    admin.modifier_reglages(&reglages).expect("he sets them");
    admin.sync_once().await.expect("admin sync");
    cpe.sync_once().await.expect("CPE sync");
    assert_eq!(cpe.reglages().expect("settings").verrouillage_minutes, 10);
    assert_eq!(
        count(&a_replica, DEMO_ADMIN_PASSWORD, records, "reglages"),
        0
    );
}
