//! Requests and responses between a replica and the central service (JSON over HTTP).

use crate::change::{Change, ClientId, OpId, ServerChange};
use crate::hlc::Hlc;
use pupitre_domain::{Personnel, School, Scope};
use serde::{Deserialize, Serialize};

/// Most changes one push may carry; the client sends larger outboxes in several pushes.
pub const MAX_PUSH_CHANGES: usize = 500;
/// Most changes one pull page holds.
pub const MAX_PULL_PAGE: u32 = 1000;

/// An error body: a stable code for programs and a French message for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub login: String,
    pub password: String,
    pub client_id: ClientId,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginResponse {
    /// Bearer token; the desktop app keeps it in memory or sealed by the password, never plain.
    pub token: String,
    pub personnel: Personnel,
    pub server_hlc: Hlc,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    pub client_id: ClientId,
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
    /// Stored at this server sequence (also the answer to a retry of an applied change).
    Accepted { server_seq: u64 },
    /// Not applied, for a reason a person can read. The replica keeps it visible.
    Refused { code: String, message: String },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullRequest {
    /// The last server sequence this replica has applied.
    pub cursor: u64,
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
    pub server_hlc: Hlc,
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
    pub server_hlc: Hlc,
}
