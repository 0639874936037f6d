//! What the front ends are shown: the view types (exported to TypeScript through `pupitre_api`)
//! and the pure functions that word stored values for a person. No SQL here: the store's
//! `screens` modules fill these types.

use crate::error::UiError;
use pupitre_domain::avis;
use pupitre_domain::{AppelEtat, ConseilEtat, EntityKind, Fait, Fonction, Issue, Presence};
use serde::Serialize;
use ts_rs::TS;

/// A school the login screen offers, when the central serves several.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct EtablissementView {
    /// What the login names: `None` for the central's first school (a PC's usual one).
    pub uai: Option<String>,
    /// Its name, or its UAI when known only from this PC's replicas (offline).
    pub nom: String,
}

/// The person logged in.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Moi {
    pub id: String,
    pub civilite: String,
    pub nom: String,
    pub prenom: String,
    pub fonction: Fonction,
    pub etablissement: String,
    /// False when the login was checked offline against this PC's replica.
    pub en_ligne: bool,
    /// What the login did that the user must know (their old replica set aside), if anything.
    pub avis: Option<String>,
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
    /// Taught by a substitute (`enseignant` names her).
    pub remplacement: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct LigneAppel {
    pub eleve_id: String,
    pub nom: String,
    pub prenom: String,
    pub division: String,
    /// The teacher's observation (what she edits).
    pub presence: Presence,
    /// Whether a mark was written for this row (untouched: present by default).
    pub marque: bool,
    /// What the vie scolaire knows of the pupil in this séance, if anything.
    pub fait: Option<FaitView>,
    /// What the CPE and the families see: the two combined (`pupitre_domain::combiner`).
    pub vu: Presence,
    pub issue: Issue,
    pub sync: EtatSync,
    /// What the school already knows before the teacher starts: a dispense, an absence the vie
    /// scolaire recorded (the family warned), an absence at the previous séance of the day.
    pub signalements: Vec<String>,
    /// The mark those suggest, shown as such; written as hers only when she validates the roll
    /// call without touching the row.
    pub proposition: Option<Presence>,
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
    /// The division's level (`6EME`…), for the desk's filter.
    pub niveau: String,
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
    /// Beside the text: her average in the subject for the period, and how often she was
    /// marked absent or late in its lessons then (what this PC holds).
    pub moyenne: Option<String>,
    pub absences: u32,
    pub retards: u32,
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

/// A stored value as a person reads it.
pub(crate) fn valeur(kind: &str, json: &str) -> String {
    match kind {
        "presence" => match serde_json::from_str::<Presence>(json) {
            Ok(Presence::Retard { arrivee }) => format!("Retard {arrivee}"),
            Ok(p) => p.libelle().to_owned(),
            Err(_) => match serde_json::from_str::<Fait>(json) {
                Ok(fait) => format!("Vie scolaire : {}", avis::libelle_fait(fait)),
                Err(_) => valeur_vie_scolaire(kind, json),
            },
        },
        "absence" | "dispense" | "reglages" | "notification" => valeur_vie_scolaire(kind, json),
        // A council's decision: a mention's code, or a text (the general appreciation, the
        // avis, the vie scolaire's).
        "decision" => match serde_json::from_str::<Option<pupitre_domain::Mention>>(json) {
            Ok(Some(m)) => m.libelle().to_owned(),
            Ok(None) => "(mention retirée)".to_owned(),
            Err(_) => match serde_json::from_str::<String>(json) {
                Ok(texte) if texte.is_empty() => "(effacé)".to_owned(),
                Ok(texte) => texte,
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
        "conseil" => match serde_json::from_str::<pupitre_domain::EtatConseil>(json) {
            Ok(e) => match e.motif {
                Some(motif) if e.etat == ConseilEtat::EnSeance => {
                    format!("Conseil rouvert : « {} »", motif.as_str())
                }
                _ => format!("Conseil : {}", e.etat.libelle().to_lowercase()),
            },
            Err(_) => json.to_owned(),
        },
        "note" => match serde_json::from_str::<Option<pupitre_domain::Note>>(json) {
            Ok(Some(note)) => note.libelle(),
            Ok(None) => "(case vidée)".to_owned(),
            Err(_) => json.to_owned(),
        },
        "devoir" => match serde_json::from_str::<pupitre_domain::Devoir>(json) {
            Ok(d) => format!(
                "« {} » du {}, sur {}, coefficient {}{}",
                d.titre(),
                d.date().format("%d/%m/%Y"),
                d.bareme(),
                d.coefficient(),
                if d.compte() { "" } else { ", ne compte pas" }
            ),
            Err(_) if json == "true" => "Devoir supprimé".to_owned(),
            Err(_) => json.to_owned(),
        },
        "item" => match serde_json::from_str::<pupitre_domain::Item>(json) {
            Ok(i) => format!("« {} » ({})", i.libelle(), i.composante().code()),
            Err(_) if json == "true" => "Compétence supprimée".to_owned(),
            Err(_) => json.to_owned(),
        },
        "evaluation" => match serde_json::from_str::<Option<pupitre_domain::Evaluation>>(json) {
            Ok(Some(e)) => e.libelle(),
            Ok(None) => "(case vidée)".to_owned(),
            Err(_) => json.to_owned(),
        },
        "positionnement" => match serde_json::from_str::<Option<pupitre_domain::Niveau>>(json) {
            Ok(Some(n)) => format!("{} ({})", n as u8, n.libelle()),
            Ok(None) => "(positionnement effacé)".to_owned(),
            Err(_) => json.to_owned(),
        },
        _ => json.to_owned(),
    }
}

/// The vie scolaire's values in words: an absence's span or justification, a dispense, a
/// lateness's justification, an exclusion report, a notification and its sending.
fn valeur_vie_scolaire(kind: &str, json: &str) -> String {
    use pupitre_domain::absences::{Absence, Dispense, Justification};
    use pupitre_domain::notifications::{Envoi, Notification};
    fn read<T: serde::de::DeserializeOwned>(json: &str) -> Option<T> {
        serde_json::from_str(json).ok()
    }
    let supprime = |what: &str| (json == "true").then(|| format!("{what} supprimée"));
    let words = match kind {
        "presence" => read::<Justification>(json)
            .map(|j| format!("Retard : {}", j.libelle()))
            .or_else(|| {
                read::<Option<String>>(json)
                    .map(|r| r.map_or("(rapport retiré)".into(), |r| format!("Rapport : {r}")))
            }),
        "absence" => read::<Absence>(json)
            .map(|a| avis::capitalised(&a.libelle()))
            .or_else(|| read::<Justification>(json).map(|j| j.libelle()))
            .or_else(|| supprime("Absence")),
        "dispense" => read::<Dispense>(json)
            .map(|d| avis::capitalised(&d.libelle()))
            .or_else(|| supprime("Dispense")),
        "reglages" => Some("Réglages de la vie scolaire".to_owned()),
        "notification" => read::<Notification>(json)
            .map(|n| format!("Notification à {}", n.destinataires.join(", ")))
            .or_else(|| {
                read::<Envoi>(json).map(|e| match e.erreur {
                    Some(err) => format!("{} : {err}", e.etat.libelle()),
                    None => e.etat.libelle().to_owned(),
                })
            }),
        _ => None,
    };
    words.unwrap_or_else(|| json.to_owned())
}

pub(crate) fn etat_sync(outbox_state: Option<String>, version: Option<i64>) -> EtatSync {
    etat_sync_conflit(outbox_state, version, false)
}

/// A record's sync state; `conflit`: another version waits for a person's choice.
pub(crate) fn etat_sync_conflit(
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

/// A millisecond timestamp in local time, as `format` says.
pub fn local_time(ms: i64, format: &str) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.with_timezone(&chrono::Local).format(format).to_string())
        .unwrap_or_default()
}
