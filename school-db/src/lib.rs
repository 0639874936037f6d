//! SQLite pieces shared by the central's and the replica's stores: opening a file only if it is
//! ours, running migrations, and the school's reference tables (their shape: `tables`).
//!
//! It knows the reference data only: no sync state, no merge rule, no scope policy (`domain`
//! decides what a scope sees).

pub mod tables;

use pupitre_domain::{Eleve, Etablissement, Passage, School};
use rusqlite::{Connection, Transaction, params};
use std::collections::BTreeMap;
use std::path::Path;
pub use tables::{Table, by_key, insert_all, read_all};

/// The reference tables' DDL, part of both stores' first migration.
pub const SCHOOL_SQL: &str = include_str!("school.sql");
/// The periods table, part of both stores' second migration.
pub const PERIODES_SQL: &str = include_str!("periodes.sql");
/// The pupils' dates and stays in divisions, part of both stores' later migrations.
pub const PARCOURS_SQL: &str = include_str!("parcours.sql");
/// The pupils' legal guardians, part of both stores' later migrations.
pub const RESPONSABLES_SQL: &str = include_str!("responsables.sql");
/// Séances taught by a substitute, part of both stores' later migrations.
pub const REMPLACEMENTS_SQL: &str = include_str!("remplacements.sql");

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("le fichier {0} n'est pas une base Pupitre")]
    NotOurs(String),
    /// Written by a newer release: opening it here could misread what it holds.
    #[error(
        "le fichier {path} vient d'une version plus récente (schéma {found}, celle-ci connaît {known})"
    )]
    Newer {
        path: String,
        found: usize,
        known: usize,
    },
    #[error("base de données : {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("fichier : {0}")]
    Io(#[from] std::io::Error),
}

/// Opens (or creates) a database whose `PRAGMA application_id` is `application_id`, in WAL mode
/// with `synchronous = FULL` (a committed transaction survives a crash or a power cut), then
/// runs the migrations not yet run, all in one transaction. Each migration is a list of SQL
/// scripts; `PRAGMA user_version` counts them. A file that is not ours, or that a newer release
/// wrote (more migrations than these), is refused and left untouched.
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
    let done: usize = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if done > migrations.len() {
        return Err(OpenError::Newer {
            path: path.display().to_string(),
            found: done,
            known: migrations.len(),
        });
    }
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
    )?;
    if !existed {
        conn.pragma_update(None, "application_id", application_id)?;
    }
    if done < migrations.len() {
        // Every pending migration in one transaction: a crash or a failing script leaves the
        // file as the previous release wrote it.
        let tx = conn.transaction()?;
        for sql in migrations
            .iter()
            .skip(done)
            .flat_map(|scripts| scripts.iter())
        {
            tx.execute_batch(sql)?;
        }
        tx.pragma_update(None, "user_version", migrations.len())?;
        tx.commit()?;
    }
    Ok(conn)
}

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
    // Dependents first, for the foreign keys.
    tx.execute_batch(
        "DELETE FROM responsables; DELETE FROM periodes; DELETE FROM seances; DELETE FROM services; DELETE FROM matieres;
         DELETE FROM personnels; DELETE FROM eleve_groupes; DELETE FROM eleve_divisions;
         DELETE FROM eleves;
         DELETE FROM groupes; DELETE FROM divisions; DELETE FROM etablissement;",
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
        + s.periodes.len()
        + s.responsables.len();
    let mut done = 0;
    let mut tick = |n: usize| {
        done += n;
        progress(done, total);
    };
    insert_all(tx, std::slice::from_ref(&s.etablissement), &mut tick)?;
    insert_all(tx, &s.divisions, &mut tick)?;
    insert_all(tx, &s.groupes, &mut tick)?;
    insert_all(tx, &s.eleves, &mut tick)?;
    let mut member =
        tx.prepare("INSERT INTO eleve_groupes (eleve_id, groupe_id) VALUES (?1, ?2)")?;
    let mut stay = tx.prepare(
        "INSERT INTO eleve_divisions (eleve_id, division_id, depuis, jusqu_au) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for e in &s.eleves {
        for g in &e.groupe_ids {
            member.execute(params![e.id, g])?;
        }
        for sejour in e.sejours() {
            let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string());
            stay.execute(params![
                e.id,
                sejour.division_id,
                date(sejour.depuis),
                date(sejour.jusqu_au)
            ])?;
        }
    }
    insert_all(tx, &s.personnels, &mut tick)?;
    insert_all(tx, &s.matieres, &mut tick)?;
    insert_all(tx, &s.services, &mut tick)?;
    insert_all(tx, &s.seances, &mut tick)?;
    insert_all(tx, &s.periodes, &mut tick)?;
    insert_all(tx, &s.responsables, &mut tick)?;
    Ok(())
}

/// One pupil as stored, with her groups and the divisions she left.
pub fn read_eleve(conn: &Connection, id: &str) -> rusqlite::Result<Option<Eleve>> {
    let Some(mut eleve) = by_key::<Eleve>(conn, id)? else {
        return Ok(None);
    };
    let mut groupes = conn.prepare_cached(
        "SELECT groupe_id FROM eleve_groupes WHERE eleve_id = ?1 ORDER BY groupe_id",
    )?;
    eleve.groupe_ids = groupes
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    eleve.passages = passages(conn, Some(id))?.remove(id).unwrap_or_default();
    Ok(Some(eleve))
}

/// The divisions pupils left (of one pupil, or of all), by pupil, oldest first.
fn passages(
    conn: &Connection,
    eleve: Option<&str>,
) -> rusqlite::Result<BTreeMap<String, Vec<Passage>>> {
    let mut left: BTreeMap<String, Vec<Passage>> = BTreeMap::new();
    let mut stmt = conn.prepare_cached(
        "SELECT eleve_id, division_id, jusqu_au FROM eleve_divisions
         WHERE jusqu_au IS NOT NULL AND (?1 IS NULL OR eleve_id = ?1) ORDER BY jusqu_au",
    )?;
    for row in stmt.query_map([eleve], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })? {
        let (e, division_id, jusqu_au) = row?;
        let jusqu_au = jusqu_au.parse().map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(2, rusqlite::types::Type::Text, Box::new(e))
        })?;
        left.entry(e).or_default().push(Passage {
            division_id,
            jusqu_au,
        });
    }
    Ok(left)
}

/// The whole school as stored, each table in its order.
pub fn read_school(conn: &Connection) -> rusqlite::Result<School> {
    let etablissement = read_all::<Etablissement>(conn)?
        .into_iter()
        .next()
        .ok_or(rusqlite::Error::QueryReturnedNoRows)?;
    let mut memberships: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut stmt =
        conn.prepare("SELECT eleve_id, groupe_id FROM eleve_groupes ORDER BY groupe_id")?;
    for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
        let (e, g) = row?;
        memberships.entry(e).or_default().push(g);
    }
    let mut left = passages(conn, None)?;
    let mut eleves = read_all::<Eleve>(conn)?;
    for e in &mut eleves {
        e.groupe_ids = memberships.remove(&e.id).unwrap_or_default();
        e.passages = left.remove(&e.id).unwrap_or_default();
    }
    Ok(School {
        etablissement,
        divisions: read_all(conn)?,
        groupes: read_all(conn)?,
        eleves,
        personnels: read_all(conn)?,
        matieres: read_all(conn)?,
        services: read_all(conn)?,
        seances: read_all(conn)?,
        periodes: read_all(conn)?,
        responsables: read_all(conn)?,
    })
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

    #[test]
    fn a_file_from_a_newer_release_is_refused_and_left_untouched() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("ours.sqlite");
        let v1: &[&str] = &["CREATE TABLE a (x);"];
        let v2: &[&str] = &["INSERT INTO a VALUES (2);"];
        drop(open(&path, APP, &[v1, v2]).expect("the newer release writes it"));
        let before = std::fs::read(&path).expect("read");
        let refused = open(&path, APP, &[v1]);
        assert!(
            matches!(
                refused,
                Err(OpenError::Newer {
                    found: 2,
                    known: 1,
                    ..
                })
            ),
            "{refused:?}"
        );
        assert_eq!(
            std::fs::read(&path).expect("read"),
            before,
            "left untouched"
        );
    }

    /// A small school with every table and every kind of column: a pupil in a group, a
    /// group service, an accent, a séance's times.
    fn small_school() -> School {
        use pupitre_domain::{
            Cible, Division, Fonction, Groupe, Matiere, Periode, Personnel, Seance, Service, Uai,
        };
        let date = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).expect("valid date");
        School {
            etablissement: Etablissement {
                uai: Uai::from_number(670_001).expect("valid UAI"),
                nom: "Collège Émile-Zola".into(),
                commune: "Sélestat".into(),
            },
            divisions: vec![
                Division {
                    id: "D5A".into(),
                    code: "5A".into(),
                    niveau: "5EME".into(),
                },
                Division {
                    id: "D5B".into(),
                    code: "5B".into(),
                    niveau: "5EME".into(),
                },
            ],
            groupes: vec![Groupe {
                id: "G5ESP".into(),
                code: "5ESP".into(),
                libelle: "5e espagnol".into(),
            }],
            eleves: vec![Eleve {
                id: "1001".into(),
                ine: "1234567890A".into(),
                nom: "ÉLOI".into(),
                prenom: "Zoé".into(),
                date_naissance: date(2014, 2, 28),
                division_id: "D5A".into(),
                groupe_ids: vec!["G5ESP".into()],
                date_entree: Some(date(2026, 9, 14)),
                date_sortie: None,
                // In 5B until the autumn holidays, then in 5A.
                passages: vec![Passage {
                    division_id: "D5B".into(),
                    jusqu_au: date(2026, 10, 16),
                }],
            }],
            personnels: vec![Personnel {
                id: "P1".into(),
                civilite: "Mme".into(),
                nom: "GARCIA".into(),
                prenom: "Inès".into(),
                fonction: Fonction::Enseignant,
            }],
            matieres: vec![Matiere {
                code: "030602".into(),
                code_gestion: "ESP2".into(),
                libelle: "ESPAGNOL LV2".into(),
            }],
            services: vec![Service {
                id: "SV1".into(),
                enseignant_id: "P1".into(),
                matiere_code: "030602".into(),
                cible: Cible::Groupe("G5ESP".into()),
                coefficient: 1.5,
            }],
            seances: vec![Seance {
                id: "S1".into(),
                service_id: "SV1".into(),
                date: date(2026, 11, 23),
                debut: "13:40".parse().expect("valid time"),
                fin: "14:35".parse().expect("valid time"),
                salle: "B210".into(),
                remplacant_id: None,
            }],
            periodes: vec![Periode {
                id: "T1".into(),
                libelle: "1er trimestre".into(),
                debut: date(2026, 9, 1),
                fin: date(2026, 11, 30),
            }],
            responsables: vec![pupitre_domain::Responsable {
                id: "R1".into(),
                eleve_id: "1001".into(),
                civilite: "Mme".into(),
                nom: "Dupont-Lefèvre".into(),
                prenom: "Hélène".into(),
                lien: "Mère".into(),
                telephone: None,
                mail: Some("helene.dupont@example.org".into()),
            }],
        }
    }

    #[test]
    fn a_school_reads_back_as_written() {
        let dir = tempfile::tempdir().expect("tempdir");
        let migrations: &[&[&str]] = &[&[
            SCHOOL_SQL,
            PERIODES_SQL,
            PARCOURS_SQL,
            RESPONSABLES_SQL,
            REMPLACEMENTS_SQL,
        ]];
        let mut conn = open(&dir.path().join("s.sqlite"), APP, migrations).expect("open");
        let school = small_school();
        let tx = conn.transaction().expect("tx");
        let mut reported = Vec::new();
        replace_school(&tx, &school, &mut |done, total| {
            reported.push((done, total))
        })
        .expect("write");
        tx.commit().expect("commit");
        assert_eq!(read_school(&conn).expect("read"), school);
        assert_eq!(
            reported.last(),
            Some(&(11, 11)),
            "progress reaches the total"
        );
        let found: Option<pupitre_domain::Personnel> = by_key(&conn, "P1").expect("find");
        assert_eq!(found.as_ref(), school.personnels.first());
        assert!(holds_a_school(&conn).expect("holds"));
        // Written again: replaced, not doubled.
        let tx = conn.transaction().expect("tx");
        replace_school(&tx, &school, &mut |_, _| {}).expect("rewrite");
        tx.commit().expect("commit");
        assert_eq!(read_school(&conn).expect("read"), school);
    }
}
