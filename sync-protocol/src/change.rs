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
    /// What the user was looking at: the central's version of the field (its server sequence;
    /// 0: none yet) ...
    pub base_version: u64,
    /// ... and, if the field showed this PC's own edit not yet acknowledged, that edit's client
    /// sequence. Together they name what this change overwrites (see `rules::covers`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_own: Option<u64>,
    /// The op of the central's value the user saw (its dot, which a restore does not renumber).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_op: Option<OpId>,
    pub hlc: Hlc,
    /// A person's resolution of a conflict: closes the field's open conflicts up to this server
    /// sequence (the newest one the person saw). The value itself goes through the field's rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolves: Option<u64>,
    /// A change resent after the central was restored: the server sequence it had been
    /// acknowledged at before (other replicas may name it by that number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acked_as: Option<u64>,
    /// Refused before the central was restored (the restored central may not know it): sent
    /// again only so that this client's sequence has no gap; never applied.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub void: bool,
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

impl Effect {
    /// The effect as stored and sent (`applied`, `superseded`, `conflict`).
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Applied => "applied",
            Effect::Superseded => "superseded",
            Effect::Conflict => "conflict",
        }
    }

    /// Reads a stored effect.
    pub fn parse(text: &str) -> Option<Effect> {
        serde_json::from_value(serde_json::Value::String(text.to_owned())).ok()
    }
}

/// An accepted change as the central's log holds it and as pulls return it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerChange {
    /// Gap-free over the whole central.
    pub server_seq: u64,
    pub op_id: OpId,
    pub client_id: ClientId,
    /// The change's sequence at its client: with `client_id`, its dot.
    #[serde(default)]
    pub client_seq: u64,
    /// The personnel who made the change.
    pub author_id: String,
    pub entity: EntityRef,
    pub field: String,
    pub value: Value,
    pub hlc: Hlc,
    /// When the central received it, by its own clock (0 in a change being built).
    #[serde(default)]
    pub received_ms: u64,
    pub effect: Effect,
    /// The scope tag of the entity (`division:<id>` or `groupe:<id>`): what a replica purges by.
    pub scope_key: String,
    /// Set on a conflict's resolution (see `Change::resolves`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolves: Option<u64>,
}
