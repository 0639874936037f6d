//! SQLite pieces shared by the central's and the replica's stores: opening a file only if it is
//! ours, running migrations, and the school's reference tables (their shape: `tables`).
//!
//! It knows the reference data only: no sync state, no merge rule, no scope policy (`domain`
//! decides what a scope sees).

pub mod mouvements;
pub mod tables;

pub use mouvements::appliquer;
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
/// Migration: divisions' professeur principal; pupils' INE and birth dates in their own table.
pub const ROLES_SQL: &str = include_str!("roles.sql");

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
    /// Encrypted under another key (another person's replica), or not encrypted at all.
    #[error("le fichier {0} ne s'ouvre pas avec cette clé")]
    WrongKey(String),
    #[error("base de données : {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("fichier : {0}")]
    Io(#[from] std::io::Error),
}

/// The raw 256-bit key of an encrypted file (SQLCipher). Its holder keeps it in memory only as
/// long as the file is open (see the replica's `cle`).
pub type Key = [u8; 32];

/// Whether the file at `path` is a plain (unencrypted) SQLite file: its header says so in clear.
/// An encrypted file's first page is indistinguishable from random bytes.
pub fn is_plain(path: &Path) -> std::io::Result<bool> {
    use std::io::Read;
    let mut header = [0u8; 16];
    let mut file = std::fs::File::open(path)?;
    match file.read_exact(&mut header) {
        Ok(()) => Ok(&header == b"SQLite format 3\0"),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(e),
    }
}

/// The `application_id` and `user_version` of an open file.
fn ids(conn: &Connection) -> rusqlite::Result<(i64, usize)> {
    conn.query_row(
        "SELECT (SELECT application_id FROM pragma_application_id), \
                (SELECT user_version FROM pragma_user_version)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
}

/// Opens a plain file read-only, after `open`'s checks (ours, not written by a newer release
/// than one that knows `known` migrations), changing nothing in it.
pub fn open_plain_read_only(
    path: &Path,
    application_id: i64,
    known: usize,
) -> Result<Connection, OpenError> {
    let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let (found, done) = ids(&conn).map_err(|_| OpenError::NotOurs(path.display().to_string()))?;
    if found != application_id {
        return Err(OpenError::NotOurs(path.display().to_string()));
    }
    if done > known {
        return Err(OpenError::Newer {
            path: path.display().to_string(),
            found: done,
            known,
        });
    }
    Ok(conn)
}

/// `PRAGMA key` with a raw key: SQLCipher uses it as is (no passphrase derivation, which
/// the caller already did with argon2id). `schema` is `main` or an attached database.
pub fn apply_key(conn: &Connection, schema: &str, key: &Key) -> rusqlite::Result<()> {
    let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    conn.execute_batch(&format!("PRAGMA {schema}.key = \"x'{hex}'\";"))
}

/// Encrypts the plain database at `path` under `key`, in place and whole: the encrypted copy is
/// written beside it, synced, then renamed over it, so a crash leaves either file, never half
/// of one. Run with no other connection open on `path`.
pub fn encrypt_in_place(path: &Path, key: &Key) -> Result<(), OpenError> {
    let tmp = path.with_extension("chiffrement");
    let _ = std::fs::remove_file(&tmp);
    {
        let conn = Connection::open(path)?;
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
        let (app, version) = ids(&conn)?;
        conn.execute("ATTACH DATABASE ?1 AS chiffre", [tmp.display().to_string()])?;
        apply_key(&conn, "chiffre", key)?;
        conn.query_row("SELECT sqlcipher_export('chiffre')", [], |_| Ok(()))?;
        conn.pragma_update(Some("chiffre"), "application_id", app)?;
        conn.pragma_update(Some("chiffre"), "user_version", version)?;
        conn.execute_batch("DETACH DATABASE chiffre;")?;
    }
    std::fs::File::open(&tmp)?.sync_all()?;
    std::fs::rename(&tmp, path)?;
    // What is left of the plain file's journal is empty after the checkpoint; it must not be
    // read as the encrypted file's.
    for suffix in ["-wal", "-shm"] {
        let side = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
        match std::fs::remove_file(&side) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
            _ => {}
        }
    }
    Ok(())
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
    open_with(path, None, application_id, migrations)
}

/// `open` for a file encrypted under `key` (created encrypted when new). A wrong key, or a
/// plain file, is `WrongKey`, and the file is left untouched.
pub fn open_encrypted(
    path: &Path,
    key: &Key,
    application_id: i64,
    migrations: &[&[&str]],
) -> Result<Connection, OpenError> {
    open_with(path, Some(key), application_id, migrations)
}

fn open_with(
    path: &Path,
    key: Option<&Key>,
    application_id: i64,
    migrations: &[&[&str]],
) -> Result<Connection, OpenError> {
    let not_ours = || OpenError::NotOurs(path.display().to_string());
    let existed = path.exists() && std::fs::metadata(path)?.len() > 0;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut conn = Connection::open(path)?;
    restrict_to_owner(path)?;
    if let Some(key) = key {
        apply_key(&conn, "main", key)?;
    }
    // Reading the header is what fails on a file that is not SQLite at all, or not under
    // this key.
    let found: i64 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .map_err(|_| match key {
            Some(_) => OpenError::WrongKey(path.display().to_string()),
            None => not_ours(),
        })?;
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
    // A second process on the same file (an import while the central serves) waits for the
    // other's transaction rather than fail.
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;
         PRAGMA busy_timeout = 10000;",
    )?;
    if !existed {
        conn.pragma_update(None, "application_id", application_id)?;
    }
    if key.is_some() {
        // Every page read from an encrypted file is decrypted and authenticated: a page cache
        // that holds a school year's working set (32 MiB) keeps reads from paying it again.
        // And no spilling of a transaction larger than the cache: after a snapshot written
        // with spills, every read of the connection paid again and again (a gradebook grid
        // opened 10 to 20 times slower, `pupitre-bench-notes` (c)); a transaction's pages stay
        // in memory until its commit instead (a whole school's snapshot: tens of MiB). And a
        // checkpoint every 10,000 pages of WAL, not 1,000: a page the sync rewrites page after
        // page of changes is copied back once, not ten times (`pupitre-bench` (a): +25 %).
        conn.execute_batch(
            "PRAGMA cache_size = -32768; PRAGMA cache_spill = OFF; PRAGMA wal_autocheckpoint = 10000;",
        )?;
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

/// Makes a database file readable by its owner only (SQLite gives its `-wal` and `-shm` files
/// the database's mode). A school's data is never world-readable, whatever the umask.
pub fn restrict_to_owner(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
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
        "UPDATE divisions SET professeur_principal_id = NULL;
         DELETE FROM eleve_etats_civils; DELETE FROM responsables; DELETE FROM periodes; DELETE FROM seances; DELETE FROM services; DELETE FROM matieres;
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
        + s.responsables.len()
        + s.etats_civils.len();
    let mut done = 0;
    let mut tick = |n: usize| {
        done += n;
        progress(done, total);
    };
    insert_all(tx, std::slice::from_ref(&s.etablissement), &mut tick)?;
    insert_all(tx, &s.personnels, &mut tick)?;
    insert_all(tx, &s.divisions, &mut tick)?;
    insert_all(tx, &s.groupes, &mut tick)?;
    insert_all(tx, &s.eleves, &mut tick)?;
    for e in &s.eleves {
        insert_eleve_links(tx, e)?;
    }
    insert_all(tx, &s.matieres, &mut tick)?;
    insert_all(tx, &s.services, &mut tick)?;
    insert_all(tx, &s.seances, &mut tick)?;
    insert_all(tx, &s.periodes, &mut tick)?;
    insert_all(tx, &s.responsables, &mut tick)?;
    insert_all(tx, &s.etats_civils, &mut tick)?;
    Ok(())
}

/// Writes a pupil's groups and stays in divisions (`Eleve::sejours`).
pub(crate) fn insert_eleve_links(tx: &Transaction<'_>, e: &Eleve) -> rusqlite::Result<()> {
    let mut member =
        tx.prepare_cached("INSERT INTO eleve_groupes (eleve_id, groupe_id) VALUES (?1, ?2)")?;
    for g in &e.groupe_ids {
        member.execute(params![e.id, g])?;
    }
    let mut stay = tx.prepare_cached(
        "INSERT INTO eleve_divisions (eleve_id, division_id, depuis, jusqu_au) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for sejour in e.sejours() {
        let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string());
        stay.execute(params![
            e.id,
            sejour.division_id,
            date(sejour.depuis),
            date(sejour.jusqu_au)
        ])?;
    }
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
        etats_civils: read_all(conn)?,
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

    fn rows(conn: &Connection) -> Vec<String> {
        conn.prepare("SELECT x FROM a ORDER BY x")
            .and_then(|mut st| st.query_map([], |r| r.get(0))?.collect())
            .expect("rows")
    }

    #[test]
    fn an_encrypted_file_holds_nothing_in_clear_and_opens_under_its_key_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("chiffre.sqlite");
        let key: Key = [7; 32];
        let v1: &[&str] = &["CREATE TABLE a (x TEXT); INSERT INTO a VALUES ('Éloïse Dupont');"];
        drop(open_encrypted(&path, &key, APP, &[v1]).expect("create"));
        let conn = open_encrypted(&path, &key, APP, &[v1]).expect("reopen");
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
            .expect("checkpoint");
        assert_eq!(rows(&conn), ["Éloïse Dupont"]);
        drop(conn);
        let bytes = std::fs::read(&path).expect("read");
        assert!(!is_plain(&path).expect("header"));
        assert!(!bytes.windows(6).any(|w| w == b"Dupont"), "a name in clear");
        let before = bytes.clone();
        for wrong in [[8u8; 32], [0u8; 32]] {
            assert!(matches!(
                open_encrypted(&path, &wrong, APP, &[v1]),
                Err(OpenError::WrongKey(_))
            ));
        }
        assert!(matches!(
            open(&path, APP, &[v1]),
            Err(OpenError::NotOurs(_))
        ));
        assert_eq!(
            std::fs::read(&path).expect("read"),
            before,
            "left untouched"
        );
    }

    #[test]
    fn a_plain_file_is_encrypted_in_place_with_its_data_and_version() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("ancien.sqlite");
        let v1: &[&str] = &["CREATE TABLE a (x TEXT); INSERT INTO a VALUES ('Martin');"];
        let v2: &[&str] = &["INSERT INTO a VALUES ('Zoé');"];
        drop(open(&path, APP, &[v1, v2]).expect("plain"));
        assert!(is_plain(&path).expect("header"));
        let key: Key = [42; 32];
        assert!(matches!(
            open_encrypted(&path, &key, APP, &[v1, v2]),
            Err(OpenError::WrongKey(_))
        ));
        encrypt_in_place(&path, &key).expect("encrypt");
        assert!(!is_plain(&path).expect("header"));
        assert!(!dir.path().join("ancien.chiffrement").exists());
        let conn = open_encrypted(&path, &key, APP, &[v1, v2]).expect("open encrypted");
        assert_eq!(rows(&conn), ["Martin", "Zoé"], "no migration ran twice");
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

    /// Every reference table's migration, as one.
    const ALL_SCHOOL_SQL: &[&[&str]] = &[&[
        SCHOOL_SQL,
        PERIODES_SQL,
        PARCOURS_SQL,
        RESPONSABLES_SQL,
        REMPLACEMENTS_SQL,
        ROLES_SQL,
    ]];

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
                    professeur_principal_id: Some("P1".into()),
                },
                Division {
                    id: "D5B".into(),
                    code: "5B".into(),
                    niveau: "5EME".into(),
                    professeur_principal_id: None,
                },
            ],
            groupes: vec![Groupe {
                id: "G5ESP".into(),
                code: "5ESP".into(),
                libelle: "5e espagnol".into(),
            }],
            eleves: vec![Eleve {
                id: "1001".into(),
                nom: "ÉLOI".into(),
                prenom: "Zoé".into(),
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
            etats_civils: vec![pupitre_domain::EtatCivil {
                eleve_id: "1001".into(),
                ine: "1234567890A".into(),
                date_naissance: date(2014, 2, 28),
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
        let migrations = ALL_SCHOOL_SQL;
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
            Some(&(12, 12)),
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

    #[test]
    fn moves_take_the_tables_from_one_school_to_the_next() {
        use pupitre_domain::referentiel::mouvements;
        let dir = tempfile::tempdir().expect("tempdir");
        let migrations = ALL_SCHOOL_SQL;
        let mut conn = open(&dir.path().join("s.sqlite"), APP, migrations).expect("open");
        let avant = small_school();
        let tx = conn.transaction().expect("tx");
        replace_school(&tx, &avant, &mut |_, _| {}).expect("write");
        tx.commit().expect("commit");
        // The pupil goes back to 5B, her group left, the teacher renamed, the séance gone with
        // its service, a second teacher arrives and the guardian leaves.
        let mut apres = avant.clone();
        apres.eleves[0].division_id = "D5B".into();
        apres.eleves[0].groupe_ids.clear();
        apres.eleves[0].passages[0].division_id = "D5A".into();
        apres.personnels[0].nom = "GARCIA-LOPEZ".into();
        apres.personnels.push(pupitre_domain::Personnel {
            id: "P2".into(),
            ..apres.personnels[0].clone()
        });
        apres.divisions[0].professeur_principal_id = Some("P2".into());
        apres.seances.clear();
        apres.services.clear();
        apres.responsables.clear();
        for way in [(&avant, &apres), (&apres, &avant)] {
            let tx = conn.transaction().expect("tx");
            for m in mouvements(way.0, way.1) {
                appliquer(&tx, &m).expect("move");
            }
            tx.commit().expect("commit");
            let mut read = read_school(&conn).expect("read");
            read.personnels.sort_by(|a, b| a.id.cmp(&b.id));
            assert_eq!(&read, way.1);
        }
    }
}
