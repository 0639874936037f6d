//! The audit log: failed logins, refused requests and changes, revocations. Kept apart from
//! the school's data, in its own file beside the database (`<db>.audit`), attached to the same
//! connection: a restore of the data from a backup does not rewrite who tried what, and the
//! data's exports and purges never touch it.

use crate::error::CentralError;
use rusqlite::{Connection, params};
use std::path::{Path, PathBuf};

pub fn path_beside(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".audit");
    PathBuf::from(name)
}

pub fn attach(conn: &Connection, db: &Path) -> Result<(), CentralError> {
    let path = path_beside(db);
    conn.execute("ATTACH DATABASE ?1 AS audit", [path.to_string_lossy()])?;
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS audit.evenements (
            id INTEGER PRIMARY KEY,
            at_ms INTEGER NOT NULL,
            quoi TEXT NOT NULL,
            login TEXT,
            personnel_id TEXT,
            client_id TEXT,
            adresse TEXT,
            detail TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS audit.evenements_at ON evenements (at_ms);",
    )?;
    Ok(pupitre_school_db::restrict_to_owner(&path)?)
}

/// What is audited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quoi {
    ConnexionRefusee,
    TropDeTentatives,
    ModificationRefusee,
    LectureRefusee,
    EnveloppeRefusee,
    EnveloppeRemise,
    JetonReutilise,
    MotDePasseChange,
    MotDePasseReinitialise,
    CompteDesactive,
    CompteSupprime,
    VieScolaireEffacee,
    AnneeImportee,
}

impl Quoi {
    pub fn as_str(self) -> &'static str {
        match self {
            Quoi::ConnexionRefusee => "connexion_refusee",
            Quoi::TropDeTentatives => "trop_de_tentatives",
            Quoi::ModificationRefusee => "modification_refusee",
            Quoi::LectureRefusee => "lecture_refusee",
            Quoi::EnveloppeRefusee => "enveloppe_refusee",
            Quoi::EnveloppeRemise => "enveloppe_remise",
            Quoi::JetonReutilise => "jeton_reutilise",
            Quoi::MotDePasseChange => "mot_de_passe_change",
            Quoi::MotDePasseReinitialise => "mot_de_passe_reinitialise",
            Quoi::CompteDesactive => "compte_desactive",
            Quoi::CompteSupprime => "compte_supprime",
            Quoi::VieScolaireEffacee => "vie_scolaire_effacee",
            Quoi::AnneeImportee => "annee_importee",
        }
    }
}

/// One audited event: who (as far as known), from which PC and address, and what.
#[derive(Debug, Clone, Default)]
pub struct Evenement<'a> {
    pub login: Option<&'a str>,
    pub personnel_id: Option<&'a str>,
    pub client_id: Option<&'a str>,
    pub adresse: Option<&'a str>,
    pub detail: &'a str,
}

pub fn record(
    conn: &Connection,
    quoi: Quoi,
    e: &Evenement<'_>,
    now_ms: u64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO audit.evenements (at_ms, quoi, login, personnel_id, client_id, adresse, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        now_ms as i64,
        quoi.as_str(),
        e.login,
        e.personnel_id,
        e.client_id,
        e.adresse,
        e.detail
    ])?;
    Ok(())
}

/// Deletes the events before `before_ms`. Returns how many.
pub fn purge_before(conn: &Connection, before_ms: u64) -> rusqlite::Result<usize> {
    conn.execute(
        "DELETE FROM audit.evenements WHERE at_ms < ?1",
        [before_ms as i64],
    )
}

/// An audited event as read back (the administrator's command, tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ligne {
    pub at_ms: u64,
    pub quoi: String,
    pub login: Option<String>,
    pub personnel_id: Option<String>,
    pub client_id: Option<String>,
    pub adresse: Option<String>,
    pub detail: String,
}

pub fn read_since(conn: &Connection, since_ms: u64) -> rusqlite::Result<Vec<Ligne>> {
    let mut stmt = conn.prepare(
        "SELECT at_ms, quoi, login, personnel_id, client_id, adresse, detail
         FROM audit.evenements WHERE at_ms >= ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([since_ms as i64], |r| {
        Ok(Ligne {
            at_ms: r.get::<_, i64>(0)? as u64,
            quoi: r.get(1)?,
            login: r.get(2)?,
            personnel_id: r.get(3)?,
            client_id: r.get(4)?,
            adresse: r.get(5)?,
            detail: r.get(6)?,
        })
    })?;
    rows.collect()
}
