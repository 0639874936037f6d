//! `pupitre-bench-import`: a real school's year (issue 15), as a table. A 2,000-pupil lycée
//! (60 divisions, 12 subjects, 120 teachers, option groups) written as its national exports
//! (`pupitre_fixtures::exports`, ISO-8859-15) with its periods, holidays and timetable (each
//! service 2 hours a week, laid out over the year), and side by side in one run with a baseline:
//! (a) importing it into an empty central (`import::importer`: decoding, parsing, merging, one
//!     transaction) vs writing the same school straight into the tables (`replace_school`);
//! (b) a re-import that changes 100 pupils (50 change class, 50 have their name corrected),
//!     the central's side (the merge, every view's moves in the log);
//! (c) a replica of the whole school receiving it (pull pages and apply the moves, as a sync
//!     round does) vs the same replica rebased on a fresh snapshot (what it cost before the
//!     moves);
//! (d) exporting the school's archive (`archive::exporter`) and (e) importing it into an empty
//!     central, vs an online backup of the same database (`identity::backup`).
//!
//!   cargo run --release -p pupitre-bench --bin pupitre-bench-import -- [--runs 5]

use chrono::NaiveDate;
use clap::Parser;
use pupitre_central::import::importer;
use pupitre_central::{Db, pull, snapshot};
use pupitre_domain::{
    Cible, Division, Eleve, Etablissement, EtatCivil, Fonction, Groupe, Matiere, Personnel, School,
    Service, Uai,
};
use pupitre_replica::store::Page;
use pupitre_sync_protocol::Hlc;
use pupitre_sync_protocol::wire::{MAX_PULL_PAGE, PullRequest};

#[path = "mesure.rs"]
mod mesure;

#[derive(Parser)]
#[command(about = "Pupitre's import benchmark")]
struct Args {
    #[arg(long, default_value_t = 5)]
    runs: usize,
}

const NIVEAUX: [&str; 3] = ["2NDE", "1ERE", "TLE"];
const PER_LEVEL: usize = 20;
const PUPILS: usize = 34;
const SUBJECTS: [(&str, &str, &str); 12] = [
    ("020700", "FRANC", "FRANÇAIS"),
    ("061300", "MATHS", "MATHÉMATIQUES"),
    ("040600", "HI-GE", "HISTOIRE-GÉOGRAPHIE"),
    ("030201", "AGL1", "ANGLAIS LV1"),
    ("030602", "ESP2", "ESPAGNOL LV2"),
    ("061800", "PH-CH", "PHYSIQUE-CHIMIE"),
    ("062900", "SVT", "SCIENCES DE LA VIE ET DE LA TERRE"),
    ("100100", "EPS", "ÉDUCATION PHYSIQUE ET SPORTIVE"),
    ("043100", "SES", "SCIENCES ÉCONOMIQUES ET SOCIALES"),
    ("070000", "SNT", "SCIENCES NUMÉRIQUES ET TECHNOLOGIE"),
    ("044400", "PHILO", "PHILOSOPHIE"),
    (
        "021000",
        "LCALA",
        "LANGUES ET CULTURES DE L'ANTIQUITÉ : ŒUVRES LATINES",
    ),
];
const PRENOMS: [&str; 8] = [
    "Zoé", "Chloé", "Noé", "Léa", "Élise", "Maël", "Anaïs", "Cœlio",
];

fn personnel(id: String, fonction: Fonction) -> Personnel {
    Personnel {
        nom: format!("NOM{id}"),
        prenom: "Hélène".into(),
        civilite: "Mme".into(),
        id,
        fonction,
    }
}

/// The lycée's reference data (its timetable comes as the import's CSV, `exports`).
fn lycee() -> School {
    let mut s = School {
        etablissement: Etablissement {
            uai: Uai::from_number(670_200).expect("uai"),
            nom: "Lycée Marie-Curie".into(),
            commune: "Strasbourg".into(),
        },
        divisions: Vec::new(),
        groupes: Vec::new(),
        eleves: Vec::new(),
        personnels: vec![
            personnel("9001".into(), Fonction::Cpe),
            personnel("9002".into(), Fonction::Direction),
        ],
        matieres: (SUBJECTS.iter())
            .map(|(code, gestion, libelle)| Matiere {
                code: (*code).into(),
                code_gestion: (*gestion).into(),
                libelle: (*libelle).into(),
            })
            .collect(),
        services: Vec::new(),
        seances: Vec::new(),
        periodes: pupitre_fixtures::trimestres(NaiveDate::from_ymd_opt(2026, 11, 23).expect("d")),
        responsables: Vec::new(),
        etats_civils: Vec::new(),
    };
    for (l, niveau) in NIVEAUX.iter().enumerate() {
        let groupe = Groupe {
            id: format!("G{niveau}EURO"),
            code: format!("{niveau}EURO"),
            libelle: format!("{niveau} section européenne (sortie 25 €)"),
        };
        for d in 0..PER_LEVEL {
            let code = format!("{niveau}{:02}", d + 1);
            let id = format!("D{code}");
            s.divisions.push(Division {
                id: id.clone(),
                code,
                niveau: (*niveau).into(),
                professeur_principal_id: None,
            });
            for n in 0..PUPILS {
                let no = (l * PER_LEVEL + d) * PUPILS + n;
                let eleve_id = format!("{}", 300_000 + no);
                s.etats_civils.push(EtatCivil {
                    eleve_id: eleve_id.clone(),
                    ine: format!("{:010}A", 700_000_000 + no),
                    date_naissance: NaiveDate::from_ymd_opt(
                        2010 - l as i32,
                        1 + (no % 12) as u32,
                        1 + (no % 28) as u32,
                    )
                    .expect("d"),
                });
                s.eleves.push(Eleve {
                    id: eleve_id,
                    nom: format!("ÉLÈVE-ŒUF{no:04}"),
                    prenom: PRENOMS[no % PRENOMS.len()].into(),
                    division_id: id.clone(),
                    groupe_ids: if n % 5 == 0 {
                        vec![groupe.id.clone()]
                    } else {
                        Vec::new()
                    },
                    date_entree: None,
                    date_sortie: None,
                    passages: Vec::new(),
                });
            }
        }
        s.groupes.push(groupe);
    }
    // Each teacher has 6 divisions of her subject.
    let mut teacher = 0;
    for (code, _, _) in SUBJECTS {
        for (i, d) in s.divisions.clone().iter().enumerate() {
            if i % 6 == 0 {
                teacher += 1;
                s.personnels.push(personnel(
                    format!("{}", 1000 + teacher),
                    Fonction::Enseignant,
                ));
            }
            s.services.push(Service {
                id: format!("SV-{}-{code}", d.id),
                enseignant_id: format!("{}", 1000 + teacher),
                matiere_code: code.into(),
                cible: Cible::Division(d.id.clone()),
                coefficient: 1.0,
            });
        }
    }
    s
}

fn exports(s: &School) -> Vec<(String, Vec<u8>)> {
    vec![
        ("sts_emp.xml".into(), pupitre_fixtures::exports::sts(s)),
        (
            "Nomenclature.xml".into(),
            pupitre_fixtures::exports::nomenclature(s),
        ),
        (
            "ElevesSansAdresses.xml".into(),
            pupitre_fixtures::exports::eleves(s),
        ),
    ]
}

/// The rentrée's files: the exports, and the periods, holidays and timetable (each service
/// 2 hours a week) as CSV.
fn rentree(s: &School) -> Vec<(String, Vec<u8>)> {
    let mut files = exports(s);
    files.push((
        "periodes.csv".into(),
        pupitre_fixtures::exports::periodes(s),
    ));
    files.push((
        "vacances.csv".into(),
        pupitre_fixtures::exports::vacances(2026),
    ));
    files.push((
        "edt.csv".into(),
        pupitre_fixtures::exports::emploi_du_temps(s, 2),
    ));
    files
}

/// The lycée with 100 pupils changed from round `round - 1`: 50 one class further, 50 renamed.
fn changed(s: &School, round: usize) -> School {
    let mut s = s.clone();
    let codes: Vec<String> = s.divisions.iter().map(|d| d.id.clone()).collect();
    for (i, e) in s
        .eleves
        .iter_mut()
        .enumerate()
        .filter(|(i, _)| i % 20 == 0)
        .take(100)
    {
        if i % 40 == 0 {
            let at = codes.iter().position(|c| *c == e.division_id).unwrap_or(0);
            e.division_id = codes[(at + 1 + round) % codes.len()].clone();
        } else {
            e.prenom = format!("{}-{round}", e.prenom);
        }
    }
    s
}

fn hlc() -> Hlc {
    Hlc {
        wall_ms: 1_790_000_000_000,
        counter: 0,
    }
}

fn main() {
    let args = Args::parse();
    let runs = args.runs.max(1);
    let school = lycee();
    let files = rentree(&school);
    let rentree_le = NaiveDate::from_ymd_opt(2026, 8, 31).expect("d");
    let le = NaiveDate::from_ymd_opt(2027, 1, 5).expect("d");
    let dirs: Vec<tempfile::TempDir> = (0..runs)
        .map(|_| tempfile::tempdir().expect("dir"))
        .collect();
    let mut n = 0;
    let import = mesure::timed(runs, || {
        let db = Db::open(&dirs[n].path().join("c.sqlite")).expect("db");
        n += 1;
        importer(&db, &files, None, rentree_le).expect("import");
    });
    // The baseline writes the same school, séances included, straight into the tables.
    let school = Db::open(&dirs[0].path().join("c.sqlite"))
        .expect("db")
        .with(|c| pupitre_school_db::read_school(c))
        .expect("the imported school");
    println!(
        "A lycée of {} pupils, {} divisions, {} teachers, {} services, {} séances over the year; its files {} KiB.",
        school.eleves.len(),
        school.divisions.len(),
        school.personnels.len(),
        school.services.len(),
        school.seances.len(),
        files.iter().map(|f| f.1.len()).sum::<usize>() / 1024
    );
    let mut n = 0;
    let straight = mesure::timed(runs, || {
        let db = Db::open(&dirs[n].path().join("d.sqlite")).expect("db");
        n += 1;
        db.with(|c| -> rusqlite::Result<()> {
            let tx = c.transaction()?;
            pupitre_school_db::replace_school(&tx, &school, &mut |_, _| {})?;
            tx.commit()
        })
        .expect("straight");
    });
    // (b) and (c): the central of the first run, a CPE's replica bootstrapped from it.
    let db = Db::open(&dirs[0].path().join("c.sqlite")).expect("db");
    let cpe = mesure::cpe_of(&school);
    let snap = db
        .with(|c| snapshot::read(c, cpe.clone(), hlc()))
        .expect("snapshot");
    let (_replica_dir, mut store) = mesure::empty_replica();
    store.rebase(&snap, &mut |_, _| {}).expect("bootstrap");
    let mut reimports = Vec::new();
    let mut receive = Vec::new();
    let mut rebase = Vec::new();
    let mut received = 0;
    for round in 0..runs {
        let next = exports(&changed(&school, round));
        reimports.extend(mesure::timed(1, || {
            importer(&db, &next, None, le).expect("re-import");
        }));
        receive.extend(mesure::timed(1, || {
            loop {
                let request = PullRequest {
                    cursor: store.cursor().expect("cursor"),
                    log: store.log().expect("log").expect("a log"),
                    limit: MAX_PULL_PAGE,
                };
                let page = db
                    .with(|c| pull::page(c, &cpe, &request, hlc()))
                    .expect("pull");
                received += page.referentiel.len();
                let moves = Page {
                    changes: &page.changes,
                    moves: &page.referentiel,
                    next_cursor: page.next_cursor,
                };
                store
                    .apply_page_durable(moves, &page.scope, page.durable_through)
                    .expect("apply");
                if !page.has_more {
                    break;
                }
            }
        }));
        rebase.extend(mesure::timed(1, || {
            let snap = db
                .with(|c| snapshot::read(c, cpe.clone(), hlc()))
                .expect("snapshot");
            store.rebase(&snap, &mut |_, _| {}).expect("rebase");
        }));
    }
    assert!(
        received >= 100 * runs,
        "every change reached the replica: {received}"
    );
    // (d) and (e): the school's archive out of that central (its log holds the re-imports'
    // moves), and back into an empty one, vs an online backup of the same database.
    let source = dirs[0].path().join("c.sqlite");
    let uai = school.etablissement.uai.as_str();
    let mut n = 0;
    let export = mesure::timed(runs, || {
        let out = dirs[n].path().join("archive.zip");
        n += 1;
        pupitre_central::archive::exporter(&db, &source, uai, &out).expect("export");
    });
    let mut n = 0;
    let backup = mesure::timed(runs, || {
        let out = dirs[n].path().join("sauvegarde.sqlite");
        n += 1;
        db.with(|c| pupitre_central::db::identity::backup(c, &out))
            .expect("backup");
    });
    let archive = std::fs::read(dirs[0].path().join("archive.zip")).expect("archive");
    let mut n = 0;
    let reimport = mesure::timed(runs, || {
        let path = dirs[n].path().join("e.sqlite");
        n += 1;
        let target = Db::open(&path).expect("db");
        pupitre_central::archive::importer(&target, &path, "archive.zip", archive.clone())
            .expect("archive import");
    });
    println!(
        "The replica received {} moves a re-import.",
        received / runs
    );
    mesure::header();
    mesure::row(
        "(a) import of the lycée's exports",
        &import,
        &straight,
        "≤ 10 s",
    );
    mesure::row(
        "(b) a re-import changing 100 pupils, central",
        &reimports,
        &straight,
        "—",
    );
    mesure::row(
        "(c) the whole school's replica receiving it",
        &receive,
        &rebase,
        "≤ 1 s",
    );
    mesure::row(
        "(d) export of the school's archive",
        &export,
        &backup,
        "≤ 10 s",
    );
    mesure::row(
        "(e) its archive into an empty central",
        &reimport,
        &backup,
        "—",
    );
    println!(
        "The archive: {} KiB (the database: {} KiB).",
        archive.len() / 1024,
        std::fs::metadata(&source).map_or(0, |m| m.len()) / 1024
    );
}
