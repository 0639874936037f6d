//! Errors of the replica, and the `{code, message}` form the UI shows: French, saying what
//! happened and what to do.

use pupitre_sync_protocol::wire::ErrorCode;
use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, thiserror::Error)]
pub enum ReplicaError {
    #[error("base locale : {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("fichier local : {0}")]
    Io(#[from] std::io::Error),
    #[error("le fichier {0} n'est pas une base Pupitre")]
    NotOurs(String),
    #[error("le fichier {0} vient d'une version plus récente de Pupitre")]
    Newer(String),
    #[error("le fichier {path} appartient à {owner}, pas à {login}")]
    OtherUser {
        path: String,
        owner: String,
        login: String,
    },
    /// Encrypted under a key this login's password does not give (another person's file).
    #[error("le fichier {0} est chiffré pour un autre compte")]
    Sealed(String),
    #[error("service central injoignable : {0}")]
    Unreachable(String),
    #[error("échange interrompu avec le service central : {0}")]
    Interrupted(String),
    #[error("réponse illisible du service central : {0}")]
    Garbage(String),
    #[error("le service central a répondu {status} : {message}")]
    Server {
        status: u16,
        code: ErrorCode,
        message: String,
    },
    /// The central is overloaded (HTTP 503): it did nothing; come back after `apres`.
    #[error("service central surchargé : {message}")]
    Surcharge {
        apres: std::time::Duration,
        message: String,
    },
    #[error("identifiants refusés")]
    WrongPassword,
    #[error("aucune donnée locale pour cet identifiant")]
    NoLocalReplica,
    #[error("saisie invalide : {0}")]
    Invalid(String),
    /// A stored value this version cannot read back (written by hand, or by a broken release).
    #[error("donnée locale illisible : {0}")]
    Corrupt(String),
    #[error("session fermée")]
    NoSession,
    /// Locked on this PC (inactivity, a school day, the shortcut): the password unlocks it.
    #[error("session verrouillée")]
    Locked(crate::verrou::Raison),
    /// This replica may not open offline now.
    #[error("ouverture hors ligne refusée")]
    Offline(crate::verrou::HorsLigne),
}

impl From<pupitre_school_db::OpenError> for ReplicaError {
    fn from(e: pupitre_school_db::OpenError) -> Self {
        match e {
            pupitre_school_db::OpenError::NotOurs(path) => ReplicaError::NotOurs(path),
            pupitre_school_db::OpenError::Newer { path, .. } => ReplicaError::Newer(path),
            pupitre_school_db::OpenError::WrongKey(path) => ReplicaError::Sealed(path),
            pupitre_school_db::OpenError::Sql(e) => ReplicaError::Sql(e),
            pupitre_school_db::OpenError::Io(e) => ReplicaError::Io(e),
        }
    }
}

/// Sealing failed on this PC (key derivation or encryption): an error, never a fallback key.
impl From<crate::vault::VaultError> for ReplicaError {
    fn from(e: crate::vault::VaultError) -> Self {
        ReplicaError::Corrupt(e.to_string())
    }
}

impl ReplicaError {
    /// Whether the central could not be reached at all (the replica keeps working offline).
    pub fn is_offline(&self) -> bool {
        matches!(
            self,
            ReplicaError::Unreachable(_) | ReplicaError::Interrupted(_)
        )
    }
}

/// An error as the UI receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct UiError {
    pub code: UiCode,
    pub message: String,
}

/// What a front end may tell apart: the replica's own codes, or the central's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(untagged)]
pub enum UiCode {
    Poste(CodePoste),
    Central(ErrorCode),
}

/// The replica's own error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CodePoste {
    Stockage,
    FichierEtranger,
    FichierAutreCompte,
    VersionPlusRecente,
    HorsLigne,
    ReponseIllisible,
    ErreurCentral,
    PremiereConnexionHorsLigne,
    SaisieInvalide,
    Verrouillee,
    HorsLigneTropLongtemps,
}

impl UiCode {
    /// The code as the front end receives it (`hors_ligne`, `session`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            UiCode::Poste(code) => code.as_str(),
            UiCode::Central(code) => code.as_str(),
        }
    }
}

impl CodePoste {
    pub fn as_str(self) -> &'static str {
        match self {
            CodePoste::Stockage => "stockage",
            CodePoste::FichierEtranger => "fichier_etranger",
            CodePoste::FichierAutreCompte => "fichier_autre_compte",
            CodePoste::VersionPlusRecente => "version_plus_recente",
            CodePoste::HorsLigne => "hors_ligne",
            CodePoste::ReponseIllisible => "reponse_illisible",
            CodePoste::ErreurCentral => "erreur_central",
            CodePoste::PremiereConnexionHorsLigne => "premiere_connexion_hors_ligne",
            CodePoste::SaisieInvalide => "saisie_invalide",
            CodePoste::Verrouillee => "verrouillee",
            CodePoste::HorsLigneTropLongtemps => "hors_ligne_trop_longtemps",
        }
    }
}

impl From<&ReplicaError> for UiError {
    fn from(e: &ReplicaError) -> Self {
        let (code, message) = match e {
            ReplicaError::Sql(_) | ReplicaError::Io(_) | ReplicaError::Corrupt(_) => (
                UiCode::Poste(CodePoste::Stockage),
                format!("Erreur d'accès aux données locales ({e}). Vos saisies déjà enregistrées sont conservées ; fermez puis rouvrez Pupitre, et prévenez l'administrateur si cela se répète."),
            ),
            ReplicaError::NotOurs(path) => (
                UiCode::Poste(CodePoste::FichierEtranger),
                format!("Le fichier local {path} n'est pas une base Pupitre. Il n'a pas été modifié : déplacez-le ou prévenez l'administrateur."),
            ),
            ReplicaError::Newer(path) => (
                UiCode::Poste(CodePoste::VersionPlusRecente),
                format!("Les données locales {path} ont été écrites par une version plus récente de Pupitre. Elles n'ont pas été modifiées : installez la dernière version de Pupitre sur ce poste."),
            ),
            ReplicaError::OtherUser { path, .. } | ReplicaError::Sealed(path) => (
                UiCode::Poste(CodePoste::FichierAutreCompte),
                format!("Le fichier local {path} appartient à un autre compte. Il n'a pas été modifié : prévenez l'administrateur."),
            ),
            ReplicaError::Unreachable(_) | ReplicaError::Interrupted(_) => (
                UiCode::Poste(CodePoste::HorsLigne),
                "Le service central est injoignable. Vous pouvez continuer à travailler : vos saisies seront envoyées au retour du réseau.".to_owned(),
            ),
            ReplicaError::Garbage(_) => (
                UiCode::Poste(CodePoste::ReponseIllisible),
                "Le service central a répondu de façon incompréhensible. Vos saisies restent sur ce poste ; réessayez plus tard ou prévenez l'administrateur.".to_owned(),
            ),
            ReplicaError::Surcharge { message, .. } => {
                (UiCode::Central(ErrorCode::Surcharge), message.clone())
            }
            ReplicaError::Server { status, message, .. } if *status >= 500 => (
                UiCode::Poste(CodePoste::ErreurCentral),
                format!("Le service central est en erreur ({status}). Vos saisies restent sur ce poste et seront renvoyées automatiquement. {message}"),
            ),
            ReplicaError::Server { code, message, .. } => (UiCode::Central(*code), message.clone()),
            ReplicaError::WrongPassword => (
                UiCode::Central(ErrorCode::Identifiants),
                "Identifiant ou mot de passe incorrect. Vérifiez la saisie (majuscules comprises).".to_owned(),
            ),
            ReplicaError::NoLocalReplica => (
                UiCode::Poste(CodePoste::PremiereConnexionHorsLigne),
                "Le service central est injoignable et ce compte ne s'est jamais connecté sur ce poste. La première connexion demande le réseau : réessayez dans un moment.".to_owned(),
            ),
            ReplicaError::Invalid(reason) => (UiCode::Poste(CodePoste::SaisieInvalide), format!("Saisie refusée : {reason}.")),
            ReplicaError::NoSession => (
                UiCode::Central(ErrorCode::Session),
                "Vous n'êtes plus connecté : reconnectez-vous.".to_owned(),
            ),
            ReplicaError::Locked(raison) => (
                UiCode::Poste(CodePoste::Verrouillee),
                format!("{} Saisissez votre mot de passe pour reprendre ; rien n'est perdu.", raison.message()),
            ),
            ReplicaError::Offline(why) => (UiCode::Poste(CodePoste::HorsLigneTropLongtemps), why.message()),
        };
        UiError { code, message }
    }
}

impl From<ReplicaError> for UiError {
    fn from(e: ReplicaError) -> Self {
        UiError::from(&e)
    }
}
