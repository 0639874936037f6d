//! A school's archive refused whole when it is damaged, altered, from a newer Pupitre or aimed at
//! a central that already holds a school; an export refused for another school or an existing
//! file. Nothing is half-imported: the target stays empty. (The full round trip, on a central
//! that has lived: `tests/tests/reversibilite.rs`.)

use pupitre_central::Db;
use pupitre_central::archive::{self, Manifeste};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

const RENTREE: [&str; 4] = [
    "sts_emp_0670099U_2026.xml",
    "Nomenclature.xml",
    "ElevesSansAdresses.xml",
    "ResponsablesAvecAdresses.xml",
];

/// A central holding the made-up school of `tests/fichiers/`, and its archive.
fn exported(dir: &Path) -> (PathBuf, Db, PathBuf) {
    let path = dir.join("source.sqlite");
    let db = Db::open(&path).expect("open");
    let files: Vec<_> = RENTREE
        .iter()
        .map(|n| {
            let p = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fichiers")
                .join(n);
            ((*n).to_owned(), std::fs::read(p).expect("test file"))
        })
        .collect();
    let le = chrono::NaiveDate::from_ymd_opt(2026, 9, 1).expect("date");
    pupitre_central::import::importer(&db, &files, None, le).expect("import");
    let out = dir.join("ecole.zip");
    archive::exporter(&db, &path, "0670099U", &out).expect("export");
    (path, db, out)
}

/// The archive's files, by name.
fn entries(zip: &Path) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(zip).expect("zip")).expect("zip");
    (0..archive.len())
        .map(|i| {
            let mut entry = archive.by_index(i).expect("entry");
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).expect("read");
            (entry.name().expect("name").to_string(), bytes)
        })
        .collect()
}

fn rezip(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in entries {
        zip.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .expect("start");
        zip.write_all(bytes).expect("write");
    }
    zip.finish().expect("finish").into_inner()
}

/// The archive with `name`'s bytes changed by `edit`.
fn altered(zip: &Path, name: &str, edit: impl Fn(&[u8]) -> Vec<u8>) -> Vec<u8> {
    let mut all = entries(zip);
    let entry = all.iter_mut().find(|(n, _)| n == name).expect("entry");
    entry.1 = edit(&entry.1);
    rezip(&all)
}

fn replace(bytes: &[u8], from: &str, to: &str) -> Vec<u8> {
    let text = String::from_utf8(bytes.to_vec()).expect("utf-8");
    assert!(text.contains(from), "{from}");
    text.replacen(from, to, 1).into_bytes()
}

#[test]
fn a_damaged_or_foreign_archive_is_refused_whole_and_the_central_stays_empty() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (source, db, zip) = exported(dir.path());
    let bytes = std::fs::read(&zip).expect("archive");
    let manifeste: Manifeste = serde_json::from_slice(
        &entries(&zip)
            .into_iter()
            .find(|(n, _)| n == "manifeste.json")
            .expect("manifest")
            .1,
    )
    .expect("manifest");
    let eleves = "tables/eleves.jsonl";
    let first_pupil = String::from_utf8(
        entries(&zip)
            .into_iter()
            .find(|(n, _)| n == eleves)
            .expect("pupils")
            .1,
    )
    .expect("utf-8")
    .lines()
    .next()
    .expect("a pupil")
    .to_owned();
    let nom_du_premier =
        serde_json::from_str::<serde_json::Value>(&first_pupil).expect("row")["nom"]
            .as_str()
            .expect("nom")
            .to_owned();
    // (archive, what the error says)
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (bytes[..bytes.len() / 2].to_vec(), "archive illisible"),
        (
            altered(&zip, eleves, |b| replace(b, &nom_du_premier, "NOM-CHANGÉ")),
            "tronqué ou altéré",
        ),
        (
            altered(&zip, eleves, |b| {
                let text = String::from_utf8(b.to_vec()).expect("utf-8");
                text.lines()
                    .skip(1)
                    .map(|l| format!("{l}\n"))
                    .collect::<String>()
                    .into_bytes()
            }),
            "tronqué ou altéré",
        ),
        (
            altered(&zip, eleves, |b| replace(b, "\"nom\":", "\"surnom\":")),
            "ligne 1 : la colonne « nom » manque",
        ),
        (
            altered(&zip, "manifeste.json", |b| {
                replace(b, "\"version\": 1", "\"version\": 2")
            }),
            "jusqu'à la version 1",
        ),
        (
            altered(&zip, "manifeste.json", |b| {
                replace(
                    b,
                    &format!("\"schema\": {}", manifeste.schema),
                    "\"schema\": 999",
                )
            }),
            "version plus récente",
        ),
        (
            altered(&zip, "manifeste.json", |b| {
                replace(b, "\"colonnes\": [", "\"colonnes\": [\"inconnue\",")
            }),
            "colonne « inconnue » inconnue",
        ),
        (
            rezip(&[("autre.txt".to_owned(), b"x".to_vec())]),
            "manifeste.json manque",
        ),
    ];
    for (i, (archive_bytes, says)) in cases.into_iter().enumerate() {
        let path = dir.path().join(format!("cible-{i}.sqlite"));
        let target = Db::open(&path).expect("empty central");
        let err =
            archive::importer(&target, &path, "ecole.zip", archive_bytes).expect_err("refused");
        let text = err.to_string();
        assert!(
            text.contains(says) && text.contains("Rien n'a été importé"),
            "case {i}: {text}"
        );
        let empty = target
            .with(|c| pupitre_central::db::school::etablissement(c))
            .expect("read");
        assert_eq!(empty, None, "case {i}: nothing imported");
        let pupils: i64 = target
            .with(|c| c.query_row("SELECT COUNT(*) FROM eleves", [], |r| r.get(0)))
            .expect("count");
        assert_eq!(pupils, 0, "case {i}");
    }

    // Into the central that holds the school: refused.
    let err = archive::importer(&db, &source, "ecole.zip", bytes.clone()).expect_err("not empty");
    assert!(
        err.to_string()
            .contains("contient déjà l'établissement 0670099U"),
        "{err}"
    );

    // The export: another school's UAI, or a file that exists, is refused; nothing written.
    let other = dir.path().join("autre.zip");
    let err = archive::exporter(&db, &source, "0750654D", &other).expect_err("another school");
    assert!(err.to_string().contains("pas 0750654D"), "{err}");
    assert!(!other.exists() && !dir.path().join("autre.zip.partiel").exists());
    let err = archive::exporter(&db, &source, "0670099U", &zip).expect_err("exists");
    assert!(err.to_string().contains("existe déjà"), "{err}");
    assert_eq!(std::fs::read(&zip).expect("untouched"), bytes);
}
