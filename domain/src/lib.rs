//! The school as Pupitre sees it (GUIDE §2): entities, the values a person edits, and who may see
//! and write what. The rules both sides apply have their one definition here (who may write a
//! field, the closed-council lock, the limits of a text, the roll call's two sources); the central
//! enforces them, the replica and the UI consult them.
//!
//! Everything here is pure: no I/O, no clock, no SQL, no wire format (that is `sync-protocol`'s).
//! `clippy.toml` and `tests/tests/tidy.rs` guard it.

pub mod absences;
pub mod avis;
pub mod competences;
pub mod conseil;
pub mod conservation;
pub mod demi_journees;
pub mod devoir;
pub mod droits;
pub mod edit;
pub mod faits;
pub mod heure;
pub mod notes;
pub mod notifications;
pub mod presence;
pub mod referentiel;
pub mod school;
pub mod scope;
pub mod uai;

pub use competences::{Composante, Evaluation, Item, ItemBrut, Niveau};
pub use conseil::{Appreciation, ConseilEtat, Decision, EtatConseil, Mention, Periode};
pub use devoir::{Devoir, DevoirBrut, DevoirInvalide};
pub use droits::{may_reopen, may_write};
pub use edit::{Edit, EntityKey, EntityKind, InvalidEdit};
pub use faits::{Combinaison, Fait, Garder, Issue, combiner, reglement};
pub use heure::Heure;
pub use notes::{Centiemes, Note};
pub use presence::{AppelEtat, Presence};
pub use school::{
    Cible, Division, Eleve, Etablissement, EtatCivil, Fonction, Groupe, Matiere, Passage,
    Personnel, Responsable, School, Seance, Sejour, Service,
};
pub use scope::{Scope, ScopeKey};
pub use uai::Uai;
