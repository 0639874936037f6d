//! The local replica of one user on one PC: a SQLite file holding that user's scope, an outbox of
//! local edits written in the same transaction as the data, and the sync client that pushes the
//! outbox and pulls the changes of the scope.
//!
//! `Session` is what `pupitre-api` (and the end-to-end tests) use; the rest is its parts. SQL lives
//! in `store` only; the domain's rules are `pupitre_domain`'s, consulted here, never rewritten;
//! the clock is read in `clock` only.

pub mod background;
pub mod bulletin;
pub mod carnet;
pub mod cle;
pub mod client;
pub mod clock;
pub mod competences;
pub mod config;
pub mod conseil;
pub mod document;
pub mod enveloppes;
pub mod error;
pub mod fichiers;
pub mod jetons;
pub mod login;
pub mod lsu;
pub mod paths;
pub mod session;
pub mod signalement;
pub mod sorties;
pub mod statistiques;
pub mod store;
pub mod sync;
pub mod trousseau;
pub mod vault;
pub mod verrou;
pub mod vie_scolaire;
pub mod views;

pub use error::{ReplicaError, UiError};
pub use session::Session;
pub use store::Store;
