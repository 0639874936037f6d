//! SQLite pieces shared by the central's and the replica's stores: opening a file only if it is
//! ours, running migrations, and the school's reference tables.

use pupitre_domain::School;
use rusqlite::{Connection, Transaction, params};
use std::path::Path;

/// The reference tables' DDL, part of both stores' first migration.
pub const SCHOOL_SQL: &str = include_str!("school.sql");
/// The periods table, part of both stores' second migration.
pub const PERIODES_SQL: &str = include_str!("periodes.sql");

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("le fichier {0} n'est pas une base Pupitre")]
    NotOurs(String),
    #[error("base de données : {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("fichier : {0}")]
    Io(#[from] std::io::Error),
}

/// Opens (or creates) a database whose `PRAGMA application_id` is `application_id`, in WAL mode
/// with `synchronous = FULL` (a committed transaction survives a crash or a power cut), then
/// runs the migrations not yet run. Each migration is a list of SQL scripts run in one
/// transaction; `PRAGMA user_version` counts them. A file that is not ours is left untouched.
pub fn open(
    path: &Path,
    application_id: i64,
    migrations: &[&[&str]],
) -> Result<Connection, OpenError> {
    let not_ours = || OpenError::NotOurs(path.display().to_string());
    let existed = path.exists() && std::fs::metadata(path)?.len() > 0;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut conn = Connection::open(path)?;
    // Reading the header is what fails on a file that is not SQLite at all.
    let found: i64 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .map_err(|_| not_ours())?;
    if existed && found != application_id {
        return Err(not_ours());
    }
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
    )?;
    if !existed {
        conn.pragma_update(None, "application_id", application_id)?;
    }
    let done: usize = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (i, scripts) in migrations.iter().enumerate().skip(done) {
        let tx = conn.transaction()?;
        for sql in *scripts {
            tx.execute_batch(sql)?;
        }
        tx.pragma_update(None, "user_version", i + 1)?;
        tx.commit()?;
    }
    Ok(conn)
}

/// Rows written between two progress reports.
const CHUNK: usize = 2000;

/// Whether a school was ever written here.
pub fn holds_a_school(conn: &Connection) -> rusqlite::Result<bool> {
    conn.query_row("SELECT EXISTS (SELECT 1 FROM etablissement)", [], |r| {
        r.get(0)
    })
}

/// Replaces the reference data by `school`'s, reporting `(done, total)` rows as it goes.
pub fn replace_school(
    tx: &Transaction<'_>,
    school: &School,
    progress: &mut dyn FnMut(usize, usize),
) -> rusqlite::Result<()> {
    tx.execute_batch(
        "DELETE FROM periodes; DELETE FROM seances; DELETE FROM services; DELETE FROM matieres; DELETE FROM personnels;
         DELETE FROM eleve_groupes; DELETE FROM eleves; DELETE FROM groupes; DELETE FROM divisions;
         DELETE FROM etablissement;",
    )?;
    let s = school;
    let total = 1
        + s.divisions.len()
        + s.groupes.len()
        + s.eleves.len()
        + s.personnels.len()
        + s.matieres.len()
        + s.services.len()
        + s.seances.len()
        + s.periodes.len();
    let mut done = 0;
    let mut tick = |n: usize| {
        done += n;
        progress(done, total);
    };
    let e = &s.etablissement;
    tx.execute(
        "INSERT INTO etablissement (uai, nom, commune) VALUES (?1, ?2, ?3)",
        params![e.uai.as_str(), e.nom, e.commune],
    )?;
    let mut stmt = tx.prepare("INSERT INTO divisions (id, code, niveau) VALUES (?1, ?2, ?3)")?;
    for d in &s.divisions {
        stmt.execute(params![d.id, d.code, d.niveau])?;
    }
    let mut stmt = tx.prepare("INSERT INTO groupes (id, code, libelle) VALUES (?1, ?2, ?3)")?;
    for g in &s.groupes {
        stmt.execute(params![g.id, g.code, g.libelle])?;
    }
    tick(1 + s.divisions.len() + s.groupes.len());
    let mut stmt = tx.prepare(
        "INSERT INTO eleves (id, ine, nom, prenom, date_naissance, division_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    let mut member =
        tx.prepare("INSERT INTO eleve_groupes (eleve_id, groupe_id) VALUES (?1, ?2)")?;
    for e in &s.eleves {
        stmt.execute(params![
            e.id,
            e.ine,
            e.nom,
            e.prenom,
            e.date_naissance.to_string(),
            e.division_id
        ])?;
        for g in &e.groupe_ids {
            member.execute(params![e.id, g])?;
        }
    }
    tick(s.eleves.len());
    let mut stmt = tx.prepare(
        "INSERT INTO personnels (id, civilite, nom, prenom, fonction) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for p in &s.personnels {
        stmt.execute(params![
            p.id,
            p.civilite,
            p.nom,
            p.prenom,
            p.fonction.as_str()
        ])?;
    }
    let mut stmt =
        tx.prepare("INSERT INTO matieres (code, code_gestion, libelle) VALUES (?1, ?2, ?3)")?;
    for m in &s.matieres {
        stmt.execute(params![m.code, m.code_gestion, m.libelle])?;
    }
    let mut stmt = tx.prepare(
        "INSERT INTO services (id, enseignant_id, matiere_code, cible_key, coefficient) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for sv in &s.services {
        stmt.execute(params![
            sv.id,
            sv.enseignant_id,
            sv.matiere_code,
            sv.cible.key(),
            sv.coefficient
        ])?;
    }
    tick(s.personnels.len() + s.matieres.len() + s.services.len());
    let mut stmt = tx.prepare(
        "INSERT INTO seances (id, service_id, date, debut, fin, salle) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for chunk in s.seances.chunks(CHUNK) {
        for se in chunk {
            let (date, debut, fin) = (
                se.date.to_string(),
                se.debut.to_string(),
                se.fin.to_string(),
            );
            stmt.execute(params![se.id, se.service_id, date, debut, fin, se.salle])?;
        }
        tick(chunk.len());
    }
    let mut stmt =
        tx.prepare("INSERT INTO periodes (id, libelle, debut, fin) VALUES (?1, ?2, ?3, ?4)")?;
    for p in &s.periodes {
        stmt.execute(params![
            p.id,
            p.libelle,
            p.debut.to_string(),
            p.fin.to_string()
        ])?;
    }
    tick(s.periodes.len());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const APP: i64 = 0x7465_7374;

    #[test]
    fn refuses_foreign_files_and_leaves_them_untouched() {
        let dir = tempfile::tempdir().expect("tempdir");
        let text = dir.path().join("notes.sqlite");
        std::fs::write(&text, b"bulletins, ne pas effacer").expect("write");
        assert!(matches!(open(&text, APP, &[]), Err(OpenError::NotOurs(_))));
        assert_eq!(
            std::fs::read(&text).expect("read"),
            b"bulletins, ne pas effacer"
        );

        let other = dir.path().join("other.sqlite");
        let conn = Connection::open(&other).expect("open");
        conn.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
            .expect("create");
        drop(conn);
        assert!(matches!(open(&other, APP, &[]), Err(OpenError::NotOurs(_))));
        let conn = Connection::open(&other).expect("reopen");
        let n: i64 = conn
            .query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
            .expect("count");
        assert_eq!(n, 1);
    }

    #[test]
    fn migrations_run_once_and_in_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("ours.sqlite");
        let v1: &[&str] = &["CREATE TABLE a (x);", "INSERT INTO a VALUES (1);"];
        let v2: &[&str] = &["INSERT INTO a VALUES (2);"];
        drop(open(&path, APP, &[v1]).expect("create"));
        let conn = open(&path, APP, &[v1, v2]).expect("upgrade");
        drop(conn);
        let conn = open(&path, APP, &[v1, v2]).expect("reopen");
        let rows: Vec<i64> = conn
            .prepare("SELECT x FROM a ORDER BY x")
            .expect("prepare")
            .query_map([], |r| r.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        assert_eq!(rows, [1, 2]);
        assert!(matches!(
            open(&path, APP + 1, &[]),
            Err(OpenError::NotOurs(_))
        ));
    }
}
