//! The vie scolaire end to end: a real central on a loopback port, the demo teacher and the CPE
//! on their own PCs. The CPE's justification and the teacher's later correction of the roll call
//! are different fields and both stand; an absence entered ahead reaches the teacher's grid as a
//! suggestion she sees; the L131-8 monitor counts unjustified demi-journées; bad input is
//! refused in French, on the PC and at the central, and nothing is written.

use pupitre_domain::absences::{EtatJustification, MoyenBillet};
use pupitre_domain::{Heure, Presence};
use pupitre_e2e::{demo_central, on_pc, teacher_pc, test_day};
use pupitre_fixtures::{DEMO_CPE_LOGIN, DEMO_CPE_PASSWORD};
use pupitre_replica::Session;
use pupitre_replica::session::{AbsenceSaisie, DispenseSaisie, JustificationSaisie};
use pupitre_replica::views::SeanceView;
use std::path::Path;
use std::sync::Arc;

async fn cpe_pc(dir: &Path, url: &str) -> Arc<Session> {
    on_pc(dir, url, "cpe", DEMO_CPE_LOGIN, DEMO_CPE_PASSWORD).await
}

fn justifiee(motif: &str) -> JustificationSaisie {
    JustificationSaisie {
        etat: EtatJustification::Justifiee,
        motif: Some(motif.into()),
        billet_date: Some(test_day().to_string()),
        billet_moyen: Some(MoyenBillet::Carnet),
        commentaire: None,
    }
}

fn span(eleve_id: &str, du: &str, de: &str, au: &str, a: &str) -> AbsenceSaisie {
    AbsenceSaisie {
        eleve_id: eleve_id.into(),
        du: du.into(),
        de: de.into(),
        au: au.into(),
        a: a.into(),
        prevenu: true,
    }
}

/// The teacher's first séance of the test day.
/// A PDF's text, by poppler's `pdftotext` (`scripts/setup.sh --test` installs it).
fn pdf_text(pdf: &Path) -> String {
    let out = std::process::Command::new("pdftotext")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils)");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).expect("utf-8")
}

/// A PDF's first page as a PNG beside the window tests' screenshots, for a person to look at.
fn pdf_png(pdf: &Path, name: &str) {
    let dir = pupitre_e2e::window::target_dir().join("screenshots");
    std::fs::create_dir_all(&dir).expect("screenshots");
    let status = std::process::Command::new("pdftoppm")
        .args(["-png", "-r", "60", "-singlefile"])
        .arg(pdf)
        .arg(dir.join(name))
        .status()
        .expect("pdftoppm (poppler-utils)");
    assert!(status.success());
}

fn first_seance(pc: &Session) -> SeanceView {
    pc.seances_du_jour(&test_day().to_string()).expect("day")[0].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cpe_justifies_while_the_teacher_offline_corrects_the_roll_call_and_both_hold() {
    let (dir, _db, central) = demo_central().await;
    let url = central.url();
    let teacher = teacher_pc(dir.path(), &url, "salle-12").await;
    let seance = first_seance(&teacher);
    let eleve = teacher.appel(&seance.id).expect("roll").eleves[0].clone();
    teacher
        .marquer(&seance.id, &eleve.eleve_id, Presence::Absent)
        .expect("absent");
    teacher.valider_appel(&seance.id).expect("done");
    teacher.sync_once().await.expect("sync");

    // The CPE sees the missed séance as an absence to treat, and justifies it.
    let cpe = cpe_pc(dir.path(), &url).await;
    let day = test_day().to_string();
    let bureau = cpe.bureau(&day, &day).expect("desk");
    let a_traiter = bureau
        .a_traiter
        .iter()
        .find(|a| a.eleve_id == eleve.eleve_id)
        .expect("the missed séance is listed to treat");
    assert_eq!(a_traiter.nb_seances, 1);
    assert_eq!(a_traiter.debut.heure.to_string(), seance.debut);
    let saisie = span(&eleve.eleve_id, &day, &seance.debut, &day, &seance.fin);
    cpe.saisir_absence(&saisie, Some(&justifiee("FAMILLE")))
        .expect("justified");
    assert!(
        cpe.bureau(&day, &day)
            .expect("desk")
            .a_traiter
            .iter()
            .all(|a| a.eleve_id != eleve.eleve_id),
        "covered by the absence now"
    );

    // Meanwhile, offline, the teacher corrects her roll call: the pupil came late.
    let arrivee: Heure = "08:20".parse().expect("heure");
    teacher
        .marquer(&seance.id, &eleve.eleve_id, Presence::Retard { arrivee })
        .expect("corrected offline");
    cpe.sync_once().await.expect("CPE sync");
    teacher.sync_once().await.expect("teacher sync");
    cpe.sync_once().await.expect("CPE sync again");

    // Both hold: her correction is the roll call, the justification stays on the absence.
    assert!(
        teacher.modifications().expect("lists").conflits.is_empty(),
        "different fields never conflict"
    );
    let dossier = cpe.dossier(&eleve.eleve_id).expect("file");
    assert_eq!(dossier.absences.len(), 1);
    assert_eq!(dossier.absences[0].etat, EtatJustification::Justifiee);
    assert!(
        !dossier.responsables.is_empty() && dossier.responsables[0].mail.is_some(),
        "the family's contact, from the reference data"
    );
    // The teacher's PC holds no family contact.
    assert!(
        teacher.dossier(&eleve.eleve_id).is_err(),
        "not the teacher's desk"
    );
    assert!(
        dossier.absences[0]
            .libelle
            .contains("Réunion solennelle de famille"),
        "{}",
        dossier.absences[0].libelle
    );
    assert_eq!(dossier.retards.len(), 1, "the lateness the teacher noted");
    assert_eq!(dossier.retards[0].arrivee, "08:20");
    assert!(
        dossier
            .mois
            .iter()
            .all(|m| m.injustifiees == 0 && m.justifiees == 0),
        "she came: no demi-journée counted {:?}",
        dossier.mois
    );
    // The lateness gets its own justification, from the same flow.
    cpe.justifier_retard(&seance.id, &eleve.eleve_id, &justifiee("TRANSPORT"))
        .expect("lateness justified");
    let retard = &cpe.dossier(&eleve.eleve_id).expect("file").retards[0];
    assert_eq!(retard.etat, EtatJustification::Justifiee);
    cpe.sync_once().await.expect("CPE sync");
    teacher.sync_once().await.expect("teacher sync");
    assert_eq!(cpe.etat().refusees, 0);
    assert_eq!(teacher.etat().refusees, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_the_vie_scolaire_knows_reaches_the_teacher_s_grid_as_suggestions_she_sees() {
    let (dir, _db, central) = demo_central().await;
    let url = central.url();
    let cpe = cpe_pc(dir.path(), &url).await;
    let teacher = teacher_pc(dir.path(), &url, "salle-12").await;
    let seance = first_seance(&teacher);
    let roll = teacher.appel(&seance.id).expect("roll");
    let (absent, dispense) = (
        roll.eleves[1].eleve_id.clone(),
        roll.eleves[2].eleve_id.clone(),
    );
    let day = test_day().to_string();

    // The family called in the morning; a dispense of every subject for the week.
    cpe.saisir_absence(&span(&absent, &day, "07:30", &day, "18:00"), None)
        .expect("absence entered ahead");
    cpe.creer_dispense(&DispenseSaisie {
        eleve_id: dispense.clone(),
        du: day.clone(),
        au: test_day().succ_opt().expect("day").to_string(),
        matiere: None,
        presence_obligatoire: false,
    })
    .expect("dispense");
    cpe.sync_once().await.expect("CPE sync");
    teacher.sync_once().await.expect("teacher sync");

    let roll = teacher.appel(&seance.id).expect("roll");
    let row = |id: &str| roll.eleves.iter().find(|e| e.eleve_id == id).expect("row");
    assert_eq!(row(&absent).proposition, Some(Presence::Absent));
    assert!(
        row(&absent).signalements[0].contains("famille prévenue"),
        "{:?}",
        row(&absent).signalements
    );
    assert_eq!(row(&dispense).proposition, Some(Presence::Dispense));
    assert!(row(&dispense).signalements[0].starts_with("Dispense"));
    // Nothing is marked until she validates: the rows are still hers to set.
    assert!(!row(&absent).marque && row(&absent).presence == Presence::Present);
    // She overrides one (the dispensed pupil came to the lesson) and validates.
    teacher
        .marquer(&seance.id, &dispense, Presence::Present)
        .expect("override");
    teacher.valider_appel(&seance.id).expect("validate");
    let roll = teacher.appel(&seance.id).expect("roll");
    let row = |id: &str| roll.eleves.iter().find(|e| e.eleve_id == id).expect("row");
    assert_eq!(
        row(&absent).presence,
        Presence::Absent,
        "the suggestion she saw"
    );
    assert!(row(&absent).marque);
    assert_eq!(
        row(&dispense).presence,
        Presence::Present,
        "her choice stands"
    );
    teacher.sync_once().await.expect("teacher sync");
    assert_eq!(teacher.etat().refusees, 0);

    // The next séance of the day shows the absence at the previous one.
    let next = teacher
        .seances_du_jour(&day)
        .expect("day")
        .into_iter()
        .find(|s| s.debut > seance.debut && s.cible == seance.cible);
    if let Some(next) = next {
        let roll = teacher.appel(&next.id).expect("roll");
        let row = roll
            .eleves
            .iter()
            .find(|e| e.eleve_id == absent)
            .expect("row");
        assert!(
            row.signalements
                .iter()
                .any(|s| s.contains(&format!("séance de {}", seance.debut))),
            "{:?}",
            row.signalements
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_unjustified_half_days_in_a_month_reach_the_l131_8_monitor() {
    let (dir, _db, central) = demo_central().await;
    let url = central.url();
    let cpe = cpe_pc(dir.path(), &url).await;
    // A pupil of the test day's first séance, absent in the morning of four days of November.
    let first = cpe.seances_du_jour(&test_day().to_string()).expect("day")[0].clone();
    let eleve = cpe.appel(&first.id).expect("roll").eleves[0]
        .eleve_id
        .clone();
    let mut marked = 0;
    for offset in 0..7u64 {
        let day = test_day() + chrono::Days::new(offset);
        let morning = cpe
            .seances_du_jour(&day.to_string())
            .expect("day")
            .into_iter()
            .filter(|s| s.cible == first.cible && s.debut.as_str() < "12:00")
            .min_by(|a, b| a.debut.cmp(&b.debut));
        let Some(s) = morning else { continue };
        cpe.marquer(&s.id, &eleve, Presence::Absent)
            .expect("absent");
        marked += 1;
        if marked == 4 {
            break;
        }
    }
    assert_eq!(marked, 4, "four mornings with a séance of her class");
    let listed = cpe.absenteisme("2026-11").expect("monitor");
    let row = listed.iter().find(|a| a.eleve_id == eleve).expect("listed");
    assert_eq!((row.injustifiees, row.justifiees), (4, 0));
    assert!(cpe.absenteisme("2026-10").expect("monitor").is_empty());

    // One morning justified: she falls under the threshold.
    let dossier = cpe.dossier(&eleve).expect("file");
    assert_eq!(dossier.a_traiter.len(), 4, "four spans, days apart");
    let first_span = &dossier.a_traiter[0];
    let saisie = span(
        &eleve,
        &first_span.debut.date.to_string(),
        &first_span.debut.heure.to_string(),
        &first_span.fin.date.to_string(),
        &first_span.fin.heure.to_string(),
    );
    cpe.saisir_absence(&saisie, Some(&justifiee("MALADIE")))
        .expect("justified");
    assert!(
        cpe.absenteisme("2026-11")
            .expect("monitor")
            .iter()
            .all(|a| a.eleve_id != eleve)
    );
    // Before the justification: the DASEN report's draft, as a PDF a person reviews.
    let pdf = dir.path().join("signalement.pdf");
    cpe.exporter_signalement(&eleve, "2026-11", pdf.to_str().expect("utf-8"))
        .expect("report");
    let text = pdf_text(&pdf);
    let e = &dossier;
    assert!(text.contains("Signalement au DASEN"), "{text}");
    assert!(
        text.contains("absentéisme") && text.contains("novembre 2026"),
        "{text}"
    );
    assert!(
        text.contains(e.eleve.split(' ').next().expect("name")),
        "{text}"
    );
    assert!(
        text.contains("3 demi-journées d'absence sans motif"),
        "{text}"
    );
    pdf_png(&pdf, "signalement-dasen");
    let refused = cpe.exporter_signalement(&eleve, "novembre", pdf.to_str().expect("utf-8"));
    assert!(
        matches!(refused, Err(pupitre_replica::ReplicaError::Invalid(m)) if m.contains("AAAA-MM"))
    );

    // The statistics, as CSV where she chose.
    let stats = cpe.statistiques().expect("statistics");
    let novembre = stats
        .mois
        .iter()
        .position(|m| m == "2026-11")
        .expect("November");
    let total = &stats.total.cellules[novembre];
    assert_eq!((total.justifiees, total.injustifiees), (1, 3));
    let csv = dir.path().join("statistiques.csv");
    cpe.exporter_statistiques(csv.to_str().expect("utf-8"))
        .expect("csv");
    let csv = std::fs::read_to_string(&csv).expect("read");
    assert!(
        csv.contains(&format!("{};2026-11;", dossier.division)),
        "{csv}"
    );
    assert!(csv.contains("Établissement;2026-11;"), "{csv}");
    let mois = cpe.dossier(&eleve).expect("file").mois;
    let novembre = mois.iter().find(|m| m.mois == "2026-11").expect("November");
    assert_eq!((novembre.justifiees, novembre.injustifiees), (1, 3));
    cpe.sync_once().await.expect("sync");
    assert_eq!(cpe.etat().refusees, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_vie_scolaire_input_is_refused_in_french_and_nothing_is_written() {
    let (dir, _db, central) = demo_central().await;
    let url = central.url();
    let cpe = cpe_pc(dir.path(), &url).await;
    let teacher = teacher_pc(dir.path(), &url, "salle-12").await;
    let seance = first_seance(&teacher);
    let eleve = teacher.appel(&seance.id).expect("roll").eleves[0]
        .eleve_id
        .clone();
    let day = test_day().to_string();
    let id = cpe
        .saisir_absence(&span(&eleve, &day, "08:00", &day, "12:00"), None)
        .expect("an absence");
    let pending = cpe.etat().en_attente;

    let refused = |r: Result<(), pupitre_replica::ReplicaError>| -> String {
        match r {
            Err(pupitre_replica::ReplicaError::Invalid(m)) => m,
            other => panic!("refused expected, got {other:?}"),
        }
    };
    let overlap = cpe
        .saisir_absence(&span(&eleve, &day, "10:00", &day, "14:00"), None)
        .map(|_| ());
    assert!(refused(overlap).contains("chevauche"));
    let unknown = cpe.justifier(&eleve, &["inexistante".into()], &justifiee("FAMILLE"));
    assert!(refused(unknown).contains("n'existe pas"));
    let health = JustificationSaisie {
        commentaire: Some("angine".into()),
        ..justifiee("MALADIE")
    };
    assert!(refused(cpe.justifier(&eleve, std::slice::from_ref(&id), &health)).contains("santé"));
    let outside = cpe
        .saisir_absence(
            &span(&eleve, "2027-08-01", "08:00", "2027-08-02", "12:00"),
            None,
        )
        .map(|_| ());
    assert!(refused(outside).contains("année scolaire"));
    let backwards = cpe
        .saisir_absence(&span(&eleve, &day, "15:00", &day, "14:00"), None)
        .map(|_| ());
    assert!(refused(backwards).contains("fin"));
    let bad_date = cpe
        .saisir_absence(&span(&eleve, "30/11/2026", "08:00", &day, "09:00"), None)
        .map(|_| ());
    assert!(refused(bad_date).contains("illisible"));
    // A motif in use cannot leave the settings; it may be made inactive.
    cpe.justifier(&eleve, std::slice::from_ref(&id), &justifiee("FAMILLE"))
        .expect("justified");
    let pending = pending + 1;
    let mut reglages = cpe.reglages().expect("settings");
    reglages.motifs.retain(|m| m.code != "FAMILLE");
    assert!(refused(cpe.modifier_reglages(&reglages)).contains("désactivez"));
    // The teacher writes no absence, and her report is bounded and needs an exclusion.
    let by_teacher = teacher
        .saisir_absence(&span(&eleve, &day, "14:00", &day, "15:00"), None)
        .map(|_| ());
    assert!(refused(by_teacher).contains("vie scolaire"));
    let no_exclusion = teacher.ecrire_rapport(&seance.id, &eleve, "Bavardages.");
    assert!(refused(no_exclusion).contains("Exclu de cours"));
    teacher
        .marquer(&seance.id, &eleve, Presence::Exclu)
        .expect("sent out");
    let long = "é".repeat(1001);
    assert!(refused(teacher.ecrire_rapport(&seance.id, &eleve, &long)).contains("1000"));
    teacher
        .ecrire_rapport(&seance.id, &eleve, "A jeté sa trousse sur un camarade.")
        .expect("report");
    assert_eq!(cpe.etat().en_attente, pending, "nothing more was written");

    // The report reaches the CPE.
    teacher.sync_once().await.expect("teacher sync");
    cpe.sync_once().await.expect("CPE sync");
    let bureau = cpe.bureau(&day, &day).expect("desk");
    let exclusion = bureau
        .exclusions
        .iter()
        .find(|x| x.qui.eleve_id == eleve)
        .expect("the exclusion");
    assert_eq!(
        exclusion.rapport.as_deref(),
        Some("A jeté sa trousse sur un camarade.")
    );
    assert_eq!(cpe.etat().refusees, 0);
    assert_eq!(teacher.etat().refusees, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_substitute_sees_the_seance_she_replaces_in_her_week_and_takes_its_roll_call() {
    let (dir, db, central) = demo_central().await;
    let url = central.url();
    // A colleague's class the demo teacher does not teach; one of its séances of the test day
    // is hers to teach, as a substitute.
    let school = pupitre_e2e::test_day_school();
    let (colleague, service) = pupitre_e2e::class_to_move(&school);
    let seance = school
        .seances
        .iter()
        .find(|s| s.service_id == service && s.date == test_day())
        .or_else(|| school.seances.iter().find(|s| s.service_id == service))
        .expect("a séance of the class")
        .clone();
    rusqlite::Connection::open(&db)
        .expect("central db")
        .execute(
            "UPDATE seances SET remplacant_id = '10001' WHERE id = ?1",
            [&seance.id],
        )
        .expect("the substitution");
    let teacher = teacher_pc(dir.path(), &url, "salle-12").await;
    let week = teacher
        .seances_de_la_semaine(&seance.date.to_string())
        .expect("week");
    let hers = week
        .iter()
        .find(|s| s.id == seance.id)
        .expect("the replaced séance in her week");
    assert!(hers.remplacement);
    assert!(
        week.iter().filter(|s| !s.remplacement).count() > 5,
        "her own too"
    );
    let eleve = teacher.appel(&seance.id).expect("roll").eleves[0]
        .eleve_id
        .clone();
    teacher
        .marquer(&seance.id, &eleve, Presence::Absent)
        .expect("she takes the roll");
    teacher.valider_appel(&seance.id).expect("done");
    teacher.sync_once().await.expect("sync");
    assert_eq!(teacher.etat().refusees, 0, "the central takes it as hers");

    // The class's own teacher no longer has it in her day, and may not take it.
    let compte = pupitre_fixtures::generate(pupitre_fixtures::DEMO_SEED)
        .comptes
        .into_iter()
        .find(|c| c.personnel_id == colleague)
        .expect("the colleague's account");
    let titulaire = on_pc(
        dir.path(),
        &url,
        "salle-30",
        &compte.login,
        &compte.password,
    )
    .await;
    assert!(
        titulaire
            .seances_du_jour(&seance.date.to_string())
            .expect("day")
            .iter()
            .all(|s| s.id != seance.id)
    );
    let refused = titulaire.marquer(&seance.id, &eleve, Presence::Present);
    assert!(
        matches!(refused, Err(pupitre_replica::ReplicaError::Invalid(m)) if m.contains("pas l'enseignant")),
        "the substitute's séance"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_family_without_an_address_is_named_to_be_called() {
    let (dir, db, central) = demo_central().await;
    let url = central.url();
    let school = pupitre_e2e::test_day_school();
    let seance = school
        .seances
        .iter()
        .find(|s| s.date == test_day())
        .expect("a séance")
        .clone();
    let cible = &school
        .services
        .iter()
        .find(|s| s.id == seance.service_id)
        .expect("its service")
        .cible;
    let pupils: Vec<&pupitre_domain::Eleve> = school
        .eleves
        .iter()
        .filter(|e| e.dans(cible))
        .take(2)
        .collect();
    rusqlite::Connection::open(&db)
        .expect("central db")
        .execute(
            "UPDATE responsables SET mail = NULL WHERE eleve_id = ?1",
            [&pupils[0].id],
        )
        .expect("no address");
    let cpe = cpe_pc(dir.path(), &url).await;
    for e in &pupils {
        cpe.marquer(&seance.id, &e.id, Presence::Absent)
            .expect("absent");
    }
    let p = cpe
        .notifier_familles(&test_day().to_string())
        .expect("prepared");
    assert_eq!(p.preparees, 1, "the family with an address");
    assert_eq!(
        p.sans_adresse,
        [format!("{} {}", pupils[0].nom, pupils[0].prenom)]
    );
}
