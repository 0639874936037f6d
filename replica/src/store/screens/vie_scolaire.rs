//! What the vie scolaire sees of a day: every pupil not simply present (Vie scolaire).

use super::{combine, fait_row, json_column};
use crate::error::ReplicaError;
use crate::store::keys;
use crate::views::{AbsenceView, etat_sync};
use pupitre_domain::Presence;
use rusqlite::Connection;

/// Every pupil the roll calls or the vie scolaire say was not simply present on a day, by
/// division and time, with the two sources and what they combine into.
pub fn absences_du_jour(conn: &Connection, date: &str) -> Result<Vec<AbsenceView>, ReplicaError> {
    let mut stmt = conn.prepare_cached(
        &"SELECT e.nom || ' ' || e.prenom, e.id, d.code, se.id, se.debut, se.fin, m.libelle,
                COALESCE(p.civilite || ' ' || p.nom, ''), fs.value, ff.value, ff.author_id,
                ff.at_ms,
                (SELECT MIN(o.state) FROM outbox o WHERE o.kind = 'presence' AND o.entity_id = k.entity_id),
                MAX(COALESCE(fs.version, 0), COALESCE(ff.version, 0)), d.niveau
         FROM (SELECT DISTINCT f.entity_id, sj.id AS seance_id FROM seances sj
               JOIN fields f ON {PRESENCES}
               WHERE sj.date = ?1) k
         JOIN seances se ON se.id = k.seance_id
         JOIN services sv ON sv.id = se.service_id
         JOIN matieres m ON m.code = sv.matiere_code
         LEFT JOIN personnels p ON p.id = COALESCE(se.remplacant_id, sv.enseignant_id)
         JOIN eleves e ON k.entity_id = presence_id(se.id, e.id)
         JOIN divisions d ON d.id = e.division_id
         LEFT JOIN fields fs ON fs.kind = 'presence' AND fs.entity_id = k.entity_id AND fs.field = 'statut'
         LEFT JOIN fields ff ON ff.kind = 'presence' AND ff.entity_id = k.entity_id AND ff.field = 'fait'
         ORDER BY d.code, e.nom, e.prenom, se.debut"
            .replace("{PRESENCES}", &keys::presences("f.", "sj.id")),
    )?;
    let rows = stmt
        .query_map([date], |r| {
            let observation: Option<Presence> = json_column(r.get(8)?, None);
            let (fait, c) = combine(conn, observation, fait_row(r, 9)?)?;
            let (eleve, eleve_id, division) = (r.get(0)?, r.get(1)?, r.get(2)?);
            let (seance_id, debut, fin) = (r.get(3)?, r.get(4)?, r.get(5)?);
            Ok(AbsenceView {
                eleve,
                eleve_id,
                division,
                niveau: r.get(14)?,
                seance_id,
                debut,
                fin,
                matiere: r.get(6)?,
                enseignant: r.get(7)?,
                observation,
                fait,
                presence: c.vu,
                issue: c.issue,
                sync: etat_sync(r.get(12)?, r.get(13)?),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    // Every pupil not simply present, by either source.
    Ok(rows
        .into_iter()
        .filter(|a| a.presence != Presence::Present || a.fait.is_some())
        .collect())
}
