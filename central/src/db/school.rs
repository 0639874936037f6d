//! Reading the school's reference data by scope (the tables are `pupitre_school_db`'s).

use chrono::NaiveDate;
use pupitre_domain::{
    Cible, Division, Eleve, Etablissement, Fonction, Groupe, Matiere, Periode, Personnel, School,
    Scope, Seance, Service,
};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::BTreeMap;

fn parse_fonction(s: &str) -> rusqlite::Result<Fonction> {
    Fonction::parse(s).ok_or_else(|| bad_column(format!("fonction inconnue {s}")))
}

fn bad_column(msg: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, msg.into())
}

fn parse<T: std::str::FromStr>(s: String) -> rusqlite::Result<T>
where
    T::Err: std::fmt::Display,
{
    s.parse().map_err(|e: T::Err| bad_column(e.to_string()))
}

fn cible(key: String) -> rusqlite::Result<Cible> {
    Cible::from_key(&key).ok_or_else(|| bad_column(format!("cible invalide {key}")))
}

pub fn personnel(conn: &Connection, id: &str) -> rusqlite::Result<Option<Personnel>> {
    conn.query_row(
        "SELECT id, civilite, nom, prenom, fonction FROM personnels WHERE id = ?1",
        [id],
        row_personnel,
    )
    .optional()
}

/// How notices and histories name a member of staff ("M. Roux (CPE)"); the id if unknown.
pub fn signature(conn: &Connection, id: &str) -> rusqlite::Result<String> {
    Ok(personnel(conn, id)?.map_or_else(|| id.to_owned(), |p| p.signature()))
}

fn row_personnel(r: &rusqlite::Row<'_>) -> rusqlite::Result<Personnel> {
    Ok(Personnel {
        id: r.get(0)?,
        civilite: r.get(1)?,
        nom: r.get(2)?,
        prenom: r.get(3)?,
        fonction: parse_fonction(&r.get::<_, String>(4)?)?,
    })
}

/// A user's scope: the whole school, or the targets of the services they teach.
pub fn scope_of(conn: &Connection, who: &Personnel) -> rusqlite::Result<Scope> {
    let mut stmt =
        conn.prepare("SELECT DISTINCT cible_key FROM services WHERE enseignant_id = ?1")?;
    let taught = stmt
        .query_map([&who.id], |r| cible(r.get(0)?))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Scope::for_user(who.fonction, taught))
}

/// The target and teacher of a séance, if it exists.
pub fn seance_owner(
    conn: &Connection,
    seance_id: &str,
) -> rusqlite::Result<Option<(Cible, String)>> {
    conn.query_row(
        "SELECT sv.cible_key, sv.enseignant_id FROM seances se JOIN services sv ON sv.id = se.service_id
         WHERE se.id = ?1",
        [seance_id],
        |r| Ok((cible(r.get(0)?)?, r.get(1)?)),
    )
    .optional()
}

/// The target and teacher of a service, if it exists.
pub fn service_owner(
    conn: &Connection,
    service_id: &str,
) -> rusqlite::Result<Option<(Cible, String)>> {
    conn.query_row(
        "SELECT cible_key, enseignant_id FROM services WHERE id = ?1",
        [service_id],
        |r| Ok((cible(r.get(0)?)?, r.get(1)?)),
    )
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

/// A pupil's division, if the pupil exists.
pub fn eleve_division(conn: &Connection, eleve_id: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT division_id FROM eleves WHERE id = ?1",
        [eleve_id],
        |r| r.get(0),
    )
    .optional()
}

/// The label of a period ("1er trimestre"), if it exists.
pub fn periode_libelle(conn: &Connection, periode_id: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT libelle FROM periodes WHERE id = ?1",
        [periode_id],
        |r| r.get(0),
    )
    .optional()
}

/// The code of a division ("6A"), if it exists.
pub fn division_code(conn: &Connection, division_id: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT code FROM divisions WHERE id = ?1",
        [division_id],
        |r| r.get(0),
    )
    .optional()
}

/// Whether a pupil belongs to a division or group.
pub fn eleve_in(conn: &Connection, eleve_id: &str, target: &Cible) -> rusqlite::Result<bool> {
    let sql = match target {
        Cible::Division(_) => {
            "SELECT EXISTS (SELECT 1 FROM eleves WHERE id = ?1 AND division_id = ?2)"
        }
        Cible::Groupe(_) => {
            "SELECT EXISTS (SELECT 1 FROM eleve_groupes WHERE eleve_id = ?1 AND groupe_id = ?2)"
        }
    };
    let (Cible::Division(id) | Cible::Groupe(id)) = target;
    conn.query_row(sql, params![eleve_id, id], |r| r.get(0))
}

/// The reference data a scope sees, with the divisions and groups of every pupil it sees (a
/// language group's pupils come from divisions outside the teacher's scope, and the other way
/// round).
pub fn read_scoped(conn: &Connection, scope: &Scope) -> rusqlite::Result<School> {
    let etablissement = conn.query_row("SELECT uai, nom, commune FROM etablissement", [], |r| {
        Ok(Etablissement {
            uai: parse(r.get(0)?)?,
            nom: r.get(1)?,
            commune: r.get(2)?,
        })
    })?;
    let sees = |c: &Cible| scope.contains(c);

    let mut memberships: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut stmt =
        conn.prepare("SELECT eleve_id, groupe_id FROM eleve_groupes ORDER BY groupe_id")?;
    for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
        let (e, g) = row?;
        memberships.entry(e).or_default().push(g);
    }
    let mut stmt = conn.prepare(
        "SELECT id, ine, nom, prenom, date_naissance, division_id FROM eleves ORDER BY nom, prenom",
    )?;
    let eleves: Vec<Eleve> = stmt
        .query_map([], |r| {
            let id: String = r.get(0)?;
            Ok(Eleve {
                groupe_ids: memberships.get(&id).cloned().unwrap_or_default(),
                id,
                ine: r.get(1)?,
                nom: r.get(2)?,
                prenom: r.get(3)?,
                date_naissance: parse::<NaiveDate>(r.get(4)?)?,
                division_id: r.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?
        .into_iter()
        .filter(|e| scope.sees_eleve(e))
        .collect();
    let pupils_divisions: std::collections::BTreeSet<&str> =
        eleves.iter().map(|e| e.division_id.as_str()).collect();
    let pupils_groupes: std::collections::BTreeSet<&str> = eleves
        .iter()
        .flat_map(|e| e.groupe_ids.iter().map(String::as_str))
        .collect();
    let mut stmt = conn.prepare("SELECT id, code, libelle FROM groupes ORDER BY code")?;
    let groupes: Vec<Groupe> = stmt
        .query_map([], |r| {
            Ok(Groupe {
                id: r.get(0)?,
                code: r.get(1)?,
                libelle: r.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?
        .into_iter()
        .filter(|g| sees(&Cible::Groupe(g.id.clone())) || pupils_groupes.contains(g.id.as_str()))
        .collect();
    let mut stmt = conn.prepare("SELECT id, code, niveau FROM divisions ORDER BY code")?;
    let divisions: Vec<Division> = stmt
        .query_map([], |r| {
            Ok(Division {
                id: r.get(0)?,
                code: r.get(1)?,
                niveau: r.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?
        .into_iter()
        .filter(|d| {
            sees(&Cible::Division(d.id.clone())) || pupils_divisions.contains(d.id.as_str())
        })
        .collect();

    let mut stmt = conn.prepare(
        "SELECT id, enseignant_id, matiere_code, cible_key, coefficient FROM services ORDER BY id",
    )?;
    let services: Vec<Service> = stmt
        .query_map([], |r| {
            Ok(Service {
                id: r.get(0)?,
                enseignant_id: r.get(1)?,
                matiere_code: r.get(2)?,
                cible: cible(r.get(3)?)?,
                coefficient: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?
        .into_iter()
        .filter(|s| sees(&s.cible))
        .collect();

    let teachers: std::collections::BTreeSet<&str> =
        services.iter().map(|s| s.enseignant_id.as_str()).collect();
    let mut stmt =
        conn.prepare("SELECT id, civilite, nom, prenom, fonction FROM personnels ORDER BY nom")?;
    let personnels: Vec<Personnel> = stmt
        .query_map([], row_personnel)?
        .collect::<rusqlite::Result<Vec<_>>>()?
        .into_iter()
        .filter(|p| teachers.contains(p.id.as_str()) || p.fonction != Fonction::Enseignant)
        .collect();

    let mut stmt =
        conn.prepare("SELECT code, code_gestion, libelle FROM matieres ORDER BY libelle")?;
    let matieres = stmt
        .query_map([], |r| {
            Ok(Matiere {
                code: r.get(0)?,
                code_gestion: r.get(1)?,
                libelle: r.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;

    let visible: std::collections::BTreeSet<&str> =
        services.iter().map(|s| s.id.as_str()).collect();
    let mut stmt = conn.prepare(
        "SELECT id, service_id, date, debut, fin, salle FROM seances ORDER BY date, debut, id",
    )?;
    let seances: Vec<Seance> = stmt
        .query_map([], |r| {
            Ok(Seance {
                id: r.get(0)?,
                service_id: r.get(1)?,
                date: parse(r.get(2)?)?,
                debut: parse(r.get(3)?)?,
                fin: parse(r.get(4)?)?,
                salle: r.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?
        .into_iter()
        .filter(|s| visible.contains(s.service_id.as_str()))
        .collect();

    let mut stmt = conn.prepare("SELECT id, libelle, debut, fin FROM periodes ORDER BY debut")?;
    let periodes = stmt
        .query_map([], |r| {
            Ok(Periode {
                id: r.get(0)?,
                libelle: r.get(1)?,
                debut: parse(r.get(2)?)?,
                fin: parse(r.get(3)?)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;

    Ok(School {
        etablissement,
        divisions,
        groupes,
        eleves,
        personnels,
        matieres,
        services,
        seances,
        periodes,
    })
}
