//! Requests and responses between a replica and the central service (JSON over HTTP).

use crate::change::{Change, ClientId, OpId, ServerChange};
use crate::hlc::Hlc;
use pupitre_domain::{Personnel, School, Scope, Uai};
use serde::{Deserialize, Serialize};

/// Most changes one push may carry; the client sends larger outboxes in several pushes.
pub const MAX_PUSH_CHANGES: usize = 500;
/// Most changes one pull page holds.
pub const MAX_PULL_PAGE: u32 = 1000;

/// An error body: a stable code for programs and a French message for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

/// Why the central refused a whole request (a change's own refusal is a `Refusal`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// No session, or an expired one: log in again.
    Session,
    /// Wrong login or password.
    Identifiants,
    /// The request is malformed or breaks a limit.
    RequeteInvalide,
    /// This PC is registered to someone else, or the changes come from another PC.
    Poste,
    TropDeModifications,
    /// This client's protocol is too old for the central ...
    MiseAJourNecessaire,
    /// ... or too new.
    CentralTropAncien,
    /// The central was restored from a backup: rebase, then push again.
    JournalChange,
    /// The request names an epoch of the log the central never had.
    EpoqueInconnue,
    Interne,
    /// The access token has expired: ask `/v1/jetons` for a new pair, then retry.
    JetonExpire,
    /// The account is disabled at the central.
    CompteDesactive,
    /// Too many attempts from this account or address: wait before trying again.
    TropDeTentatives,
    /// An envelope was refused (tampered, replayed, signed by a revoked key...).
    Enveloppe,
    /// The request names a school this central does not serve.
    EtablissementInconnu,
    /// An import was refused (a file, an element, a line): nothing was imported.
    ImportRefuse,
    /// The central is overloaded (HTTP 503): come back after its `Retry-After`; nothing was
    /// done.
    Surcharge,
    /// A code this version does not know (a newer central), or a body that was not ours.
    #[serde(other)]
    Autre,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Session => "session",
            ErrorCode::Identifiants => "identifiants",
            ErrorCode::RequeteInvalide => "requete_invalide",
            ErrorCode::Poste => "poste",
            ErrorCode::TropDeModifications => "trop_de_modifications",
            ErrorCode::MiseAJourNecessaire => "mise_a_jour_necessaire",
            ErrorCode::CentralTropAncien => "central_trop_ancien",
            ErrorCode::JournalChange => "journal_change",
            ErrorCode::EpoqueInconnue => "epoque_inconnue",
            ErrorCode::Interne => "interne",
            ErrorCode::JetonExpire => "jeton_expire",
            ErrorCode::CompteDesactive => "compte_desactive",
            ErrorCode::TropDeTentatives => "trop_de_tentatives",
            ErrorCode::Enveloppe => "enveloppe",
            ErrorCode::EtablissementInconnu => "etablissement_inconnu",
            ErrorCode::ImportRefuse => "import_refuse",
            ErrorCode::Surcharge => "surcharge",
            ErrorCode::Autre => "autre",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub login: String,
    pub password: String,
    pub client_id: ClientId,
    /// The public half of this replica's envelope key (`enveloppe`), registered for this
    /// person and PC: envelopes it signs are delivered as hers.
    #[serde(default)]
    pub cle_envoi: Option<[u8; 32]>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginResponse {
    #[serde(flatten)]
    pub jetons: Jetons,
    pub personnel: Personnel,
    pub server_hlc: Hlc,
    /// The central's public key that envelopes are sealed to.
    #[serde(default)]
    pub cle_depot: Option<[u8; 32]>,
    /// The school this session is in (absent from a central that holds none yet).
    #[serde(default)]
    pub etablissement: Option<Uai>,
}

/// The year's national exports and the school's CSVs, sent by the direction or the
/// administrator (`POST /v1/import`): the same import as `pupitre-central import`, into the
/// school of the session, in one transaction.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportRequest {
    pub fichiers: Vec<FichierImporte>,
    /// The day the changes take effect, `AAAA-MM-JJ` (default: the central's today).
    #[serde(default)]
    pub date: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FichierImporte {
    /// The file's name (errors name it).
    pub nom: String,
    /// Its bytes, in base64 (the national exports are ISO-8859-15, not UTF-8).
    pub contenu: String,
}

/// What the import did, in French, as the command prints it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImportResponse {
    pub rapport: String,
}

/// A school a central serves, as the login screen offers it (`GET /v1/etablissements`, no
/// session: a UAI and a school's name are public).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EtablissementServi {
    pub uai: Uai,
    pub nom: String,
}

/// The schools a central serves, its default one (that answers requests naming none) first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Etablissements {
    pub etablissements: Vec<EtablissementServi>,
}

/// A session's tokens. The access token is short-lived and sent with every request; the
/// refresh token is sent only to `/v1/jetons`, which answers a new pair and retires it (a
/// retired one used again ends the session: someone copied it). The desktop app keeps both
/// in memory, and the refresh token sealed in the encrypted replica, never plain.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Jetons {
    pub token: String,
    pub refresh_token: String,
    /// How long the access token lives from the answer (a duration: the PC's clock may be off).
    pub access_expires_in_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordChangeRequest {
    pub ancien: String,
    pub nouveau: String,
}

/// The central's answer to a delivered envelope (to whoever carried it: nothing of its content).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DepotResponse {
    pub message: String,
}

/// Which log a replica is synced with. A central restored from a backup keeps its log id and
/// moves to a new epoch: a replica that sees another log or epoch rebases and resends what the
/// restored central may no longer have.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogRef {
    pub log_id: String,
    pub epoch: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    pub client_id: ClientId,
    /// The log this replica is synced with: a push meant for another log or epoch is refused
    /// as a whole (`journal_change`), so that the replica rebases first.
    pub log: LogRef,
    pub changes: Vec<Change>,
    /// The client's clock when sending.
    pub hlc: Hlc,
    /// The client's physical clock when sending: the central measures its offset from this (the
    /// HLC cannot show a clock that is behind).
    pub wall_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushResponse {
    /// One outcome per change, in the order sent.
    pub outcomes: Vec<PushOutcome>,
    pub server_hlc: Hlc,
    /// How far the sender's clock is ahead (negative: behind) of the central's: shown to the
    /// person when it is off, never used to merge.
    #[serde(default)]
    pub clock_offset_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushOutcome {
    pub op_id: OpId,
    pub client_seq: u64,
    #[serde(flatten)]
    pub result: PushResult,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum PushResult {
    /// Stored in the log at this server sequence (also the answer to a retry), with what became
    /// of it and, unless it simply applied, why, in French for its author.
    Accepted {
        server_seq: u64,
        /// Whether it became its field's value (the replica then knows that version).
        effect: crate::change::Effect,
        outcome: Outcome,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// Not applied, for a reason a person can read. The replica keeps it visible.
    Refused { code: Refusal, message: String },
}

/// Why the central refused a change: the stable code programs compare (the message is for people).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// Client sequence 0.
    Sequence,
    /// A sequence already used by another op.
    SequenceReutilisee,
    /// An earlier sequence is missing: the change is sent again later (not a refusal to show).
    SequenceManquante,
    /// Already refused before the central was restored (a void).
    DejaRefusee,
    ValeurInvalide,
    PeriodeInconnue,
    ConseilInconnu,
    SeanceInconnue,
    ServiceInconnu,
    /// Not the author's to write (rights, or a class no longer theirs).
    HorsPerimetre,
    EleveInconnu,
    /// The council of the period is closed.
    PeriodeClose,
    /// A mark or a deletion for a devoir the central does not have.
    DevoirInconnu,
    /// A change of a deleted devoir or of its marks: a deleted devoir never comes back.
    DevoirSupprime,
    /// A competency item the central does not have, deleted, or not evaluated in the devoir.
    ItemInconnu,
    /// A justification or a deletion of an absence or a dispense the central does not have, or
    /// deleted.
    AbsenceInconnue,
    /// An absence over another of the same pupil.
    Chevauchement,
    /// Dates outside the school year.
    HorsAnnee,
    /// A motif the settings do not have, or removed from them while absences use it.
    MotifInconnu,
    /// A justification of a lateness not noted, a report of an exclusion not given.
    SansObjet,
    ConflitInconnu,
    /// Causal metadata naming a version the central never gave.
    VersionInconnue,
    /// An own base that is not an earlier edit of this PC.
    CausaliteInvalide,
    /// A timestamp no clock can give.
    HorodatageInvalide,
    /// A roll call of a séance whose day has not begun (by the central's clock).
    SeanceAVenir,
    /// A code this version does not know (a newer central).
    #[serde(other)]
    Autre,
}

impl Refusal {
    /// The code as stored and sent (`hors_perimetre`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::Sequence => "sequence",
            Refusal::SequenceReutilisee => "sequence_reutilisee",
            Refusal::SequenceManquante => "sequence_manquante",
            Refusal::DejaRefusee => "deja_refusee",
            Refusal::ValeurInvalide => "valeur_invalide",
            Refusal::PeriodeInconnue => "periode_inconnue",
            Refusal::ConseilInconnu => "conseil_inconnu",
            Refusal::SeanceInconnue => "seance_inconnue",
            Refusal::ServiceInconnu => "service_inconnu",
            Refusal::HorsPerimetre => "hors_perimetre",
            Refusal::EleveInconnu => "eleve_inconnu",
            Refusal::PeriodeClose => "periode_close",
            Refusal::DevoirInconnu => "devoir_inconnu",
            Refusal::DevoirSupprime => "devoir_supprime",
            Refusal::ItemInconnu => "item_inconnu",
            Refusal::AbsenceInconnue => "absence_inconnue",
            Refusal::Chevauchement => "chevauchement",
            Refusal::HorsAnnee => "hors_annee",
            Refusal::MotifInconnu => "motif_inconnu",
            Refusal::SansObjet => "sans_objet",
            Refusal::ConflitInconnu => "conflit_inconnu",
            Refusal::VersionInconnue => "version_inconnue",
            Refusal::CausaliteInvalide => "causalite_invalide",
            Refusal::HorodatageInvalide => "horodatage_invalide",
            Refusal::SeanceAVenir => "seance_a_venir",
            Refusal::Autre => "autre",
        }
    }

    /// Reads a stored code; an unknown one is `Autre`.
    pub fn parse(text: &str) -> Refusal {
        serde_json::from_value(serde_json::Value::String(text.to_owned())).unwrap_or(Refusal::Autre)
    }
}

/// What became of an accepted change: every one of them is something its author can see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// It is the field's value.
    Applied,
    /// A concurrent change had written the same value: it stands as it is.
    Same,
    /// A roll-call mark shown together with a vie scolaire fact (both stand).
    Combined,
    /// It did not stand: a one-way state already further, or a vie scolaire fact that accounts
    /// for the pupil. The reason names who wrote what stands.
    NotStood,
    /// Kept beside the current value until a person chooses (or, for a roll call that
    /// contradicts a vie scolaire fact, until the CPE checks).
    Conflict,
}

impl Outcome {
    /// The outcome as stored and sent (`not_stood`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Applied => "applied",
            Outcome::Same => "same",
            Outcome::Combined => "combined",
            Outcome::NotStood => "not_stood",
            Outcome::Conflict => "conflict",
        }
    }

    /// Reads a stored outcome.
    pub fn parse(text: &str) -> Option<Outcome> {
        serde_json::from_value(serde_json::Value::String(text.to_owned())).ok()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullRequest {
    /// The last server sequence this replica has applied ...
    pub cursor: u64,
    /// ... in this log: another log or epoch gets `snapshot_required`.
    pub log: LogRef,
    pub limit: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PullResponse {
    /// Changes in the caller's scope, in server order.
    pub changes: Vec<ServerChange>,
    /// The cursor to ask from next: past every change scanned, in scope or not.
    pub next_cursor: u64,
    pub has_more: bool,
    /// The cursor is older than the compacted log: no changes come, and the replica must rebase
    /// on a snapshot (`GET /v1/snapshot`) before pulling again.
    pub snapshot_required: bool,
    /// The caller's scope now: a replica purges what left it.
    pub scope: Scope,
    /// The log served, and through which sequence it is saved in a backup.
    pub log: LogRef,
    pub durable_through: u64,
    pub server_hlc: Hlc,
    /// The central erased the school year's vie scolaire (its retention, by its own clock): the
    /// replica erases its copy, and its unsent entries there become refusals it shows.
    #[serde(default)]
    pub vie_scolaire_effacee: bool,
    /// The reference data's moves for the caller's view, in the same span of the log as
    /// `changes` (applied before them). Absent from an older central.
    #[serde(default)]
    pub referentiel: Vec<RefChange>,
}

/// A move of the reference data at its place in the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RefChange {
    pub server_seq: u64,
    pub mouvement: pupitre_domain::referentiel::Mouvement,
}

/// A field's history, as the roll call and the CPE's desk open it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryRequest {
    pub entity: crate::change::EntityRef,
    pub field: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HistoryResponse {
    /// Oldest first; what compaction removed is no longer there (`complete` is false then).
    pub entries: Vec<HistoryEntry>,
    pub complete: bool,
}

/// One change of a field: who, what, when, on which PC, and what became of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub server_seq: u64,
    /// "M. Roux (CPE)".
    pub author: String,
    pub client_id: ClientId,
    pub value: serde_json::Value,
    pub effect: crate::change::Effect,
    /// When the central received it (its own clock).
    pub received_ms: u64,
    /// When the PC says it was written (its clock, which may be wrong: shown as data).
    pub written_ms: u64,
}

/// Everything a new replica needs for its scope, read in one transaction at `cursor`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Snapshot {
    pub moi: Personnel,
    pub scope: Scope,
    /// The reference data the scope sees (with the divisions of every pupil it sees).
    #[serde(flatten)]
    pub school: School,
    /// The current value of every field in scope (the applied changes that still stand).
    pub fields: Vec<ServerChange>,
    /// The values kept in open conflicts in scope (changes with effect `Conflict`).
    pub conflicts: Vec<ServerChange>,
    pub cursor: u64,
    pub log: LogRef,
    /// Every sequence given before the central's last restore is at most this: a replica from
    /// an earlier epoch keeps no base above it.
    pub restore_floor: u64,
    pub server_hlc: Hlc,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusal_codes_read_back_as_written() {
        let all = [
            Refusal::Sequence,
            Refusal::SequenceReutilisee,
            Refusal::SequenceManquante,
            Refusal::DejaRefusee,
            Refusal::ValeurInvalide,
            Refusal::PeriodeInconnue,
            Refusal::ConseilInconnu,
            Refusal::SeanceInconnue,
            Refusal::ServiceInconnu,
            Refusal::HorsPerimetre,
            Refusal::EleveInconnu,
            Refusal::PeriodeClose,
            Refusal::DevoirInconnu,
            Refusal::DevoirSupprime,
            Refusal::ItemInconnu,
            Refusal::AbsenceInconnue,
            Refusal::Chevauchement,
            Refusal::HorsAnnee,
            Refusal::MotifInconnu,
            Refusal::SansObjet,
            Refusal::ConflitInconnu,
            Refusal::VersionInconnue,
            Refusal::CausaliteInvalide,
            Refusal::HorodatageInvalide,
        ];
        for code in all {
            assert_eq!(Refusal::parse(code.as_str()), code);
            assert_eq!(
                serde_json::to_value(code).expect("serialize"),
                serde_json::Value::String(code.as_str().to_owned())
            );
        }
        assert_eq!(Refusal::parse("venu_d_ailleurs"), Refusal::Autre);
    }

    #[test]
    fn error_codes_serialize_as_named() {
        let names = "session identifiants requete_invalide poste trop_de_modifications \
                     mise_a_jour_necessaire central_trop_ancien journal_change epoque_inconnue interne";
        for name in names.split_whitespace() {
            let text = serde_json::Value::String(name.to_owned());
            let code: ErrorCode = serde_json::from_value(text.clone()).expect("a known code");
            assert_ne!(code, ErrorCode::Autre, "{name}");
            assert_eq!(code.as_str(), name);
            assert_eq!(serde_json::to_value(code).expect("serialize"), text);
        }
        let newer = serde_json::Value::String("venu_d_ailleurs".into());
        assert_eq!(
            serde_json::from_value::<ErrorCode>(newer).expect("read"),
            ErrorCode::Autre
        );
    }

    #[test]
    fn outcomes_read_back_as_written() {
        use Outcome::*;
        for outcome in [Applied, Same, Combined, NotStood, Conflict] {
            assert_eq!(Outcome::parse(outcome.as_str()), Some(outcome));
            assert_eq!(
                serde_json::to_value(outcome).expect("serialize"),
                serde_json::Value::String(outcome.as_str().to_owned())
            );
        }
        assert_eq!(Outcome::parse("perdu"), None);
        use crate::change::Effect;
        for effect in [Effect::Applied, Effect::Superseded, Effect::Conflict] {
            assert_eq!(Effect::parse(effect.as_str()), Some(effect));
            assert_eq!(
                serde_json::to_value(effect).expect("serialize"),
                serde_json::Value::String(effect.as_str().to_owned())
            );
        }
        assert_eq!(Effect::parse("perdu"), None);
    }
}
