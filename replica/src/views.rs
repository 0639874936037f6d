//! What the UI shows, read from the replica. These types are exported to TypeScript
//! (`ui/src/lib/ipc-types.ts`, checked by `tests/bindings.rs`).

use crate::error::{ReplicaError, UiError};
use crate::store::Store;
use crate::store::describe::{describe, teacher_of};
use pupitre_domain::avis::{self, Contexte};
use pupitre_domain::{
    AppelEtat, ConseilEtat, EntityKey, EntityKind, Fait, Heure, Issue, Personnel, Presence,
    combiner, may_write,
};
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
    pub fonction: pupitre_domain::Fonction,
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
    /// Another version of the value is waiting for a person's choice (Synchronisation screen).
    Conflit,
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
    /// The teacher's observation (what she edits).
    pub presence: Presence,
    /// What the vie scolaire knows of the pupil in this séance, if anything.
    pub fait: Option<FaitView>,
    /// What the CPE and the families see: the two combined (`pupitre_domain::combiner`).
    pub vu: Presence,
    pub issue: Issue,
    pub sync: EtatSync,
}

/// A vie scolaire fact as shown beside a roll-call mark.
#[derive(Debug, Clone, Serialize, TS)]
pub struct FaitView {
    pub fait: Fait,
    /// e.g. `Infirmerie`, `Retard (arrivée 08:20)`.
    pub libelle: String,
    /// e.g. `M. Roux (CPE)`.
    pub auteur: String,
    /// Local time it was noted, `HH:MM`.
    pub heure: String,
}

/// What became of one of this person's entries, when it did not simply apply.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AvisView {
    /// e.g. « Votre saisie Absent pour BERNARD Yanis (6A, 10:10) n'a pas été retenue : ... »
    pub message: String,
    pub issue: Issue,
    /// The record, to open its history.
    pub kind: EntityKind,
    pub entity_id: String,
    pub champ: String,
}

/// One change in a field's history: who, what, when, on which PC, what became of it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct HistoriqueView {
    /// Its place in the central's log (what orders the history of several fields).
    #[ts(type = "number")]
    pub seq: u64,
    /// Which field: `statut` (the teacher's mark), `fait` (the vie scolaire's), ...
    pub champ: String,
    pub auteur: String,
    pub valeur: String,
    /// `dd/mm/yyyy HH:MM`, by the central's clock.
    pub recu: String,
    /// When the PC says it was written (its clock), `dd/mm/yyyy HH:MM`.
    pub ecrit: String,
    /// Ecart between the two above one may warn about (more than 5 minutes).
    pub horloge_decalee: bool,
    /// e.g. `ce poste` or `poste 3f2a9c`.
    pub poste: String,
    /// What the central did with it in its own field: `enregistrée`, `non retenue`, `en conflit`
    /// (a mark combined with a fact is still "enregistrée": the notice says what is seen).
    pub effet: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct AppelView {
    pub seance: SeanceView,
    pub eleves: Vec<LigneAppel>,
}

/// One pupil's missed or late séance, or a fact the vie scolaire noted, for the CPE.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AbsenceView {
    pub eleve: String,
    pub eleve_id: String,
    pub division: String,
    pub seance_id: String,
    pub debut: String,
    pub fin: String,
    pub matiere: String,
    pub enseignant: String,
    /// The teacher's observation (None: roll call not taken for this pupil).
    pub observation: Option<Presence>,
    pub fait: Option<FaitView>,
    /// What the CPE and the families see.
    pub presence: Presence,
    /// `a_verifier`: the two sources contradict each other; the CPE settles it.
    pub issue: Issue,
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

/// The lists of the Synchronisation screen.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Modifications {
    pub en_attente: Vec<ModifView>,
    pub refusees: Vec<ModifView>,
    pub conflits: Vec<ConflitView>,
    /// What became of this person's entries that did not simply apply.
    pub avis: Vec<AvisView>,
}

/// A field with versions in conflict, for a person to choose one.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ConflitView {
    pub kind: EntityKind,
    pub entity_id: String,
    pub champ: String,
    /// e.g. `Appréciation · 1er trimestre · 6A · Français`.
    pub quoi: String,
    pub eleve: Option<String>,
    /// The value in force first, then the others, oldest first.
    pub versions: Vec<VersionView>,
    /// A choice was made here and waits for the central.
    pub en_cours: bool,
    /// Whether the person logged in may choose (the one who may write the record).
    pub peut_resoudre: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct VersionView {
    /// The version's server sequence: what a resolution names.
    #[ts(type = "number")]
    pub seq: u64,
    pub valeur: String,
    pub auteur: String,
    /// Local date and time of the edit, `dd/mm/yyyy HH:MM`.
    pub quand: String,
    pub en_vigueur: bool,
}

/// A service a person writes appreciations for: a class or group and a subject.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ServiceView {
    pub id: String,
    /// The division or group code, e.g. `6A` or `5ESP`.
    pub cible: String,
    pub matiere: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct PeriodeView {
    pub id: String,
    pub libelle: String,
    pub debut: String,
    pub fin: String,
}

/// One pupil's appreciation in a service for a period.
#[derive(Debug, Clone, Serialize, TS)]
pub struct LigneAppreciation {
    pub eleve_id: String,
    pub nom: String,
    pub prenom: String,
    pub division: String,
    pub texte: String,
    /// The council of the pupil's division for the period, as far as this PC knows.
    pub conseil: ConseilEtat,
    /// Locked by that council (`ConseilEtat::verrouille`): shown, not editable.
    pub verrouillee: bool,
    pub sync: EtatSync,
}

/// The sync state shown in the header.
#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
pub struct EtatSynchro {
    pub en_ligne: bool,
    /// Changes saved here and not yet acknowledged (never sent or sent without answer).
    pub en_attente: u32,
    pub envoyees: u32,
    pub refusees: u32,
    /// Fields whose versions wait for a person's choice.
    pub conflits: u32,
    /// Local time of the last successful sync, `HH:MM:SS`.
    pub derniere_synchro: Option<String>,
    pub erreur: Option<UiError>,
    /// This PC's clock is off (the central measured it): what to tell the person.
    pub horloge: Option<String>,
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

/// The code of a service `sv`'s division or group.
const CIBLE_CODE: &str =
    "COALESCE((SELECT code FROM divisions WHERE 'division:' || id = sv.cible_key),
             (SELECT code FROM groupes WHERE 'groupe:' || id = sv.cible_key), sv.cible_key)";

const SEANCE_SQL: &str = "SELECT se.id, se.date, se.debut, se.fin, se.salle, m.libelle,
    {CIBLE},
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

fn seance_sql() -> String {
    SEANCE_SQL
        .replace("{SYNC}", SYNC_STATE_SQL)
        .replace("{CIBLE}", CIBLE_CODE)
}

/// A stored value as a person reads it.
fn valeur(kind: &str, json: &str) -> String {
    match kind {
        "presence" => match serde_json::from_str::<Presence>(json) {
            Ok(Presence::Retard { arrivee }) => format!("Retard {arrivee}"),
            Ok(p) => p.libelle().to_owned(),
            Err(_) => match serde_json::from_str::<Fait>(json) {
                Ok(fait) => format!("Vie scolaire : {}", avis::libelle_fait(fait)),
                Err(_) => json.to_owned(),
            },
        },
        "appel" => match serde_json::from_str::<AppelEtat>(json) {
            Ok(AppelEtat::Fait) => "Appel validé".to_owned(),
            Ok(AppelEtat::EnCours) => "Appel en cours".to_owned(),
            Ok(AppelEtat::NonFait) => "Appel non fait".to_owned(),
            Err(_) => json.to_owned(),
        },
        "appreciation" => match serde_json::from_str::<String>(json) {
            Ok(texte) if texte.is_empty() => "(appréciation effacée)".to_owned(),
            Ok(texte) => texte,
            Err(_) => json.to_owned(),
        },
        "conseil" => match serde_json::from_str::<ConseilEtat>(json) {
            Ok(etat) => format!("Conseil : {}", etat.libelle().to_lowercase()),
            Err(_) => json.to_owned(),
        },
        _ => json.to_owned(),
    }
}

fn etat_sync(outbox_state: Option<String>, version: Option<i64>) -> EtatSync {
    etat_sync_conflit(outbox_state, version, false)
}

/// A record's sync state; `conflit`: another version waits for a person's choice.
fn etat_sync_conflit(
    outbox_state: Option<String>,
    version: Option<i64>,
    conflit: bool,
) -> EtatSync {
    match outbox_state.as_deref() {
        None if conflit => EtatSync::Conflit,
        Some("local") => EtatSync::Local,
        Some(_) => EtatSync::Envoye,
        None if version.unwrap_or(0) > 0 => EtatSync::Acquitte,
        None => EtatSync::Aucun,
    }
}

/// A field's history as the UI shows it.
pub fn historique(
    response: &pupitre_sync_protocol::wire::HistoryResponse,
    response_field: &str,
    this_pc: &pupitre_sync_protocol::ClientId,
) -> Vec<HistoriqueView> {
    use pupitre_sync_protocol::change::Effect;
    response
        .entries
        .iter()
        .map(|e| {
            let kind_value = e.value.to_string();
            let valeur = match e.value.get("statut").or_else(|| e.value.get("fait")) {
                Some(_) => valeur("presence", &kind_value),
                None => kind_value,
            };
            let skew = (e.written_ms as i64 - e.received_ms as i64).abs();
            HistoriqueView {
                seq: e.server_seq,
                champ: response_field.to_owned(),
                auteur: e.author.clone(),
                valeur,
                recu: local_time(e.received_ms as i64, "%d/%m/%Y %H:%M"),
                ecrit: local_time(e.written_ms as i64, "%d/%m/%Y %H:%M"),
                horloge_decalee: pupitre_sync_protocol::clock_suspect(skew),
                poste: if e.client_id == *this_pc {
                    "ce poste".to_owned()
                } else {
                    format!("poste {}", &e.client_id.to_string()[..6])
                },
                effet: match e.effect {
                    Effect::Applied => "enregistrée",
                    Effect::Superseded => "non retenue",
                    Effect::Conflict => "en conflit",
                }
                .to_owned(),
            }
        })
        .collect()
}

/// A vie scolaire fact as a row gives it: (value, author, at_ms), all absent without one.
type FaitRow = (Option<String>, Option<String>, Option<i64>);

/// A millisecond timestamp in local time, as `format` says.
pub fn local_time(ms: i64, format: &str) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.with_timezone(&chrono::Local).format(format).to_string())
        .unwrap_or_default()
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
    /// The services taught by `enseignant`, or every service (`None`), by class and subject.
    pub fn services(&self, enseignant: Option<&str>) -> Result<Vec<ServiceView>, ReplicaError> {
        let mut stmt = self.conn.prepare_cached(&format!(
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
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    pub fn periodes(&self) -> Result<Vec<PeriodeView>, ReplicaError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, libelle, debut, fin FROM periodes ORDER BY debut")?;
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
        &self,
        service_id: &str,
        periode_id: &str,
    ) -> Result<Vec<LigneAppreciation>, ReplicaError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT e.id, e.nom, e.prenom, d.code, f.value,
                (SELECT value FROM fields WHERE kind = 'conseil' AND field = 'etat'
                    AND entity_id = ?2 || '/' || e.division_id),
                (SELECT MIN(o.state) FROM outbox o WHERE o.kind = 'appreciation'
                    AND o.entity_id = ?2 || '/' || ?1 || '/' || e.id),
                f.version,
                EXISTS (SELECT 1 FROM conflicts k WHERE k.kind = 'appreciation' AND k.resolving IS NULL
                    AND k.entity_id = ?2 || '/' || ?1 || '/' || e.id)
             FROM services sv
             JOIN eleves e ON ('division:' || e.division_id = sv.cible_key
                 OR EXISTS (SELECT 1 FROM eleve_groupes g WHERE g.eleve_id = e.id AND 'groupe:' || g.groupe_id = sv.cible_key))
             JOIN divisions d ON d.id = e.division_id
             LEFT JOIN fields f ON f.kind = 'appreciation' AND f.field = 'texte'
                 AND f.entity_id = ?2 || '/' || ?1 || '/' || e.id
             WHERE sv.id = ?1
             ORDER BY e.nom, e.prenom, e.id",
        )?;
        let rows = stmt.query_map([service_id, periode_id], |r| {
            Ok(LigneAppreciation {
                eleve_id: r.get(0)?,
                nom: r.get(1)?,
                prenom: r.get(2)?,
                division: r.get(3)?,
                texte: json_column(r.get(4)?, String::new()),
                conseil: json_column(r.get(5)?, ConseilEtat::Preparation),
                verrouillee: json_column(r.get(5)?, ConseilEtat::Preparation).verrouille(),
                sync: etat_sync_conflit(r.get(6)?, r.get(7)?, r.get(8)?),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// The séances of a day: a teacher's own (`enseignant = Some(id)`), or the whole school's.
    pub fn seances_du_jour(
        &self,
        date: &str,
        enseignant: Option<&str>,
    ) -> Result<Vec<SeanceView>, ReplicaError> {
        let sql = format!(
            "{} WHERE se.date = ?1 AND (?2 IS NULL OR sv.enseignant_id = ?2) ORDER BY se.debut, 7",
            seance_sql()
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params![date, enseignant], row_seance)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    pub fn seance(&self, seance_id: &str) -> Result<Option<SeanceView>, ReplicaError> {
        let sql = format!("{} WHERE se.id = ?1", seance_sql());
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
                (SELECT MIN(o.state) FROM outbox o WHERE o.kind = 'presence' AND o.entity_id = ?1 || '/' || e.id
                    AND o.field = 'statut'),
                f.version,
                EXISTS (SELECT 1 FROM conflicts k WHERE k.kind = 'presence' AND k.resolving IS NULL
                    AND k.entity_id = ?1 || '/' || e.id),
                ff.value, ff.author_id, ff.at_ms
             FROM seances se JOIN services sv ON sv.id = se.service_id
             JOIN eleves e ON ('division:' || e.division_id = sv.cible_key
                 OR EXISTS (SELECT 1 FROM eleve_groupes g WHERE g.eleve_id = e.id AND 'groupe:' || g.groupe_id = sv.cible_key))
             JOIN divisions d ON d.id = e.division_id
             LEFT JOIN fields f ON f.kind = 'presence' AND f.entity_id = ?1 || '/' || e.id AND f.field = 'statut'
             LEFT JOIN fields ff ON ff.kind = 'presence' AND ff.entity_id = ?1 || '/' || e.id AND ff.field = 'fait'
             WHERE se.id = ?1
             ORDER BY e.nom, e.prenom, e.id",
        )?;
        let rows = stmt
            .query_map([seance_id], |r| {
                Ok((
                    LigneAppel {
                        eleve_id: r.get(0)?,
                        nom: r.get(1)?,
                        prenom: r.get(2)?,
                        division: r.get(3)?,
                        presence: json_column(r.get(4)?, Presence::Present),
                        fait: None,
                        vu: Presence::Present,
                        issue: Issue::Retenue,
                        sync: etat_sync_conflit(r.get(5)?, r.get(6)?, r.get(7)?),
                    },
                    r.get::<_, Option<String>>(4)?.is_some(),
                    (
                        r.get::<_, Option<String>>(8)?,
                        r.get::<_, Option<String>>(9)?,
                        r.get::<_, Option<i64>>(10)?,
                    ),
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut eleves = Vec::with_capacity(rows.len());
        for (mut ligne, observed, fait) in rows {
            ligne.fait = self.fait_view(fait)?;
            let c = combiner(
                observed.then_some(ligne.presence),
                ligne.fait.as_ref().map_or(Fait::Aucun, |f| f.fait),
            );
            (ligne.vu, ligne.issue) = (c.vu, c.issue);
            eleves.push(ligne);
        }
        Ok(Some(AppelView { seance, eleves }))
    }

    /// Whether a pupil is on a séance's roll.
    pub fn eleve_dans_seance(&self, seance_id: &str, eleve_id: &str) -> Result<bool, ReplicaError> {
        Ok(self
            .appel(seance_id)?
            .is_some_and(|a| a.eleves.iter().any(|e| e.eleve_id == eleve_id)))
    }

    /// Every pupil the roll calls or the vie scolaire say was not simply present on a day, by
    /// division and time, with the two sources and what they combine into.
    pub fn absences_du_jour(&self, date: &str) -> Result<Vec<AbsenceView>, ReplicaError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT e.nom || ' ' || e.prenom, e.id, d.code, se.id, se.debut, se.fin, m.libelle,
                    COALESCE(p.civilite || ' ' || p.nom, ''), fs.value, ff.value, ff.author_id,
                    ff.at_ms,
                    (SELECT MIN(o.state) FROM outbox o WHERE o.kind = 'presence' AND o.entity_id = k.entity_id),
                    MAX(COALESCE(fs.version, 0), COALESCE(ff.version, 0))
             FROM (SELECT DISTINCT entity_id, seance_id FROM fields WHERE kind = 'presence'
                   AND seance_id IN (SELECT id FROM seances WHERE date = ?1)) k
             JOIN seances se ON se.id = k.seance_id
             JOIN services sv ON sv.id = se.service_id
             JOIN matieres m ON m.code = sv.matiere_code
             LEFT JOIN personnels p ON p.id = sv.enseignant_id
             JOIN eleves e ON k.entity_id = se.id || '/' || e.id
             JOIN divisions d ON d.id = e.division_id
             LEFT JOIN fields fs ON fs.kind = 'presence' AND fs.entity_id = k.entity_id AND fs.field = 'statut'
             LEFT JOIN fields ff ON ff.kind = 'presence' AND ff.entity_id = k.entity_id AND ff.field = 'fait'
             ORDER BY d.code, e.nom, e.prenom, se.debut",
        )?;
        let rows = stmt
            .query_map([date], |r| {
                Ok((
                    AbsenceView {
                        eleve: r.get(0)?,
                        eleve_id: r.get(1)?,
                        division: r.get(2)?,
                        seance_id: r.get(3)?,
                        debut: r.get(4)?,
                        fin: r.get(5)?,
                        matiere: r.get(6)?,
                        enseignant: r.get(7)?,
                        observation: r
                            .get::<_, Option<String>>(8)?
                            .and_then(|t| serde_json::from_str(&t).ok()),
                        fait: None,
                        presence: Presence::Present,
                        issue: Issue::Retenue,
                        sync: etat_sync(r.get(12)?, r.get(13)?),
                    },
                    (
                        r.get::<_, Option<String>>(9)?,
                        r.get::<_, Option<String>>(10)?,
                        r.get::<_, Option<i64>>(11)?,
                    ),
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut out = Vec::new();
        for (mut a, fait) in rows {
            a.fait = self.fait_view(fait)?;
            let c = combiner(
                a.observation,
                a.fait.as_ref().map_or(Fait::Aucun, |f| f.fait),
            );
            (a.presence, a.issue) = (c.vu, c.issue);
            if a.presence != Presence::Present || a.fait.is_some() {
                out.push(a);
            }
        }
        Ok(out)
    }

    /// Roll-call marks a person is told about, from the current values: each of her marks that a
    /// vie scolaire fact combines with, and each mark of her own séances someone else wrote (a
    /// CPE correcting the roll, or settling a contradiction).
    fn roll_call_notices(&self, me: &Personnel) -> Result<Vec<AvisView>, ReplicaError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT fs.value, fs.author_id, fs.at_ms, ff.value, ff.author_id, ff.at_ms,
                    e.nom || ' ' || e.prenom, d.code, se.debut, fs.entity_id
             FROM fields fs
             JOIN seances se ON se.id = fs.seance_id
             JOIN services sv ON sv.id = se.service_id
             JOIN eleves e ON fs.entity_id = se.id || '/' || e.id
             JOIN divisions d ON d.id = e.division_id
             LEFT JOIN fields ff ON ff.kind = 'presence' AND ff.entity_id = fs.entity_id AND ff.field = 'fait'
             WHERE fs.kind = 'presence' AND fs.field = 'statut'
               AND ((fs.author_id = ?1 AND ff.value IS NOT NULL)
                    OR (sv.enseignant_id = ?1 AND fs.author_id <> ?1))
             ORDER BY se.date DESC, se.debut DESC LIMIT 200",
        )?;
        type Row = (
            (String, String, i64),
            FaitRow,
            (String, String, String, String),
        );
        let rows: Vec<Row> = stmt
            .query_map([&me.id], |r| {
                let text = |i: usize| r.get::<_, String>(i);
                Ok((
                    (text(0)?, text(1)?, r.get(2)?),
                    (r.get(3)?, r.get(4)?, r.get(5)?),
                    (text(6)?, text(7)?, text(8)?, text(9)?),
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut out = Vec::new();
        for ((mark, author, at_ms), fait, (eleve, classe, debut, entity_id)) in rows {
            let (Ok(mark), Ok(debut)) = (
                serde_json::from_str::<Presence>(&mark),
                debut.parse::<Heure>(),
            ) else {
                continue;
            };
            let champ = pupitre_domain::edit::FIELD_STATUT.to_owned();
            if author != me.id {
                let par = format!(
                    "{} à {}",
                    self.signature(&author)?,
                    local_time(at_ms, "%H:%M")
                );
                out.push(AvisView {
                    message: format!(
                        "L'appel de {eleve} ({classe}, {debut}) a été corrigé par {par} : {}.",
                        avis::libelle_presence(mark)
                    ),
                    issue: Issue::NonRetenue,
                    kind: EntityKind::Presence,
                    entity_id,
                    champ,
                });
                continue;
            }
            let Some(fait) = self.fait_view(fait)? else {
                continue;
            };
            let c = combiner(Some(mark), fait.fait);
            let ctx = Contexte {
                eleve: &eleve,
                classe: &classe,
                debut,
            };
            if let Some(message) =
                avis::avis_combinaison(mark, fait.fait, c, &ctx, &fait.auteur, &fait.heure)
            {
                out.push(AvisView {
                    message,
                    issue: c.issue,
                    kind: EntityKind::Presence,
                    entity_id,
                    champ,
                });
            }
        }
        Ok(out)
    }

    /// A stored fact `(value, author, at_ms)` as shown; `None` for none or a withdrawn one.
    fn fait_view(&self, (value, author, at_ms): FaitRow) -> Result<Option<FaitView>, ReplicaError> {
        let Some(fait) = value.and_then(|t| serde_json::from_str::<Fait>(&t).ok()) else {
            return Ok(None);
        };
        if fait == Fait::Aucun {
            return Ok(None);
        }
        let author = author.unwrap_or_default();
        Ok(Some(FaitView {
            fait,
            libelle: avis::libelle_fait(fait),
            auteur: self.signature(&author)?,
            heure: local_time(at_ms.unwrap_or(0), "%H:%M"),
        }))
    }

    /// "M. Roux (CPE)" for a personnel this replica knows, else the id.
    fn signature(&self, personnel_id: &str) -> Result<String, ReplicaError> {
        use rusqlite::OptionalExtension;
        let found = self
            .conn
            .prepare_cached(
                "SELECT id, civilite, nom, prenom, fonction FROM personnels WHERE id = ?1",
            )?
            .query_row([personnel_id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })
            .optional()?;
        Ok(match found {
            Some((id, civilite, nom, prenom, fonction)) => {
                match pupitre_domain::Fonction::parse(&fonction) {
                    Some(fonction) => Personnel {
                        id,
                        civilite,
                        nom,
                        prenom,
                        fonction,
                    }
                    .signature(),
                    None => format!("{civilite} {nom}"),
                }
            }
            None => personnel_id.to_owned(),
        })
    }

    /// What became of `me`'s entries: the notices the central gave, and each roll-call mark of
    /// theirs that a vie scolaire fact combines with (told from the current values, so that a
    /// fact noted later, or withdrawn, is reflected).
    fn avis(&self, me: &Personnel) -> Result<Vec<AvisView>, ReplicaError> {
        let mut out = Vec::new();
        let mut stmt = self.conn.prepare_cached(
            "SELECT n.message, n.outcome, n.kind, n.entity_id, n.field FROM notices n
             ORDER BY n.client_seq DESC LIMIT 200",
        )?;
        let stored = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        for (message, outcome, kind, entity_id, champ) in stored {
            let Some(kind) = EntityKind::parse(&kind) else {
                continue;
            };
            let issue = match outcome.as_str() {
                "conflict" => Issue::AVerifier,
                "combined" => Issue::Combinee,
                _ => Issue::NonRetenue,
            };
            out.push(AvisView {
                message,
                issue,
                kind,
                entity_id,
                champ,
            });
        }
        out.extend(self.roll_call_notices(me)?);
        Ok(out)
    }

    /// The pending and the refused changes, oldest first, and the conflicts to resolve (which
    /// `me` may resolve or not).
    pub fn modifications(&self, me: &Personnel) -> Result<Modifications, ReplicaError> {
        let pending = "SELECT client_seq, kind, value, state, NULL, kind, entity_id FROM outbox
                       WHERE withdrawn = 0 ORDER BY client_seq";
        let refused = "SELECT client_seq, kind, value, 'refuse', message, seance, eleve
                       FROM refused ORDER BY client_seq";
        Ok(Modifications {
            en_attente: self.modif_list(pending, true)?,
            refusees: self.modif_list(refused, false)?,
            conflits: self.conflits(me)?,
            avis: self.avis(me)?,
        })
    }

    /// Open conflicts, by field: the value in force and every other version.
    fn conflits(&self, me: &Personnel) -> Result<Vec<ConflitView>, ReplicaError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT k.kind, k.entity_id, k.field, k.server_seq, k.value, k.author_id, k.at_ms,
                    k.resolving IS NOT NULL, f.version, f.server_value, f.author_id, f.at_ms
             FROM conflicts k
             LEFT JOIN fields f ON f.kind = k.kind AND f.entity_id = k.entity_id AND f.field = k.field
             ORDER BY k.kind, k.entity_id, k.field, k.server_seq",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    (
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                    ),
                    (
                        r.get::<_, i64>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, String>(5)?,
                        r.get::<_, i64>(6)?,
                    ),
                    r.get::<_, bool>(7)?,
                    (
                        r.get::<_, Option<i64>>(8)?,
                        r.get::<_, Option<String>>(9)?,
                        r.get::<_, Option<String>>(10)?,
                        r.get::<_, Option<i64>>(11)?,
                    ),
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut out: Vec<ConflitView> = Vec::new();
        for ((kind, entity_id, champ), (seq, value, author, at), resolving, current) in rows {
            let same_field = out.last().is_some_and(|c| {
                c.kind.as_str() == kind && c.entity_id == entity_id && c.champ == champ
            });
            if !same_field {
                let Some(kind_enum) = EntityKind::parse(&kind) else {
                    return Err(ReplicaError::Invalid(format!(
                        "conflit d'un type inconnu : {kind}"
                    )));
                };
                let (quoi, eleve) = describe(&self.conn, &kind, &entity_id)?;
                let teacher = match EntityKey::parse(kind_enum, &entity_id) {
                    Ok(key) => teacher_of(&self.conn, &key)?,
                    Err(_) => None,
                };
                let peut_resoudre = may_write(
                    me.fonction,
                    kind_enum,
                    &champ,
                    teacher.as_deref() == Some(me.id.as_str()),
                )
                .is_ok();
                let mut versions = Vec::new();
                if let (Some(v), Some(value), Some(author), Some(at)) = current {
                    versions.push(self.version(&kind, v, &value, &author, at, true)?);
                }
                out.push(ConflitView {
                    kind: kind_enum,
                    entity_id: entity_id.clone(),
                    champ: champ.clone(),
                    quoi,
                    eleve,
                    versions,
                    en_cours: false,
                    peut_resoudre,
                });
            }
            let conflit = out.last_mut().expect("pushed above");
            conflit.en_cours |= resolving;
            let version = self.version(&kind, seq, &value, &author, at, false)?;
            conflit.versions.push(version);
        }
        Ok(out)
    }

    fn version(
        &self,
        kind: &str,
        seq: i64,
        value: &str,
        author: &str,
        at_ms: i64,
        en_vigueur: bool,
    ) -> Result<VersionView, ReplicaError> {
        use rusqlite::OptionalExtension;
        let auteur: Option<String> = self
            .conn
            .prepare_cached(
                "SELECT civilite || ' ' || prenom || ' ' || nom FROM personnels WHERE id = ?1",
            )?
            .query_row([author], |r| r.get(0))
            .optional()?;
        let quand = local_time(at_ms, "%d/%m/%Y %H:%M");
        Ok(VersionView {
            seq: seq as u64,
            valeur: valeur(kind, value),
            auteur: auteur.unwrap_or_else(|| author.to_owned()),
            quand,
            en_vigueur,
        })
    }

    /// Rows of `(client seq, kind, value, state, motif, a, b)`: `a`, `b` are the kind and id
    /// to describe now (`describe_now`, pending entries) or the description stored at refusal.
    fn modif_list(&self, sql: &str, describe_now: bool) -> Result<Vec<ModifView>, ReplicaError> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, u32>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, Option<String>>(6)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(client_seq, kind, value, state, motif, a, b)| {
                let (seance, eleve) = if describe_now {
                    describe(&self.conn, &a, b.as_deref().unwrap_or_default())?
                } else {
                    (a, b)
                };
                Ok(ModifView {
                    client_seq,
                    seance,
                    eleve,
                    valeur: valeur(&kind, &value),
                    etat: match state.as_str() {
                        "local" => EtatSync::Local,
                        "sent" => EtatSync::Envoye,
                        _ => EtatSync::Aucun,
                    },
                    motif,
                })
            })
            .collect()
    }
}
