//! The day's séances and a séance's roll-call grid (Journée, Appel).

use super::{CIBLE_CODE, ELEVES_DU_SERVICE, INSCRIT_A_LA_SEANCE, combine, fait_row, json_column};
use crate::error::ReplicaError;
use crate::store::keys;
use crate::views::{AppelView, LigneAppel, SeanceView, etat_sync, etat_sync_conflit};
use pupitre_domain::{AppelEtat, Presence};
use rusqlite::{Connection, Row, params};

const SEANCE_SQL: &str = "SELECT se.id, se.date, se.debut, se.fin, se.salle, m.libelle,
    {CIBLE},
    COALESCE(p.civilite || ' ' || p.nom, ''),
    (SELECT value FROM fields WHERE kind = 'appel' AND entity_id = se.id AND field = 'etat'),
    (SELECT COUNT(*) FROM eleves e WHERE {ELEVES} AND {INSCRIT}),
    (SELECT COUNT(*) FROM fields f WHERE {PRESENCES} AND json_extract(f.value, '$.statut') = 'absent'),
    (SELECT COUNT(*) FROM fields f WHERE {PRESENCES} AND json_extract(f.value, '$.statut') = 'retard'),
    (SELECT MIN(o.state) FROM outbox o WHERE {ROLL_OUTBOX}),
    (SELECT MAX(version) FROM fields f WHERE {ROLL}),
    se.remplacant_id IS NOT NULL
  FROM seances se
  JOIN services sv ON sv.id = se.service_id
  JOIN matieres m ON m.code = sv.matiere_code
  LEFT JOIN personnels p ON p.id = COALESCE(se.remplacant_id, sv.enseignant_id)";

fn seance_sql() -> String {
    // A séance's roll-call records: key ranges (`keys::appel_et_presences`).
    SEANCE_SQL
        .replace("{ROLL_OUTBOX}", &keys::appel_et_presences("o.", "se.id"))
        .replace("{ROLL}", &keys::appel_et_presences("f.", "se.id"))
        .replace("{PRESENCES}", &keys::presences("f.", "se.id"))
        .replace("{CIBLE}", CIBLE_CODE)
        .replace("{ELEVES}", ELEVES_DU_SERVICE)
        .replace("{INSCRIT}", INSCRIT_A_LA_SEANCE)
}

fn row_seance(r: &Row<'_>) -> rusqlite::Result<SeanceView> {
    Ok(SeanceView {
        id: r.get(0)?,
        date: r.get(1)?,
        debut: r.get(2)?,
        fin: r.get(3)?,
        salle: r.get(4)?,
        matiere: r.get(5)?,
        cible: r.get(6)?,
        enseignant: r.get(7)?,
        appel: json_column(r.get(8)?, AppelEtat::NonFait),
        nb_eleves: r.get(9)?,
        nb_absents: r.get(10)?,
        nb_retards: r.get(11)?,
        sync: etat_sync(r.get(12)?, r.get(13)?),
        remplacement: r.get(14)?,
    })
}

/// The séances of a day: a teacher's own (`enseignant = Some(id)`), or the whole school's.
pub fn seances_du_jour(
    conn: &Connection,
    date: &str,
    enseignant: Option<&str>,
) -> Result<Vec<SeanceView>, ReplicaError> {
    let sql = format!(
        "{} WHERE se.date = ?1 AND (?2 IS NULL OR COALESCE(se.remplacant_id, sv.enseignant_id) = ?2)
         ORDER BY se.debut, 7",
        seance_sql()
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![date, enseignant], row_seance)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub fn seance(conn: &Connection, seance_id: &str) -> Result<Option<SeanceView>, ReplicaError> {
    let sql = format!("{} WHERE se.id = ?1", seance_sql());
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query_map([seance_id], row_seance)?;
    Ok(rows.next().transpose()?)
}

/// A séance's roll-call grid: its pupils in alphabetical order with their marks.
pub fn appel(conn: &Connection, seance_id: &str) -> Result<Option<AppelView>, ReplicaError> {
    let Some(seance) = seance(conn, seance_id)? else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT e.id, e.nom, e.prenom, d.code, f.value,
            (SELECT MIN(o.state) FROM outbox o WHERE o.kind = 'presence' AND o.entity_id = presence_id(?1, e.id)
                AND o.field = 'statut'),
            f.version,
            EXISTS (SELECT 1 FROM conflicts k WHERE k.kind = 'presence' AND k.resolving IS NULL
                AND k.entity_id = presence_id(?1, e.id)),
            ff.value, ff.author_id, ff.at_ms
         FROM seances se JOIN services sv ON sv.id = se.service_id
         JOIN eleves e ON {ELEVES_DU_SERVICE}
         JOIN divisions d ON d.id = e.division_id
         LEFT JOIN fields f ON f.kind = 'presence' AND f.entity_id = presence_id(?1, e.id) AND f.field = 'statut'
         LEFT JOIN fields ff ON ff.kind = 'presence' AND ff.entity_id = presence_id(?1, e.id) AND ff.field = 'fait'
         WHERE se.id = ?1
           -- Pupils outside their dates are not on the roll, unless a mark was already given.
           AND ({INSCRIT_A_LA_SEANCE} OR f.value IS NOT NULL OR ff.value IS NOT NULL)
         ORDER BY e.nom, e.prenom, e.id"
    ))?;
    let eleves = stmt
        .query_map([seance_id], |r| {
            // Her mark as she wrote it (none yet: present); the two sources combined.
            let observed: Option<Presence> = json_column(r.get(4)?, None);
            let (fait, c) = combine(conn, observed, fait_row(r, 8)?)?;
            Ok(LigneAppel {
                eleve_id: r.get(0)?,
                nom: r.get(1)?,
                prenom: r.get(2)?,
                division: r.get(3)?,
                presence: observed.unwrap_or(Presence::Present),
                marque: observed.is_some(),
                fait,
                vu: c.vu,
                issue: c.issue,
                sync: etat_sync_conflit(r.get(5)?, r.get(6)?, r.get(7)?),
                signalements: Vec::new(),
                proposition: None,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Some(AppelView { seance, eleves }))
}

/// Whether a pupil is on a séance's roll (the rule `appel` lists its rows by), read for her
/// alone: what every click of the roll call checks.
pub fn eleve_dans_seance(
    conn: &Connection,
    seance_id: &str,
    eleve_id: &str,
) -> Result<bool, ReplicaError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT EXISTS (SELECT 1
         FROM seances se JOIN services sv ON sv.id = se.service_id
         JOIN eleves e ON e.id = ?2 AND {ELEVES_DU_SERVICE}
         WHERE se.id = ?1
           AND ({INSCRIT_A_LA_SEANCE}
                OR EXISTS (SELECT 1 FROM fields f WHERE f.kind = 'presence'
                           AND f.entity_id = presence_id(?1, ?2) AND f.field IN ('statut', 'fait'))))"
    ))?;
    Ok(stmt.query_row(params![seance_id, eleve_id], |r| r.get(0))?)
}

/// For each of `eleves`, her latest séance of `date` before `debut` and what was seen of her
/// there (the two sources combined): "absent at the previous séance".
pub fn precedentes(
    conn: &Connection,
    date: &str,
    debut: &str,
    eleves: &[&str],
) -> Result<std::collections::HashMap<String, (String, Presence)>, ReplicaError> {
    // The roll's pupils first, then their séances of the day: a handful of rows, not the
    // school's.
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT e.id, se.debut, fs.value, ff.value
         FROM json_each(?3) j CROSS JOIN eleves e ON e.id = j.value
         CROSS JOIN seances se ON se.date = ?1 AND se.debut < ?2
         JOIN services sv ON sv.id = se.service_id
         LEFT JOIN fields fs ON fs.kind = 'presence' AND fs.entity_id = presence_id(se.id, e.id)
             AND fs.field = 'statut'
         LEFT JOIN fields ff ON ff.kind = 'presence' AND ff.entity_id = presence_id(se.id, e.id)
             AND ff.field = 'fait'
         WHERE {INSCRIT_A_LA_SEANCE}
         ORDER BY se.debut"
    ))?;
    let ids = serde_json::to_string(eleves).map_err(|e| ReplicaError::Corrupt(e.to_string()))?;
    let mut latest = std::collections::HashMap::new();
    let mut rows = stmt.query(params![date, debut, ids])?;
    while let Some(r) = rows.next()? {
        let observation: Option<Presence> = json_column(r.get(2)?, None);
        let fait: pupitre_domain::Fait = json_column(r.get(3)?, pupitre_domain::Fait::Aucun);
        let vu = pupitre_domain::combiner(observation, fait).vu;
        // Later séances come last: each pupil ends with her latest one.
        latest.insert(r.get::<_, String>(0)?, (r.get::<_, String>(1)?, vu));
    }
    Ok(latest)
}

/// The subject code of a séance's service ("" when the séance is not here).
pub fn matiere_de(conn: &Connection, seance_id: &str) -> Result<String, ReplicaError> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .prepare_cached(
            "SELECT sv.matiere_code FROM seances se JOIN services sv ON sv.id = se.service_id
             WHERE se.id = ?1",
        )?
        .query_row([seance_id], |r| r.get(0))
        .optional()?
        .unwrap_or_default())
}
