//! The central's reads of the school's reference data: by scope, and the facts a push is
//! checked against (the tables and their shape are `pupitre_school_db`'s).

use pupitre_domain::{Cible, EntityKind, Personnel, School, Scope};
use rusqlite::{Connection, OptionalExtension, params};

fn bad_column(msg: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, msg.into())
}

fn cible(key: String) -> rusqlite::Result<Cible> {
    Cible::from_key(&key).ok_or_else(|| bad_column(format!("cible invalide {key}")))
}

pub fn personnel(conn: &Connection, id: &str) -> rusqlite::Result<Option<Personnel>> {
    pupitre_school_db::by_key(conn, id)
}

/// How notices and histories name a member of staff ("M. Roux (CPE)"); the id if unknown.
pub fn signature(conn: &Connection, id: &str) -> rusqlite::Result<String> {
    Ok(personnel(conn, id)?.map_or_else(|| id.to_owned(), |p| p.signature()))
}

/// The classes and groups a teacher (`:who`) has: her services', and those of the séances she
/// teaches as a substitute. Her scope, and the log's filter for her (`log::scope_filter`).
pub(crate) const CIBLES_ENSEIGNANT: &str =
    "SELECT cible_key FROM services WHERE enseignant_id = :who
     UNION SELECT sv.cible_key FROM seances se JOIN services sv ON sv.id = se.service_id
     WHERE se.remplacant_id = :who";

/// The séances whose roll call a teacher (`:who`) receives: her services', the ones she
/// substitutes in, and every one of the divisions she is professeur principal of.
pub(crate) const SEANCES_ENSEIGNANT: &str =
    "SELECT se.id FROM seances se JOIN services sv ON sv.id = se.service_id
     WHERE sv.enseignant_id = :who OR se.remplacant_id = :who
        OR sv.cible_key IN (SELECT :division || id FROM divisions WHERE professeur_principal_id = :who)";

/// The divisions whose professeur principal is `:who`.
pub(crate) const DIVISIONS_PRINCIPAL: &str =
    "SELECT id FROM divisions WHERE professeur_principal_id = :who";

/// A user's scope: the whole school, or the targets of the services they teach and the
/// divisions they are professeur principal of.
pub fn scope_of(conn: &Connection, who: &Personnel) -> rusqlite::Result<Scope> {
    let mut stmt = conn.prepare_cached(CIBLES_ENSEIGNANT)?;
    let taught = stmt
        .query_map(rusqlite::named_params! {":who": who.id}, |r| {
            cible(r.get(0)?)
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut stmt = conn.prepare_cached(DIVISIONS_PRINCIPAL)?;
    let principal = stmt
        .query_map(rusqlite::named_params! {":who": who.id}, |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(Scope::for_user(who, taught, principal))
}

/// The professeur principal of a division, if it has one.
pub fn professeur_principal(
    conn: &Connection,
    division_id: &str,
) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached("SELECT professeur_principal_id FROM divisions WHERE id = ?1")?
        .query_row([division_id], |r| r.get(0))
        .optional()
        .map(Option::flatten)
}

/// The target and teacher of a séance, if it exists.
/// The day of a séance.
pub fn seance_date(
    conn: &Connection,
    seance_id: &str,
) -> rusqlite::Result<Option<chrono::NaiveDate>> {
    conn.prepare_cached("SELECT date FROM seances WHERE id = ?1")?
        .query_row([seance_id], |r| r.get::<_, String>(0))
        .optional()
        .map(|d| d.and_then(|d| chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()))
}

pub fn seance_owner(
    conn: &Connection,
    seance_id: &str,
) -> rusqlite::Result<Option<(Cible, String)>> {
    conn.prepare_cached(
        "SELECT sv.cible_key, COALESCE(se.remplacant_id, sv.enseignant_id)
         FROM seances se JOIN services sv ON sv.id = se.service_id
         WHERE se.id = ?1",
    )?
    .query_row([seance_id], |r| Ok((cible(r.get(0)?)?, r.get(1)?)))
    .optional()
}

/// The target and teacher of a service, if it exists.
pub fn service_owner(
    conn: &Connection,
    service_id: &str,
) -> rusqlite::Result<Option<(Cible, String)>> {
    conn.prepare_cached("SELECT cible_key, enseignant_id FROM services WHERE id = ?1")?
        .query_row([service_id], |r| Ok((cible(r.get(0)?)?, r.get(1)?)))
        .optional()
}

/// How a roll-call notice names a pupil in a séance: ("NOM Prénom", division code, start).
pub fn presence_context(
    conn: &Connection,
    seance_id: &str,
    eleve_id: &str,
) -> rusqlite::Result<Option<(String, String, String)>> {
    conn.prepare_cached(
        "SELECT e.nom || ' ' || e.prenom, d.code, se.debut FROM eleves e
         JOIN divisions d ON d.id = e.division_id, seances se
         WHERE e.id = ?1 AND se.id = ?2",
    )?
    .query_row([eleve_id, seance_id], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })
    .optional()
}

/// A pupil with her groups and the divisions she left this year.
pub fn eleve(conn: &Connection, id: &str) -> rusqlite::Result<Option<pupitre_domain::Eleve>> {
    pupitre_school_db::read_eleve(conn, id)
}

/// A pupil's division, if the pupil exists.
pub fn eleve_division(conn: &Connection, eleve_id: &str) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached("SELECT division_id FROM eleves WHERE id = ?1")?
        .query_row([eleve_id], |r| r.get(0))
        .optional()
}

/// Whether a subject exists.
pub fn matiere_exists(conn: &Connection, code: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM matieres WHERE code = ?1)")?
        .query_row([code], |r| r.get(0))
}

/// The label of a period ("1er trimestre"), if it exists.
pub fn periode_libelle(conn: &Connection, periode_id: &str) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached("SELECT libelle FROM periodes WHERE id = ?1")?
        .query_row([periode_id], |r| r.get(0))
        .optional()
}

/// The code of a division ("6A"), if it exists.
pub fn division_code(conn: &Connection, division_id: &str) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached("SELECT code FROM divisions WHERE id = ?1")?
        .query_row([division_id], |r| r.get(0))
        .optional()
}

/// A division's level as its MEF names it (`3EME`); empty when unknown.
pub fn division_niveau(conn: &Connection, division_id: &str) -> rusqlite::Result<String> {
    conn.prepare_cached("SELECT niveau FROM divisions WHERE id = ?1")?
        .query_row([division_id], |r| r.get(0))
        .optional()
        .map(Option::unwrap_or_default)
}

/// The divisions a service's target spans: the division itself, or those of a group's pupils.
pub fn divisions_of(conn: &Connection, target: &Cible) -> rusqlite::Result<Vec<String>> {
    match target {
        Cible::Division(id) => Ok(vec![id.clone()]),
        Cible::Groupe(id) => {
            let mut stmt = conn.prepare_cached(
                "SELECT DISTINCT e.division_id FROM eleves e
                 JOIN eleve_groupes g ON g.eleve_id = e.id WHERE g.groupe_id = ?1 ORDER BY 1",
            )?;
            let rows = stmt.query_map([id], |r| r.get(0))?;
            rows.collect()
        }
        Cible::Etablissement | Cible::VieScolaire => {
            let mut stmt = conn.prepare_cached("SELECT id FROM divisions ORDER BY 1")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            rows.collect()
        }
    }
}

/// The school's periods.
pub fn periodes(conn: &Connection) -> rusqlite::Result<Vec<pupitre_domain::Periode>> {
    pupitre_school_db::read_all(conn)
}

/// Whether a pupil belongs to a division or group.
pub fn eleve_in(conn: &Connection, eleve_id: &str, target: &Cible) -> rusqlite::Result<bool> {
    let (sql, id) = match target {
        // Any stay of this year: her former class keeps what was written for her there.
        Cible::Division(id) => (
            "SELECT EXISTS (SELECT 1 FROM eleve_divisions WHERE eleve_id = ?1 AND division_id = ?2)",
            id.as_str(),
        ),
        Cible::Groupe(id) => (
            "SELECT EXISTS (SELECT 1 FROM eleve_groupes WHERE eleve_id = ?1 AND groupe_id = ?2)",
            id.as_str(),
        ),
        Cible::Etablissement | Cible::VieScolaire => (
            "SELECT EXISTS (SELECT 1 FROM eleves WHERE id = ?1) AND ?2 = ''",
            "",
        ),
    };
    conn.query_row(sql, params![eleve_id, id], |r| r.get(0))
}

/// The reference data a scope sees (`Scope::view_of`).
pub fn read_scoped(conn: &Connection, scope: &Scope) -> rusqlite::Result<School> {
    Ok(scope.view_of(&pupitre_school_db::read_school(conn)?))
}

/// The school the database holds: its UAI and name.
pub fn etablissement(conn: &Connection) -> rusqlite::Result<Option<(String, String)>> {
    conn.prepare_cached("SELECT uai, nom FROM etablissement")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
}

/// The séances whose roll call has begun: the log holds their appel or a pupil's mark in them
/// (a new timetable leaves them as they are).
pub fn seances_tenues(conn: &Connection) -> rusqlite::Result<std::collections::BTreeSet<String>> {
    let mut statement =
        conn.prepare("SELECT DISTINCT entity_id FROM fields WHERE kind IN (?1, ?2)")?;
    let ids = statement.query_map(
        params![EntityKind::Appel.as_str(), EntityKind::Presence.as_str()],
        |r| r.get::<_, String>(0),
    )?;
    let mut tenues = std::collections::BTreeSet::new();
    for id in ids {
        let id = id?;
        // A mark's id is `<séance>/<élève>`; an appel's, the séance's.
        let seance = id.split_once('/').map_or(id.as_str(), |(s, _)| s);
        tenues.insert(seance.to_owned());
    }
    Ok(tenues)
}
