//! One change of one field: what an outbox holds, what a push sends and what the log keeps.

use crate::hlc::Hlc;
use pupitre_domain::EntityKind;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;
use uuid::Uuid;

/// A replica's identity: one per replica file (one user on one PC).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ClientId(pub Uuid);

/// A change's identity: a retry carries the same op id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OpId(pub Uuid);

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Display for OpId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EntityRef {
    pub kind: EntityKind,
    pub id: String,
}

/// A local edit on its way to the central service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Change {
    pub op_id: OpId,
    /// Gap-free per client, from 1.
    pub client_seq: u64,
    pub entity: EntityRef,
    pub field: String,
    pub value: Value,
    /// The server sequence of the value the user was looking at (0: none yet).
    pub base_version: u64,
    pub hlc: Hlc,
    /// A person's resolution of a conflict: closes the field's open conflicts up to this server
    /// sequence (the newest one the person saw). The value itself goes through the field's rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolves: Option<u64>,
}

/// What became of an accepted change in the central's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// The change is now the field's value.
    Applied,
    /// A concurrent change that lost under the field's rule; kept in the log, not the value.
    Superseded,
    /// A concurrent change kept beside the current value in a conflict record until a person
    /// resolves it.
    Conflict,
}

/// An accepted change as the central's log holds it and as pulls return it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerChange {
    /// Gap-free over the whole central.
    pub server_seq: u64,
    pub op_id: OpId,
    pub client_id: ClientId,
    /// The personnel who made the change.
    pub author_id: String,
    pub entity: EntityRef,
    pub field: String,
    pub value: Value,
    pub hlc: Hlc,
    pub effect: Effect,
    /// The scope tag of the entity (`division:<id>` or `groupe:<id>`): what a replica purges by.
    pub scope_key: String,
    /// Set on a conflict's resolution (see `Change::resolves`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolves: Option<u64>,
}
