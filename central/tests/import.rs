//! Importing a school's year from its national exports (SIECLE, STS-Web), on made-up files in
//! ISO-8859-15 (`tests/fichiers/`): what is created, what a re-import changes, and bad input
//! refused whole with the file, the element and the line.

mod common;
use chrono::NaiveDate;
use pupitre_central::Db;
use pupitre_central::import::{ImportError, Rapport, importer};
use pupitre_domain::referentiel::Table;
use pupitre_domain::{Cible, School};
use std::path::Path;

fn d(y: i32, m: u32, j: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, j).expect("date")
}

/// A file of an import: its name and bytes.
type Fichier = (String, Vec<u8>);

fn fichier(nom: &str) -> Fichier {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fichiers")
        .join(nom);
    (nom.to_owned(), std::fs::read(&path).expect("test file"))
}

/// The files of January: 6A's maths handed on, pupils moved, arrived and gone.
const JANVIER: [&str; 2] = [
    "sts_emp_0670099U_2026_janvier.xml",
    "ElevesSansAdresses_janvier.xml",
];

const RENTREE: [&str; 4] = [
    "sts_emp_0670099U_2026.xml",
    "Nomenclature.xml",
    "ElevesSansAdresses.xml",
    "ResponsablesAvecAdresses.xml",
];

fn db() -> (tempfile::TempDir, Db) {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Db::open(&dir.path().join("central.sqlite")).expect("open");
    (dir, db)
}

fn import(db: &Db, noms: &[&str], le: NaiveDate) -> Result<Rapport, ImportError> {
    let files: Vec<_> = noms.iter().map(|n| fichier(n)).collect();
    importer(db, &files, None, le)
}

fn school(db: &Db) -> School {
    db.with(|c| pupitre_school_db::read_school(c))
        .expect("school")
}

fn moves(db: &Db) -> Vec<(String, String)> {
    db.with(|c| {
        c.prepare("SELECT audience, mouvement FROM referentiel ORDER BY server_seq")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()
    })
    .expect("moves")
}

#[test]
fn a_school_s_year_imports_from_its_national_exports() {
    let (_dir, db) = db();
    let rapport = import(&db, &RENTREE, d(2026, 9, 1)).expect("import");
    let s = school(&db);
    assert_eq!(s.etablissement.uai.as_str(), "0670099U");
    assert_eq!(
        (
            s.eleves.len(),
            s.personnels.len(),
            s.divisions.len(),
            s.groupes.len()
        ),
        (6, 5, 2, 1)
    );
    assert_eq!(
        (s.services.len(), s.matieres.len(), s.responsables.len()),
        (5, 4, 3)
    );
    assert_eq!(rapport.tables[&Table::Eleve], (6, 0, 0));
    // The letters only ISO-8859-15 has (œ, Œ, €), read as written.
    let names: Vec<String> = s
        .personnels
        .iter()
        .map(|p| format!("{} {}", p.prenom, p.nom))
        .collect();
    assert!(
        names.contains(&"Cœlestine ŒTTINGER".to_owned()),
        "{names:?}"
    );
    assert!(names.contains(&"Anaïs LEBŒUF".to_owned()), "{names:?}");
    assert_eq!(s.groupes[0].libelle, "Latin et théâtre (sortie 12 €)");
    assert!(
        s.eleves
            .iter()
            .any(|e| e.nom == "DUPONT-ŒUVRARD" && e.prenom == "Léa")
    );
    assert!(
        s.matieres
            .iter()
            .any(|m| m.libelle.ends_with("LATIN (ŒUVRES)"))
    );
    // The professeur principal, the level from the MEF, the group's pupils from both classes.
    let d6a = s.divisions.iter().find(|d| d.code == "6A").expect("6A");
    assert_eq!((d6a.id.as_str(), d6a.niveau.as_str()), ("D6A", "6EME"));
    assert_eq!(d6a.professeur_principal_id.as_deref(), Some("101"));
    let latin: Vec<&str> = (s.eleves.iter())
        .filter(|e| e.groupe_ids == ["G6LAT"])
        .map(|e| e.id.as_str())
        .collect();
    assert_eq!(latin, ["5001", "5003"]);
    // A pupil who left is off today's rolls, still in the year's records; one who arrives
    // later is on no roll before her day.
    let today = d(2026, 11, 23);
    let chloe = s
        .eleves
        .iter()
        .find(|e| e.id == "5004")
        .expect("Chloé kept");
    assert!(!chloe.inscrit_le(today) && chloe.inscrit_le(d(2026, 10, 16)));
    let elise = s.eleves.iter().find(|e| e.id == "5005").expect("Élise");
    assert!(elise.inscrit_le(today) && !elise.inscrit_le(d(2026, 11, 2)));
    // Hugo has no INE yet: no état civil, said in no error.
    assert!(!s.etats_civils.iter().any(|e| e.eleve_id == "5006"));
    assert_eq!(s.etats_civils.len(), 5);
    // The guardians: legal ones only, with how to reach them.
    let coeur: Vec<_> = s
        .responsables
        .iter()
        .filter(|r| r.eleve_id == "5001")
        .collect();
    assert_eq!(coeur.len(), 2);
    assert!(
        coeur
            .iter()
            .any(|r| r.lien == "Mère" && r.mail.as_deref() == Some("berenice.coeur@example.org"))
    );
    // What was left out, in words.
    let ignores = rapport.ignores.join("\n");
    assert!(
        ignores.contains("106") && ignores.contains("OUV"),
        "{ignores}"
    );
    assert!(
        ignores.contains("030201") && ignores.contains("sans enseignant"),
        "{ignores}"
    );
    let text = rapport.to_string();
    assert!(
        text.contains("0670099U") && text.contains("créés"),
        "{text}"
    );
    // A first import tells no PC: none holds anything yet.
    assert!(moves(&db).is_empty());
}

#[test]
fn a_reimport_moves_a_pupil_and_a_service_and_keeps_their_history() {
    let (_dir, db) = db();
    import(&db, &RENTREE, d(2026, 9, 1)).expect("import");
    let avant = school(&db);
    let maths_6a = (avant.services.iter())
        .find(|s| s.cible == Cible::Division("D6A".into()) && s.matiere_code == "061300")
        .expect("6A maths")
        .clone();
    assert_eq!(maths_6a.enseignant_id, "102");
    let rapport = import(&db, &JANVIER, d(2027, 1, 5)).expect("re-import");
    let s = school(&db);
    // Léa is in 6B from the day of the import, in 6A until the day before.
    let lea = s.eleves.iter().find(|e| e.id == "5002").expect("Léa");
    assert_eq!(lea.division_id, "D6B");
    assert!(lea.dans_la_cible_le(&Cible::Division("D6A".into()), d(2027, 1, 4)));
    assert!(lea.dans_la_cible_le(&Cible::Division("D6B".into()), d(2027, 1, 5)));
    assert!(!lea.dans_la_cible_le(&Cible::Division("D6A".into()), d(2027, 1, 5)));
    // Hugo joined the latin group, Noé left it; a pupil arrived; Chloé, absent from the
    // export, is kept with her history.
    let groupes = |id: &str| {
        s.eleves
            .iter()
            .find(|e| e.id == id)
            .expect("pupil")
            .groupe_ids
            .clone()
    };
    assert_eq!(
        (groupes("5006"), groupes("5003")),
        (vec!["G6LAT".to_owned()], vec![])
    );
    assert!(
        s.eleves
            .iter()
            .any(|e| e.id == "5007" && e.prenom == "Œline")
    );
    assert!(s.eleves.iter().any(|e| e.id == "5004"));
    assert!(
        rapport.conserves.iter().any(|c| c.contains("5004")),
        "{:?}",
        rapport.conserves
    );
    // The service is the same one, now Anaïs Lebœuf's: its marks stay with it.
    let moved = s
        .services
        .iter()
        .find(|sv| sv.id == maths_6a.id)
        .expect("same service");
    assert_eq!(moved.enseignant_id, "103");
    assert_eq!(s.services.len(), avant.services.len());
    assert_eq!(rapport.tables[&Table::Eleve], (1, 3, 3), "{rapport}");
    // The log tells the whole school's PCs and each teacher whose view changed.
    let audiences: std::collections::BTreeSet<String> =
        moves(&db).into_iter().map(|(a, _)| a).collect();
    for a in [
        "etablissement",
        "personnel:101",
        "personnel:102",
        "personnel:103",
    ] {
        assert!(audiences.contains(a), "{a} in {audiences:?}");
    }
    assert_eq!(rapport.enseignants_prevenus, 3);
    // The same files again: nothing changes, nothing is sent.
    let before = moves(&db).len();
    let again = import(&db, &JANVIER, d(2027, 1, 6)).expect("again");
    assert_eq!(moves(&db).len(), before);
    assert_eq!((again.mouvements, again.enseignants_prevenus), (0, 0));
    assert_eq!(school(&db), s);
}

/// `fichier`'s bytes with `from` replaced by `to` (ISO-8859-15 text).
fn edited(nom: &str, from: &str, to: &str) -> (String, Vec<u8>) {
    let (nom, bytes) = fichier(nom);
    let text = encoding_rs::ISO_8859_15.decode(&bytes).0.into_owned();
    assert!(text.contains(from), "{from}");
    let text = text.replacen(from, to, 1);
    let (bytes, _, _) = encoding_rs::ISO_8859_15.encode(&text);
    (nom, bytes.into_owned())
}

#[test]
fn bad_input_is_refused_whole_in_french_naming_the_file_the_element_and_the_line() {
    let (_dir, db) = db();
    import(&db, &RENTREE, d(2026, 9, 1)).expect("import");
    let before = school(&db);
    let good = |n: &str| fichier(n);
    let (_, eleves) = fichier("ElevesSansAdresses.xml");
    let text = encoding_rs::ISO_8859_15.decode(&eleves).0.into_owned();
    let utf8_but_declared_latin = (
        "ElevesSansAdresses.xml".to_owned(),
        text.clone().into_bytes(),
    );
    let latin_but_declared_utf8 = edited("ElevesSansAdresses.xml", "ISO-8859-15", "UTF-8");
    let truncated = (
        "ElevesSansAdresses.xml".to_owned(),
        eleves[..eleves.len() * 2 / 3].to_vec(),
    );
    let other_school = edited(
        "ElevesSansAdresses.xml",
        "<UAJ>0670099U</UAJ>",
        "<UAJ>0670100V</UAJ>",
    );
    let twice = edited(
        "ElevesSansAdresses.xml",
        "ELEVE_ID=\"5002\" ELENOET",
        "ELEVE_ID=\"5001\" ELENOET",
    );
    let unknown = edited(
        "ElevesSansAdresses.xml",
        "<CODE_STRUCTURE>6B</CODE_STRUCTURE>",
        "<CODE_STRUCTURE>6Z</CODE_STRUCTURE>",
    );
    let bad_date = edited("ElevesSansAdresses.xml", "14/02/2015", "2015-02-14");
    let no_subject = edited(
        "sts_emp_0670099U_2026.xml",
        "CODE_MATIERE=\"021000\"",
        "CODE_MATIERE=\"999999\"",
    );
    let line_of = |from: &str| {
        text[..text.find(from).expect("in file")]
            .matches('\n')
            .count() as u32
            + 1
    };
    // (files, what the error says, its line)
    let cases: Vec<(Vec<Fichier>, &str, Option<u32>)> = vec![
        (
            vec![good("sts_emp_0670099U_2026.xml"), utf8_but_declared_latin],
            "UTF-8",
            Some(line_of("CŒUR")),
        ),
        (
            vec![latin_but_declared_utf8],
            "pas en UTF-8",
            Some(line_of("CŒUR")),
        ),
        (vec![truncated], "tronqué", None),
        (vec![other_school], "0670100V", None),
        (
            vec![twice],
            "deux élèves ont l'ELEVE_ID 5001",
            Some(line_of("ELEVE_ID=\"5002\" ELENOET")),
        ),
        (vec![unknown], "« 6Z »", None),
        (vec![bad_date], "JJ/MM/AAAA", Some(line_of("14/02/2015"))),
        (vec![no_subject], "999999", None),
        (
            vec![good("Nomenclature.xml"), good("Nomenclature.xml")],
            "déjà dans cet import",
            None,
        ),
        (
            vec![("notes.xml".into(), b"<CLASSEUR/>".to_vec())],
            "ni STS-Web",
            None,
        ),
    ];
    for (files, says, line) in cases {
        let names: Vec<String> = files.iter().map(|f| f.0.clone()).collect();
        let Err(ImportError::Fichier(e)) = importer(&db, &files, None, d(2026, 9, 2)) else {
            panic!("{names:?} must be refused as a file error ({says})");
        };
        let text = e.to_string();
        assert!(text.contains(says), "{text}");
        assert!(text.contains("Rien n'a été importé"), "{text}");
        assert!(names.contains(&e.fichier), "{text}");
        if let Some(line) = line {
            assert_eq!(e.ligne, line, "{text}");
        }
        assert_eq!(school(&db), before, "{says}: nothing half-imported");
        assert!(moves(&db).is_empty(), "{says}: no PC told");
    }
    // A file for another school into a base that holds this one, by --uai.
    let other: pupitre_domain::Uai = "0670100V".parse().expect("uai");
    let refused = importer(
        &db,
        &[good("Nomenclature.xml")],
        Some(&other),
        d(2026, 9, 2),
    );
    assert!(
        matches!(&refused, Err(ImportError::Central(e)) if e.to_string().contains("contient l'établissement 0670099U")),
        "{refused:?}"
    );
}

/// A periods' CSV as a French spreadsheet saves it: Windows-1252, `;`, `JJ/MM/AAAA`.
fn calendrier(lignes: &[&str]) -> Fichier {
    let text = format!("Période;Libellé;Début;Fin\r\n{}\r\n", lignes.join("\r\n"));
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&text);
    ("periodes.csv".to_owned(), bytes.into_owned())
}

#[test]
fn the_periods_come_from_a_spreadsheet_s_csv_and_a_bad_one_is_refused_whole() {
    let (_dir, db) = db();
    import(&db, &RENTREE, d(2026, 9, 1)).expect("rentrée");
    let trimestres = calendrier(&[
        "T1;1er trimestre;01/09/2026;30/11/2026",
        "T2;2e trimestre;01/12/2026;28/02/2027",
        "T3;3e trimestre;01/03/2027;04/07/2027",
    ]);
    let rapport = importer(&db, &[trimestres], None, d(2026, 9, 2)).expect("periods");
    let periodes = school(&db).periodes;
    assert_eq!(
        periodes
            .iter()
            .map(|p| (p.id.as_str(), p.libelle.as_str(), p.debut, p.fin))
            .collect::<Vec<_>>(),
        [
            ("T1", "1er trimestre", d(2026, 9, 1), d(2026, 11, 30)),
            ("T2", "2e trimestre", d(2026, 12, 1), d(2027, 2, 28)),
            ("T3", "3e trimestre", d(2027, 3, 1), d(2027, 7, 4)),
        ]
    );
    assert_eq!(rapport.tables[&Table::Periode].0, 3, "created: {rapport}");
    // The third trimester ends later: the PCs are told.
    let before_moves = moves(&db).len();
    importer(
        &db,
        &[calendrier(&["T3;3e trimestre;01/03/2027;2027-07-07"])],
        None,
        d(2027, 1, 5),
    )
    .expect("T3 moved");
    assert_eq!(school(&db).periodes[2].fin, d(2027, 7, 7));
    assert!(
        moves(&db).len() > before_moves,
        "the change travels to the PCs"
    );

    let before = school(&db);
    // (file, what the error says, its line)
    let cases = [
        (
            calendrier(&["T4;bis;15/06/2027;30/06/2027"]),
            "se chevauchent",
            2,
        ),
        (
            calendrier(&["T4;été;32/07/2027;31/08/2027"]),
            "32/07/2027",
            2,
        ),
        (
            calendrier(&["T4;été;31/08/2027;01/07/2027"]),
            "finit avant",
            2,
        ),
        (calendrier(&["T4;été;08/07/2027"]), "4 champs", 2),
        (
            calendrier(&[
                "T4;été;08/07/2027;10/07/2027",
                "T4;encore;11/07/2027;12/07/2027",
            ]),
            "déjà plus haut",
            3,
        ),
    ];
    for (file, says, line) in cases {
        let Err(ImportError::Fichier(e)) = importer(&db, &[file], None, d(2027, 1, 5)) else {
            panic!("refused: {says}");
        };
        assert!(e.to_string().contains(says) && e.ligne == line, "{e}");
        assert_eq!(school(&db), before, "{says}: nothing half-imported");
    }
}

/// A spreadsheet's CSV (Windows-1252, `;`) named `nom`, its header then `lignes`.
fn tableur(nom: &str, entete: &str, lignes: &[&str]) -> Fichier {
    let text = format!("{entete}\r\n{}\r\n", lignes.join("\r\n"));
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&text);
    (nom.to_owned(), bytes.into_owned())
}

fn vacances() -> Fichier {
    tableur(
        "vacances.csv",
        "Vacances;Début;Fin",
        &[
            "Toussaint;17/10/2026;01/11/2026",
            "Noël;19/12/2026;03/01/2027",
            "Hiver;13/02/2027;28/02/2027",
            "Printemps;10/04/2027;25/04/2027",
        ],
    )
}

const EDT: &str = "Jour;Début;Fin;Matière;Professeur;Classe;Groupe;Salle;Semaine";

fn emploi_du_temps(lignes: &[&str]) -> Fichier {
    tableur("edt.csv", EDT, lignes)
}

/// The séances of `school` of the service teaching `matiere`, by date and start.
fn seances_de(school: &School, matiere: &str) -> Vec<(NaiveDate, String, String)> {
    let services: Vec<&str> = school
        .services
        .iter()
        .filter(|s| s.matiere_code == matiere)
        .map(|s| s.id.as_str())
        .collect();
    let mut out: Vec<_> = school
        .seances
        .iter()
        .filter(|s| services.contains(&s.service_id.as_str()))
        .map(|s| (s.date, s.debut.to_string(), s.salle.clone()))
        .collect();
    out.sort();
    out
}

/// The roll call of `seance` begun at the central (what a teacher's push leaves in the log).
fn appel_commence(db: &Db, seance: &str) {
    db.with(|c| {
        c.execute(
            "INSERT INTO changes (op_id, client_id, author_id, kind, entity_id, field, value, \
             hlc_wall, hlc_counter, effect, scope_key, base_version) \
             VALUES ('op-appel', 'c', '101', 'appel', ?1, 'etat', '\"en_cours\"', 1, 0, 'applied', 's', 0)",
            [seance],
        )?;
        c.execute(
            "INSERT INTO fields (kind, entity_id, field, server_seq, scope_key) \
             VALUES ('appel', ?1, 'etat', last_insert_rowid(), 's')",
            [seance],
        )
    })
    .expect("roll call");
}

#[test]
fn a_timetable_is_laid_out_over_the_year_and_a_new_one_keeps_what_happened() {
    let (_dir, db) = db();
    let mut rentree: Vec<Fichier> = RENTREE.iter().map(|n| fichier(n)).collect();
    rentree.push(calendrier(&[
        "T1;1er trimestre;01/09/2026;30/11/2026",
        "T2;2e trimestre;01/12/2026;28/02/2027",
        "T3;3e trimestre;01/03/2027;04/07/2027",
    ]));
    rentree.push(vacances());
    // The teacher by name as STS-Web spells it (Œ and œ: Windows-1252 has them), by her
    // STS-Web id, the subject by code, label or management code; weeks A and B.
    rentree.push(emploi_du_temps(&[
        "lundi;08:00;09:00;FRANC;ŒTTINGER Cœlestine;6A;;B12;",
        "Mardi;10h;11h;Mathématiques;Fauré Noël;6B;;B14;A",
        "jeudi;14:00;15:00;LCALA;103;;6LAT;C01;B",
    ]));
    importer(&db, &rentree, None, d(2026, 8, 31)).expect("rentrée with its timetable");
    let s = school(&db);
    let francais = seances_de(&s, "020700");
    let maths = seances_de(&s, "061300");
    let latin = seances_de(&s, "021000");
    // Counted by hand over the year (Mondays; Tuesdays of week A; Thursdays of week B).
    assert_eq!((francais.len(), maths.len(), latin.len()), (35, 18, 18));
    assert_eq!(
        francais[0],
        (d(2026, 9, 7), "08:00".to_owned(), "B12".to_owned())
    );
    let dates = |v: &[(NaiveDate, String, String)]| v.iter().map(|x| x.0).collect::<Vec<_>>();
    // Week 1 (from Tuesday 1 September) is A; the holidays' weeks do not count.
    for (date, expected) in [
        (d(2026, 9, 1), true),
        (d(2026, 9, 8), false),
        (d(2026, 10, 13), true),
        (d(2026, 11, 3), false),
        (d(2026, 11, 10), true),
    ] {
        assert_eq!(dates(&maths).contains(&date), expected, "maths on {date}");
    }
    assert!(dates(&latin).contains(&d(2026, 11, 5)) && !dates(&latin).contains(&d(2026, 9, 3)));
    assert!(
        !dates(&francais).contains(&d(2026, 10, 19))
            && !dates(&francais).contains(&d(2026, 12, 21)),
        "no lesson in the holidays"
    );

    // January: French moves to 9:00 in B13, Latin stops. A roll call already begun on a
    // French séance ahead (a teacher who took it early, a substitute) keeps it.
    let garde = s
        .seances
        .iter()
        .find(|x| x.date == d(2027, 1, 11) && x.debut.to_string() == "08:00")
        .expect("French on 11 January")
        .id
        .clone();
    appel_commence(&db, &garde);
    let before_moves = moves(&db).len();
    let rapport = importer(
        &db,
        &[
            vacances(),
            emploi_du_temps(&[
                "lundi;09:00;10:00;FRANC;ŒTTINGER Cœlestine;6A;;B13;",
                "mardi;10:00;11:00;MATHS;FAURÉ Noël;6B;;B14;A",
            ]),
        ],
        None,
        d(2027, 1, 5),
    )
    .expect("January's timetable");
    let apres = school(&db);
    let francais2 = seances_de(&apres, "020700");
    let before_le = |v: &[(NaiveDate, String, String)]| {
        v.iter()
            .filter(|x| x.0 < d(2027, 1, 5))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(
        before_le(&francais2),
        before_le(&francais),
        "the past stays"
    );
    let from_le: Vec<_> = francais2.iter().filter(|x| x.0 >= d(2027, 1, 5)).collect();
    assert_eq!(
        from_le
            .iter()
            .filter(|x| x.1 == "09:00" && x.2 == "B13")
            .count(),
        21
    );
    assert_eq!(
        from_le
            .iter()
            .filter(|x| x.1 == "08:00")
            .map(|x| x.0)
            .collect::<Vec<_>>(),
        [d(2027, 1, 11)],
        "only the séance whose roll call began"
    );
    assert!(apres.seances.iter().any(|x| x.id == garde));
    assert_eq!(
        seances_de(&apres, "061300"),
        maths,
        "maths unchanged, same séances"
    );
    let latin2 = seances_de(&apres, "021000");
    assert_eq!(latin2, before_le(&latin), "Latin stops from January on");
    assert!(
        rapport
            .conserves
            .iter()
            .any(|c| c.contains("11/01/2027") && c.contains("appel est commencé")),
        "{rapport}"
    );
    assert!(moves(&db).len() > before_moves, "the PCs are told");
    // Holidays alone lay nothing out, and the report says why.
    let seul = importer(&db, &[vacances()], None, d(2027, 1, 6)).expect("holidays alone");
    assert!(
        seul.ignores.iter().any(|i| i.contains("vacances.csv")),
        "{seul}"
    );
    assert_eq!(school(&db), apres);
}

#[test]
fn a_bad_timetable_is_refused_whole_with_its_line() {
    let (_dir, db) = db();
    let mut rentree: Vec<Fichier> = RENTREE.iter().map(|n| fichier(n)).collect();
    rentree.push(calendrier(&["T1;1er trimestre;01/09/2026;30/11/2026"]));
    importer(&db, &rentree, None, d(2026, 8, 31)).expect("rentrée");
    let before = school(&db);
    let bon = "lundi;08:00;09:00;FRANC;ŒTTINGER Cœlestine;6A;;B12;";
    // A timetable with the holidays, as it must come.
    let edt = |lignes: &[&str]| vec![vacances(), emploi_du_temps(lignes)];
    // (files, what the error says, its line)
    let cases: Vec<(Vec<Fichier>, &str, u32)> = vec![
        (
            vec![emploi_du_temps(&[bon])],
            "joignez le fichier des vacances",
            1,
        ),
        (
            edt(&[bon, "mardi;08:00;09:00;FRANC;DUPONT Jean;6A;;B12;"]),
            "professeur « DUPONT Jean » inconnu",
            3,
        ),
        (
            edt(&["lundi;08:00;09:00;FRANC;FAURÉ Noël;6A;;B12;"]),
            "aucun service",
            2,
        ),
        (
            edt(&["dimanche;08:00;09:00;FRANC;101;6A;;B12;"]),
            "dimanche",
            2,
        ),
        (
            edt(&["lundi;09:00;08:00;FRANC;101;6A;;B12;"]),
            "avant son début",
            2,
        ),
        (
            edt(&[bon, "lundi;08:30;09:30;LCALA;101;;6LAT;C01;"]),
            "aucun service",
            3,
        ),
        (
            edt(&[
                "jeudi;14:00;15:00;LCALA;103;;6LAT;C01;",
                "jeudi;14:30;15:30;FRANC;103;6B;;B12;A",
            ]),
            "déjà cours",
            3,
        ),
        (
            edt(&["lundi;08:00;09:00;FRANC;101;6Z;;B12;"]),
            "classe « 6Z » inconnue",
            2,
        ),
        (
            edt(&["lundi;08:00;09:00;FRANC;101;6A;;B12;C"]),
            "semaine « C »",
            2,
        ),
        (
            vec![
                tableur(
                    "vacances.csv",
                    "Vacances;Début;Fin",
                    &["Noël;03/01/2027;19/12/2026"],
                ),
                emploi_du_temps(&[bon]),
            ],
            "finit avant",
            2,
        ),
    ];
    for (files, says, line) in cases {
        let Err(ImportError::Fichier(e)) = importer(&db, &files, None, d(2026, 9, 1)) else {
            panic!("refused: {says}");
        };
        assert!(
            e.to_string().contains(says) && e.ligne == line,
            "{says}: {e}"
        );
        assert_eq!(school(&db), before, "{says}: nothing half-imported");
    }
}

#[tokio::test]
async fn an_imported_school_s_staff_get_accounts_and_their_provisional_passwords_open_them() {
    let (dir, db) = db();
    import(&db, &RENTREE, d(2026, 9, 1)).expect("rentrée");
    let out = dir.path().join("comptes.csv");
    let faits = pupitre_central::comptes::creer_manquants(&db, &out).expect("accounts");
    let logins: Vec<&str> = faits.iter().map(|c| c.login.as_str()).collect();
    // The five imported staff (not the workman STS-Web also lists).
    assert_eq!(
        logins,
        [
            "noel.faure",
            "loic.gregoire",
            "anais.leboeuf",
            "coelestine.oettinger",
            "marie-therese.schoelcher"
        ]
    );
    let csv = std::fs::read_to_string(&out).expect("the file");
    assert!(csv.starts_with("\u{feff}Identifiant;Nom;Prénom;Fonction;Mot de passe provisoire"));
    assert!(csv.contains(&format!(
        "noel.faure;FAURÉ;Noël;enseignant;{}",
        faits[0].mot_de_passe
    )));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).expect("meta").permissions().mode();
        assert_eq!(mode & 0o077, 0, "readable by its owner only");
    }
    // A provisional password opens its account at the central.
    let central = {
        drop(db);
        common::Central::serving(dir.path().join("central.sqlite")).await
    };
    let (status, answer) = central
        .login_answer(
            "noel.faure",
            &faits[0].mot_de_passe,
            &uuid::Uuid::new_v4().to_string(),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["personnel"]["id"], "102");
    // Again: nobody lacks one, and the file is not overwritten.
    let db = Db::open(&central.db).expect("db");
    let again = dir.path().join("encore.csv");
    assert_eq!(
        pupitre_central::comptes::creer_manquants(&db, &again).expect("again"),
        []
    );
    assert!(pupitre_central::comptes::creer_manquants(&db, &out).is_err());
    assert_eq!(std::fs::read_to_string(&out).expect("kept"), csv);
}
