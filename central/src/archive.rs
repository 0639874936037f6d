//! A school's archive: all of its data out of the central in open, documented formats, and back
//! into an empty central (README « L'archive d'un établissement »). A zip holding
//! `manifeste.json` (what the archive holds, each file's line count and SHA-256), one JSON Lines
//! file per table (`tables/<table>.jsonl`: one object per row, its columns by name, the values'
//! types kept; what an import reads) and the same rows as CSV (`csv/<table>.csv`, for a
//! spreadsheet), and the notifications' sending ledger. Which tables go in, and which columns
//! stay out, is `db::archive::TABLES`.
//!
//! An archive imported is a restore in a new place: the log keeps its identity and moves to a
//! new epoch, so that PCs pointed at the new central rebase and resend what the archive lacks.

use crate::db::archive::{self as store, Insertion, Sort};
use crate::db::{Db, identity, school};
use crate::error::CentralError;
use crate::import::{ErreurImport, ImportError};
use crate::notifications::Registre;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use rusqlite::types::Value;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader, Read, Seek, Write};
use std::path::Path;
use zip::ZipArchive;
use zip::write::{SimpleFileOptions, ZipWriter};

pub const FORMAT: &str = "pupitre-archive";
/// The layout's version: a new one is for a change an older reader would misread.
pub const VERSION: u32 = 1;
const MANIFESTE: &str = "manifeste.json";
const REGISTRE: &str = "registre-envois.txt";

/// What an archive holds (`manifeste.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifeste {
    pub format: String,
    pub version: u32,
    pub uai: String,
    pub nom: String,
    /// When, by the central's clock (RFC 3339).
    pub exportee_le: String,
    /// The central's schema (its migrations): an archive goes into a central at least as new.
    pub schema: u32,
    /// The log as the export saw it: the importing central's new epoch goes above it.
    pub journal: identity::HighWater,
    pub tables: Vec<TableArchivee>,
    /// The central's tables left out, whatever they held.
    pub omises: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableArchivee {
    pub table: String,
    pub colonnes: Vec<String>,
    /// Columns left out (`db::archive::TABLES`).
    pub sans: Vec<String>,
    pub lignes: u64,
    pub json: String,
    pub csv: String,
    /// Of the JSON Lines file.
    pub sha256: String,
}

/// Whether these bytes are a zip (what `import` is given besides the national XML exports).
pub fn est_une_archive(octets: &[u8]) -> bool {
    octets.starts_with(b"PK\x03\x04")
}

/// Writes the archive of the school `uai` of `db` to `out` (a new file, complete or absent: it
/// is written under another name and renamed at the end). It reads one snapshot of the
/// database, so the central may keep serving meanwhile.
pub fn exporter(db: &Db, db_path: &Path, uai: &str, out: &Path) -> Result<Manifeste, CentralError> {
    crate::fichiers::nouveau(out, |file| db.with(|conn| ecrire(conn, db_path, uai, file)))
}

fn ecrire(
    conn: &mut rusqlite::Connection,
    db_path: &Path,
    uai: &str,
    file: std::fs::File,
) -> Result<Manifeste, CentralError> {
    // One read transaction: every table from the same instant.
    let tx = conn.transaction()?;
    let (stored, nom) = school::etablissement(&tx)?.ok_or_else(|| {
        CentralError::Invalid("cette base ne contient aucun établissement".to_owned())
    })?;
    if stored != uai {
        return Err(CentralError::Invalid(format!(
            "cette base contient l'établissement {stored} ({nom}), pas {uai}"
        )));
    }
    let mut zip = ZipWriter::new(file);
    let mut manifeste = Manifeste {
        format: FORMAT.to_owned(),
        version: VERSION,
        uai: stored,
        nom,
        exportee_le: crate::clock::now_rfc3339(),
        schema: store::schema_version(&tx)?,
        journal: identity::mark_of(&tx)?,
        tables: Vec::new(),
        omises: Vec::new(),
    };
    for table in store::tables(&tx)? {
        match store::sort_of(&table) {
            Some(Sort::Jamais) => manifeste.omises.push(table),
            Some(Sort::Entiere) => manifeste
                .tables
                .push(ecrire_table(&tx, &mut zip, table, &[])?),
            Some(Sort::Sans(sans)) => manifeste
                .tables
                .push(ecrire_table(&tx, &mut zip, table, sans)?),
            None => {
                return Err(CentralError::Invalid(format!(
                    "la table {table} n'est pas classée pour l'archive (db::archive::TABLES)"
                )));
            }
        }
    }
    ecrire_registre(&mut zip, &Registre::beside(db_path))?;
    zip.start_file(MANIFESTE, options()).map_err(zip_error)?;
    serde_json::to_writer_pretty(&mut zip, &manifeste)
        .map_err(|e| CentralError::Invalid(e.to_string()))?;
    zip.finish().map_err(zip_error)?.sync_all()?;
    Ok(manifeste)
}

/// One table as JSON Lines, then as CSV, both streamed from the database.
fn ecrire_table<W: Write + Seek>(
    conn: &rusqlite::Connection,
    zip: &mut ZipWriter<W>,
    table: String,
    sans: &[&str],
) -> Result<TableArchivee, CentralError> {
    let colonnes: Vec<String> = store::columns(conn, &table)?
        .into_iter()
        .filter(|c| !sans.contains(&c.as_str()))
        .collect();
    let json = format!("tables/{table}.jsonl");
    zip.start_file(&json, options()).map_err(zip_error)?;
    let mut empreinte = Sha256::new();
    let mut lignes = 0u64;
    store::each_row(conn, &table, &colonnes, |row| {
        let objet: serde_json::Map<_, _> = colonnes
            .iter()
            .cloned()
            .zip(row.iter().map(en_json))
            .collect();
        let mut ligne =
            serde_json::to_vec(&objet).map_err(|e| CentralError::Invalid(e.to_string()))?;
        ligne.push(b'\n');
        empreinte.update(&ligne);
        lignes += 1;
        zip.write_all(&ligne).map_err(CentralError::from)
    })?;
    let csv = format!("csv/{table}.csv");
    zip.start_file(&csv, options()).map_err(zip_error)?;
    {
        let mut writer = csv::Writer::from_writer(&mut *zip);
        writer.write_record(&colonnes).map_err(csv_error)?;
        store::each_row(conn, &table, &colonnes, |row| {
            writer
                .write_record(row.iter().map(en_csv))
                .map_err(csv_error)
        })?;
        writer.flush()?;
    }
    Ok(TableArchivee {
        table,
        colonnes,
        sans: sans.iter().map(|s| (*s).to_owned()).collect(),
        lignes,
        json,
        csv,
        sha256: hex(&empreinte.finalize()),
    })
}

fn ecrire_registre<W: Write + Seek>(
    zip: &mut ZipWriter<W>,
    registre: &Registre,
) -> Result<(), CentralError> {
    match std::fs::read(registre.chemin()) {
        Ok(octets) => {
            zip.start_file(REGISTRE, options()).map_err(zip_error)?;
            zip.write_all(&octets)?;
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Imports the archive `nom` (its bytes) into `db`, which must hold no school: all of it in one
/// transaction, or nothing. The log moves to a new epoch (a restore); the accounts wait for a
/// password (`reinitialiser-mot-de-passe`).
pub fn importer(
    db: &Db,
    db_path: &Path,
    nom: &str,
    octets: Vec<u8>,
) -> Result<Manifeste, ImportError> {
    let mut zip = ZipArchive::new(std::io::Cursor::new(octets)).map_err(|e| {
        erreur(
            nom,
            format!("archive illisible ({e}) : est-ce bien une archive exportée par Pupitre ?"),
        )
    })?;
    let manifeste = lire_manifeste(&mut zip, nom)?;
    let mark = db.with(|conn| -> Result<identity::HighWater, ImportError> {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        verifier_cible(&tx, &manifeste, nom)?;
        store::defer_foreign_keys(&tx)?;
        for table in &manifeste.tables {
            lire_table(&tx, &mut zip, nom, table)?;
        }
        identity::new_epoch(&tx, &manifeste.journal)?;
        let mark = identity::mark_of(&tx)?;
        tx.commit().map_err(|e| {
            erreur(
                nom,
                format!(
                    "l'archive n'est pas cohérente ({e}) : une ligne désigne ce qui n'y est pas"
                ),
            )
        })?;
        Ok(mark)
    })?;
    identity::write_high_water(db_path, &mark)?;
    ajouter_registre(&mut zip, &Registre::beside(db_path))?;
    Ok(manifeste)
}

fn lire_manifeste<R: Read + Seek>(
    zip: &mut ZipArchive<R>,
    nom: &str,
) -> Result<Manifeste, ImportError> {
    let entry = zip.by_name(MANIFESTE).map_err(|_| {
        erreur(
            nom,
            format!("{MANIFESTE} manque : ce n'est pas une archive exportée par Pupitre"),
        )
    })?;
    let manifeste: Manifeste = serde_json::from_reader(entry)
        .map_err(|e| erreur(nom, format!("{MANIFESTE} illisible ({e})")))?;
    if manifeste.format != FORMAT || manifeste.version > VERSION {
        return Err(erreur(
            nom,
            format!(
                "format « {} » version {} : cette version de Pupitre lit « {FORMAT} » jusqu'à la version {VERSION}",
                manifeste.format, manifeste.version
            ),
        )
        .into());
    }
    Ok(manifeste)
}

/// The database may take this archive: it holds no school, and its schema is as new.
fn verifier_cible(
    conn: &rusqlite::Connection,
    manifeste: &Manifeste,
    nom: &str,
) -> Result<(), ImportError> {
    if let Some((uai, etablissement)) = school::etablissement(conn)? {
        return Err(erreur(
            nom,
            format!(
                "cette base contient déjà l'établissement {uai} ({etablissement}) : une archive s'importe dans un service central vide (--db et un nouveau fichier)"
            ),
        )
        .into());
    }
    let schema = store::schema_version(conn)?;
    if manifeste.schema > schema {
        return Err(erreur(
            nom,
            format!(
                "l'archive vient d'une version plus récente de Pupitre (schéma {} ; celui-ci : {schema}) : mettez à jour ce service central",
                manifeste.schema
            ),
        )
        .into());
    }
    Ok(())
}

/// One table's rows, checked against its line count and SHA-256 once read.
fn lire_table<R: Read + Seek>(
    conn: &rusqlite::Connection,
    zip: &mut ZipArchive<R>,
    nom: &str,
    table: &TableArchivee,
) -> Result<(), ImportError> {
    let fichier = format!("{nom} : {}", table.json);
    let sans = colonnes_cibles(conn, &fichier, table)?;
    let entry = zip
        .by_name(&table.json)
        .map_err(|_| erreur(&fichier, "ce fichier manque dans l'archive".to_owned()))?;
    store::clear(conn, &table.table)?;
    let mut insertion = Insertion::new(conn, &table.table, &table.colonnes, &sans)?;
    let mut empreinte = Sha256::new();
    let mut lignes = 0u64;
    for ligne in BufReader::new(entry).split(b'\n') {
        let ligne = ligne.map_err(|e| erreur(&fichier, format!("lecture impossible ({e})")))?;
        lignes += 1;
        empreinte.update(&ligne);
        empreinte.update(b"\n");
        let row = ligne_en_valeurs(&ligne, &table.colonnes)
            .map_err(|m| ErreurImport::new(&fichier, "", lignes as u32, m))?;
        insertion.row(row)?;
    }
    if lignes != table.lignes || hex(&empreinte.finalize()) != table.sha256 {
        return Err(erreur(
            &fichier,
            format!(
                "{lignes} lignes lues, {} annoncées, ou une empreinte qui diffère : le fichier est tronqué ou altéré ; exportez de nouveau",
                table.lignes
            ),
        )
        .into());
    }
    Ok(())
}

/// The archive's columns all exist here; returns the columns to mask (left out of the archive
/// and still in this schema).
fn colonnes_cibles(
    conn: &rusqlite::Connection,
    fichier: &str,
    table: &TableArchivee,
) -> Result<Vec<&'static str>, ImportError> {
    let sans = match store::sort_of(&table.table) {
        Some(Sort::Entiere) => &[][..],
        Some(Sort::Sans(sans)) => sans,
        Some(Sort::Jamais) | None => {
            return Err(erreur(fichier, "une table que Pupitre n'importe pas".to_owned()).into());
        }
    };
    let ici = store::columns(conn, &table.table)?;
    if let Some(c) = table.colonnes.iter().find(|c| !ici.contains(c)) {
        return Err(erreur(
            fichier,
            format!("colonne « {c} » inconnue de cette version de Pupitre"),
        )
        .into());
    }
    Ok(sans
        .iter()
        .copied()
        .filter(|c| ici.iter().any(|i| i == c) && !table.colonnes.iter().any(|a| a == c))
        .collect())
}

/// One JSON Lines row: an object with exactly `colonnes`.
fn ligne_en_valeurs(ligne: &[u8], colonnes: &[String]) -> Result<Vec<Value>, String> {
    let mut objet: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(ligne).map_err(|e| format!("ligne illisible ({e})"))?;
    let row = colonnes
        .iter()
        .map(|c| {
            objet
                .remove(c)
                .ok_or_else(|| format!("la colonne « {c} » manque"))
                .and_then(|v| de_json(v).map_err(|m| format!("colonne « {c} » : {m}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    match objet.keys().next() {
        Some(extra) => Err(format!(
            "colonne « {extra} » que le manifeste ne déclare pas"
        )),
        None => Ok(row),
    }
}

fn ajouter_registre<R: Read + Seek>(
    zip: &mut ZipArchive<R>,
    registre: &Registre,
) -> Result<(), CentralError> {
    let Ok(mut entry) = zip.by_name(REGISTRE) else {
        return Ok(());
    };
    let mut octets = Vec::new();
    entry.read_to_end(&mut octets)?;
    // Appended: the ledger's last word on a Message-ID is the one that counts.
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(registre.chemin())?;
    file.write_all(b"\n")?;
    file.write_all(&octets)?;
    file.sync_data()?;
    Ok(())
}

/// A value in JSON, its SQLite type kept: integers and reals are JSON numbers (a real always
/// with its decimal point), bytes `{"base64": …}`.
fn en_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Null => serde_json::Value::Null,
        Value::Integer(i) => (*i).into(),
        Value::Real(f) => {
            serde_json::Number::from_f64(*f).map_or(serde_json::Value::Null, Into::into)
        }
        Value::Text(s) => s.clone().into(),
        Value::Blob(b) => serde_json::json!({ "base64": BASE64.encode(b) }),
    }
}

fn de_json(v: serde_json::Value) -> Result<Value, String> {
    Ok(match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Value::Integer(i),
            (None, Some(f)) => Value::Real(f),
            (None, None) => return Err(format!("nombre hors limites {n}")),
        },
        serde_json::Value::String(s) => Value::Text(s),
        serde_json::Value::Object(o) if o.len() == 1 && o.contains_key("base64") => {
            let text = o["base64"].as_str().ok_or("base64 attendu en texte")?;
            Value::Blob(
                BASE64
                    .decode(text)
                    .map_err(|e| format!("base64 illisible ({e})"))?,
            )
        }
        other => return Err(format!("valeur inattendue {other}")),
    })
}

/// A value in CSV: empty for NULL, bytes in base64.
fn en_csv(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Integer(i) => i.to_string(),
        Value::Real(f) => f.to_string(),
        Value::Text(s) => s.clone(),
        Value::Blob(b) => BASE64.encode(b),
    }
}

fn options() -> SimpleFileOptions {
    SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An archive's error names the file in the zip (`fichier`), not an XML element.
fn erreur(fichier: &str, message: String) -> ErreurImport {
    ErreurImport::new(fichier, "", 0, message)
}

fn zip_error(e: zip::result::ZipError) -> CentralError {
    CentralError::Invalid(format!("archive : {e}"))
}

fn csv_error(e: csv::Error) -> CentralError {
    CentralError::Invalid(format!("archive (CSV) : {e}"))
}
