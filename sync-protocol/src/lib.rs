//! Pupitre's sync protocol: the wire format between replicas and the central service, the hybrid
//! logical clock, and the merge rules. Read this crate first.
//!
//! It is pure: no I/O, no clock reads, no randomness, no async. Times and ids are passed in.
//! `clippy.toml` beside this crate disallows the clock and I/O calls, and `tests/tests/tidy.rs` fails
//! if the sources name them.

pub mod change;
pub mod enveloppe;
pub mod hlc;
pub mod rules;
pub mod version;
pub mod wire;

pub use change::{Change, ClientId, EntityRef, OpId, ServerChange};
pub use hlc::Hlc;
pub use rules::{
    Current, Decision, FieldRule, Incoming, clock_suspect, covers, decide, decide_after_restore,
    rule_for,
};
pub use version::{PROTOCOL_VERSION, SCHEMA_VERSION, VersionCheck, check_versions};
