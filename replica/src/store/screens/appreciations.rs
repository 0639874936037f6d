//! The services, periods and a class's appreciations (Appréciations).

use super::{CIBLE_CODE, ELEVES_DU_SERVICE, json_column};
use crate::error::ReplicaError;
use crate::views::{LigneAppreciation, PeriodeView, ServiceView, etat_sync_conflit};
use pupitre_domain::EtatConseil;
use rusqlite::Connection;

/// The services taught by `enseignant`, or every service (`None`), by class and subject.
pub fn services(conn: &Connection, enseignant: Option<&str>) -> rusqlite::Result<Vec<ServiceView>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT sv.id, {CIBLE_CODE}, m.libelle FROM services sv
         JOIN matieres m ON m.code = sv.matiere_code
         WHERE ?1 IS NULL OR sv.enseignant_id = ?1 ORDER BY 2, 3"
    ))?;
    let rows = stmt.query_map([enseignant], |r| {
        Ok(ServiceView {
            id: r.get(0)?,
            cible: r.get(1)?,
            matiere: r.get(2)?,
        })
    })?;
    rows.collect::<rusqlite::Result<Vec<_>>>()
}

pub fn periodes(conn: &Connection) -> Result<Vec<PeriodeView>, ReplicaError> {
    let mut stmt =
        conn.prepare_cached("SELECT id, libelle, debut, fin FROM periodes ORDER BY debut")?;
    let rows = stmt.query_map([], |r| {
        Ok(PeriodeView {
            id: r.get(0)?,
            libelle: r.get(1)?,
            debut: r.get(2)?,
            fin: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// A service's pupils with their appreciation for a period.
pub fn appreciations(
    conn: &Connection,
    service_id: &str,
    periode_id: &str,
) -> Result<Vec<LigneAppreciation>, ReplicaError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT e.id, e.nom, e.prenom, d.code, f.value,
            (SELECT value FROM fields WHERE kind = 'conseil' AND field = 'etat'
                AND entity_id = conseil_id(?2, e.division_id)),
            (SELECT MIN(o.state) FROM outbox o WHERE o.kind = 'appreciation'
                AND o.entity_id = appreciation_id(?2, ?1, e.id)),
            f.version,
            EXISTS (SELECT 1 FROM conflicts k WHERE k.kind = 'appreciation' AND k.resolving IS NULL
                AND k.entity_id = appreciation_id(?2, ?1, e.id))
         FROM services sv
         JOIN eleves e ON {ELEVES_DU_SERVICE}
         JOIN divisions d ON d.id = e.division_id
         LEFT JOIN fields f ON f.kind = 'appreciation' AND f.field = 'texte'
             AND f.entity_id = appreciation_id(?2, ?1, e.id)
         WHERE sv.id = ?1
         ORDER BY e.nom, e.prenom, e.id"
    ))?;
    let rows = stmt.query_map([service_id, periode_id], |r| {
        Ok(LigneAppreciation {
            eleve_id: r.get(0)?,
            nom: r.get(1)?,
            prenom: r.get(2)?,
            division: r.get(3)?,
            texte: json_column(r.get(4)?, String::new()),
            conseil: json_column(r.get(5)?, EtatConseil::default()).etat,
            verrouillee: json_column(r.get(5)?, EtatConseil::default())
                .etat
                .verrouille(),
            sync: etat_sync_conflit(r.get(6)?, r.get(7)?, r.get(8)?),
            moyenne: None,
            absences: 0,
            retards: 0,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Per pupil, how often the teacher marked her absent and late in the service's lessons of the
/// period: `(absences, retards)`.
pub fn presences_du_service(
    conn: &Connection,
    service_id: &str,
    periode_id: &str,
) -> Result<std::collections::HashMap<String, (u32, u32)>, ReplicaError> {
    let mut stmt = conn.prepare_cached(
        "SELECT substr(f.entity_id, length(se.id) + 2),
            SUM(json_extract(f.value, '$.statut') = 'absent'),
            SUM(json_extract(f.value, '$.statut') = 'retard')
         FROM periodes p JOIN seances se ON se.service_id = ?1 AND se.date BETWEEN p.debut AND p.fin
         JOIN fields f ON f.kind = 'presence' AND f.field = 'statut'
             AND f.entity_id >= se.id || '/' AND f.entity_id < se.id || '0'
         WHERE p.id = ?2
         GROUP BY 1",
    )?;
    let rows = stmt.query_map([service_id, periode_id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            (r.get::<_, u32>(1)?, r.get::<_, u32>(2)?),
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
