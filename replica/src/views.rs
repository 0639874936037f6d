//! What the UI shows, read from the replica. These types are exported to TypeScript
//! (`ui/src/lib/ipc-types.ts`, checked by `tests/bindings.rs`).

use crate::error::{ReplicaError, UiError};
use crate::store::Store;
use crate::store::outbox::{DESCRIBE_JOINS, DESCRIBE_SQL};
use pupitre_domain::{AppelEtat, Presence};
use rusqlite::{Row, params};
use serde::Serialize;
use ts_rs::TS;

/// The person logged in.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Moi {
    pub id: String,
    pub civilite: String,
    pub nom: String,
    pub prenom: String,
    /// `enseignant`, `cpe` or `direction`.
    pub fonction: String,
    pub etablissement: String,
    /// False when the login was checked offline against this PC's replica.
    pub en_ligne: bool,
}

/// Where a record's last local change stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum EtatSync {
    /// Nothing changed here.
    Aucun,
    /// Saved on this PC, not sent yet.
    Local,
    /// Sent, no answer yet.
    Envoye,
    /// Acknowledged by the central service.
    Acquitte,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct SeanceView {
    pub id: String,
    pub date: String,
    pub debut: String,
    pub fin: String,
    pub salle: String,
    pub matiere: String,
    /// The division or group code, e.g. `5A` or `5ESP`.
    pub cible: String,
    pub enseignant: String,
    pub appel: AppelEtat,
    pub nb_eleves: u32,
    pub nb_absents: u32,
    pub nb_retards: u32,
    pub sync: EtatSync,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct LigneAppel {
    pub eleve_id: String,
    pub nom: String,
    pub prenom: String,
    pub division: String,
    pub presence: Presence,
    pub sync: EtatSync,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct AppelView {
    pub seance: SeanceView,
    pub eleves: Vec<LigneAppel>,
}

/// One pupil's missed or late séance, for the CPE.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AbsenceView {
    pub eleve: String,
    pub division: String,
    pub seance_id: String,
    pub debut: String,
    pub fin: String,
    pub matiere: String,
    pub enseignant: String,
    pub presence: Presence,
    pub sync: EtatSync,
}

/// A local change waiting for the central, or refused by it, as the Synchronisation screen lists it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ModifView {
    pub client_seq: u32,
    /// e.g. `lun. 23/11 08:00 · 6B · FRANCAIS`.
    pub seance: String,
    pub eleve: Option<String>,
    /// e.g. `Absent`, `Retard 08:12`, `Appel validé`.
    pub valeur: String,
    /// Pending changes: `local` or `envoye`; refused ones: `aucun`.
    pub etat: EtatSync,
    /// Why the central refused it, in French.
    pub motif: Option<String>,
}

/// The two lists of the Synchronisation screen.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Modifications {
    pub en_attente: Vec<ModifView>,
    pub refusees: Vec<ModifView>,
}

/// The sync state shown in the header.
#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
pub struct EtatSynchro {
    pub en_ligne: bool,
    /// Changes saved here and not yet acknowledged (never sent or sent without answer).
    pub en_attente: u32,
    pub envoyees: u32,
    pub refusees: u32,
    /// Local time of the last successful sync, `HH:MM:SS`.
    pub derniere_synchro: Option<String>,
    pub erreur: Option<UiError>,
}

/// Bootstrap progress.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Progression {
    pub etape: String,
    pub fait: u32,
    pub total: u32,
}

const SYNC_STATE_SQL: &str = "(SELECT MIN(o.state) FROM outbox o JOIN fields f2
        ON f2.kind = o.kind AND f2.entity_id = o.entity_id AND f2.field = o.field
        WHERE f2.seance_id = se.id)";

const SEANCE_SQL: &str = "SELECT se.id, se.date, se.debut, se.fin, se.salle, m.libelle,
    COALESCE((SELECT code FROM divisions WHERE 'division:' || id = sv.cible_key),
             (SELECT code FROM groupes WHERE 'groupe:' || id = sv.cible_key), sv.cible_key),
    COALESCE(p.civilite || ' ' || p.nom, ''),
    (SELECT value FROM fields WHERE kind = 'appel' AND entity_id = se.id AND field = 'etat'),
    CASE WHEN sv.cible_key LIKE 'division:%'
         THEN (SELECT COUNT(*) FROM eleves WHERE 'division:' || division_id = sv.cible_key)
         ELSE (SELECT COUNT(*) FROM eleve_groupes WHERE 'groupe:' || groupe_id = sv.cible_key) END,
    (SELECT COUNT(*) FROM fields f WHERE f.seance_id = se.id AND f.kind = 'presence'
        AND json_extract(f.value, '$.statut') = 'absent'),
    (SELECT COUNT(*) FROM fields f WHERE f.seance_id = se.id AND f.kind = 'presence'
        AND json_extract(f.value, '$.statut') = 'retard'),
    {SYNC},
    (SELECT MAX(version) FROM fields f WHERE f.seance_id = se.id)
  FROM seances se
  JOIN services sv ON sv.id = se.service_id
  JOIN matieres m ON m.code = sv.matiere_code
  LEFT JOIN personnels p ON p.id = sv.enseignant_id";

/// A stored value as a person reads it.
fn valeur(kind: &str, json: &str) -> String {
    match kind {
        "presence" => match serde_json::from_str::<Presence>(json) {
            Ok(Presence::Retard { arrivee }) => format!("Retard {arrivee}"),
            Ok(p) => p.libelle().to_owned(),
            Err(_) => json.to_owned(),
        },
        "appel" => match serde_json::from_str::<AppelEtat>(json) {
            Ok(AppelEtat::Fait) => "Appel validé".to_owned(),
            Ok(AppelEtat::EnCours) => "Appel en cours".to_owned(),
            Ok(AppelEtat::NonFait) => "Appel non fait".to_owned(),
            Err(_) => json.to_owned(),
        },
        _ => json.to_owned(),
    }
}

fn etat_sync(outbox_state: Option<String>, version: Option<i64>) -> EtatSync {
    match outbox_state.as_deref() {
        Some("local") => EtatSync::Local,
        Some(_) => EtatSync::Envoye,
        None if version.unwrap_or(0) > 0 => EtatSync::Acquitte,
        None => EtatSync::Aucun,
    }
}

fn json_column<T: serde::de::DeserializeOwned>(text: Option<String>, default: T) -> T {
    text.and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(default)
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
    })
}

impl Store {
    /// The séances of a day: a teacher's own (`enseignant = Some(id)`), or the whole school's.
    pub fn seances_du_jour(
        &self,
        date: &str,
        enseignant: Option<&str>,
    ) -> Result<Vec<SeanceView>, ReplicaError> {
        let sql = format!(
            "{} WHERE se.date = ?1 AND (?2 IS NULL OR sv.enseignant_id = ?2) ORDER BY se.debut, 7",
            SEANCE_SQL.replace("{SYNC}", SYNC_STATE_SQL)
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params![date, enseignant], row_seance)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    pub fn seance(&self, seance_id: &str) -> Result<Option<SeanceView>, ReplicaError> {
        let sql = format!(
            "{} WHERE se.id = ?1",
            SEANCE_SQL.replace("{SYNC}", SYNC_STATE_SQL)
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query_map([seance_id], row_seance)?;
        Ok(rows.next().transpose()?)
    }

    /// A séance's roll-call grid: its pupils in alphabetical order with their marks.
    pub fn appel(&self, seance_id: &str) -> Result<Option<AppelView>, ReplicaError> {
        let Some(seance) = self.seance(seance_id)? else {
            return Ok(None);
        };
        let mut stmt = self.conn.prepare_cached(
            "SELECT e.id, e.nom, e.prenom, d.code, f.value,
                (SELECT MIN(o.state) FROM outbox o WHERE o.kind = 'presence' AND o.entity_id = ?1 || '/' || e.id),
                f.version
             FROM seances se JOIN services sv ON sv.id = se.service_id
             JOIN eleves e ON ('division:' || e.division_id = sv.cible_key
                 OR EXISTS (SELECT 1 FROM eleve_groupes g WHERE g.eleve_id = e.id AND 'groupe:' || g.groupe_id = sv.cible_key))
             JOIN divisions d ON d.id = e.division_id
             LEFT JOIN fields f ON f.kind = 'presence' AND f.entity_id = ?1 || '/' || e.id AND f.field = 'statut'
             WHERE se.id = ?1
             ORDER BY e.nom, e.prenom, e.id",
        )?;
        let eleves = stmt
            .query_map([seance_id], |r| {
                Ok(LigneAppel {
                    eleve_id: r.get(0)?,
                    nom: r.get(1)?,
                    prenom: r.get(2)?,
                    division: r.get(3)?,
                    presence: json_column(r.get(4)?, Presence::Present),
                    sync: etat_sync(r.get(5)?, r.get(6)?),
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(Some(AppelView { seance, eleves }))
    }

    /// Whether a pupil is on a séance's roll.
    pub fn eleve_dans_seance(&self, seance_id: &str, eleve_id: &str) -> Result<bool, ReplicaError> {
        Ok(self
            .appel(seance_id)?
            .is_some_and(|a| a.eleves.iter().any(|e| e.eleve_id == eleve_id)))
    }

    /// Every pupil marked other than present on a day, by division and time.
    pub fn absences_du_jour(&self, date: &str) -> Result<Vec<AbsenceView>, ReplicaError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT e.nom || ' ' || e.prenom, d.code, se.id, se.debut, se.fin, m.libelle,
                    COALESCE(p.civilite || ' ' || p.nom, ''), f.value,
                    (SELECT MIN(o.state) FROM outbox o WHERE o.kind = f.kind AND o.entity_id = f.entity_id),
                    f.version
             FROM fields f
             JOIN seances se ON se.id = f.seance_id
             JOIN services sv ON sv.id = se.service_id
             JOIN matieres m ON m.code = sv.matiere_code
             LEFT JOIN personnels p ON p.id = sv.enseignant_id
             JOIN eleves e ON f.entity_id = se.id || '/' || e.id
             JOIN divisions d ON d.id = e.division_id
             WHERE f.kind = 'presence' AND se.date = ?1 AND json_extract(f.value, '$.statut') <> 'present'
             ORDER BY d.code, e.nom, e.prenom, se.debut",
        )?;
        let rows = stmt.query_map([date], |r| {
            Ok(AbsenceView {
                eleve: r.get(0)?,
                division: r.get(1)?,
                seance_id: r.get(2)?,
                debut: r.get(3)?,
                fin: r.get(4)?,
                matiere: r.get(5)?,
                enseignant: r.get(6)?,
                presence: json_column(r.get(7)?, Presence::Present),
                sync: etat_sync(r.get(8)?, r.get(9)?),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// The pending and the refused changes, oldest first.
    pub fn modifications(&self) -> Result<Modifications, ReplicaError> {
        let pending = format!(
            "SELECT o.client_seq, o.kind, o.value, o.state, NULL, {DESCRIBE_SQL}
             FROM outbox o {DESCRIBE_JOINS} ORDER BY o.client_seq"
        );
        let refused = "SELECT client_seq, kind, value, 'refuse', message, seance, eleve
                       FROM refused ORDER BY client_seq";
        Ok(Modifications {
            en_attente: self.modif_list(&pending)?,
            refusees: self.modif_list(refused)?,
        })
    }

    fn modif_list(&self, sql: &str) -> Result<Vec<ModifView>, ReplicaError> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let rows = stmt.query_map([], |r| {
            let kind: String = r.get(1)?;
            let value: String = r.get(2)?;
            let state: String = r.get(3)?;
            Ok(ModifView {
                client_seq: r.get(0)?,
                seance: r.get(5)?,
                eleve: r.get(6)?,
                valeur: valeur(&kind, &value),
                etat: match state.as_str() {
                    "local" => EtatSync::Local,
                    "sent" => EtatSync::Envoye,
                    _ => EtatSync::Aucun,
                },
                motif: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}
