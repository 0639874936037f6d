//! The one boundary every front end goes through: the desktop shell today, a CLI or a web front
//! end later. It owns the list of commands (`commands!`), what each one does (a few lines over
//! `pupitre_replica::Session`), the view types the front ends receive, and the TypeScript those
//! front ends compile against, generated from the same list.
//!
//! It must not hold SQL, domain rules or sync logic: those live beneath it, in `pupitre_replica`
//! (store, sync, HTTP client) and `pupitre_domain`. It reads no clock and no environment: the
//! shell passes in what it read at startup (`Demarrage`).

mod commands;
mod commands_vie_scolaire;
mod state;
pub mod typescript;

pub use pupitre_domain::absences;
pub use pupitre_domain::{ConseilEtat, EntityKind, Fait, Garder, Presence};
pub use pupitre_replica::UiError;
pub use pupitre_replica::carnet;
pub use pupitre_replica::competences;
pub use pupitre_replica::conseil;
pub use pupitre_replica::session::{
    AbsenceSaisie, DevoirSaisie, DispenseSaisie, ItemSaisie, JustificationSaisie, LsuView,
    PreparationView,
};
pub use pupitre_replica::statistiques;
pub use pupitre_replica::vie_scolaire;
pub use pupitre_replica::views;
pub use state::{Api, Demarrage, Events, Seq};

/// The names of the events the boundary sends to its front end.
pub mod events {
    /// Login progress (`views::Progression`).
    pub const PROGRESSION: &str = "progression";
    /// The sync status whenever it changes (`views::EtatSynchro`).
    pub const ETAT_SYNCHRO: &str = "etat-synchro";
    /// The session locked by itself (a French message).
    pub const VERROUILLAGE: &str = "verrouillage";
}
