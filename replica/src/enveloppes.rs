//! The sealed outbox on this PC (see `pupitre_sync_protocol::enveloppe`). At logout, what the
//! person leaves unsent is also written as one envelope in `envois/` under the data
//! directory; whoever's session runs next on this PC delivers it at its next round, and
//! deletes it once the central has it, or has refused it for good. Her replica keeps the
//! same changes (same op ids, same sequences): if she logs in again first, they leave with
//! her own push, and the envelope delivered later changes nothing.

use crate::client::CentralClient;
use crate::error::ReplicaError;
use crate::fichiers;
use crate::store::Store;
use pupitre_sync_protocol::ClientId;
use pupitre_sync_protocol::enveloppe::{self, Contenu};
use pupitre_sync_protocol::wire::{ErrorCode, MAX_PUSH_CHANGES, PushRequest};
use std::path::{Path, PathBuf};
use uuid::Uuid;

const EXTENSION: &str = "enveloppe";

/// Where the envelopes for the central's first school wait.
pub fn dossier(data_dir: &Path) -> PathBuf {
    data_dir.join("envois")
}

/// Where `compte`'s envelopes wait: each school's apart, so that one is only ever handed to
/// its own school.
pub fn dossier_de(data_dir: &Path, compte: &crate::paths::Compte) -> PathBuf {
    compte.dans(&dossier(data_dir))
}

/// Writes what `store` has unsent (at most one push's worth; the rest waits for its author)
/// as an envelope. Returns how many changes it holds (0: nothing was written).
pub fn laisser(
    store: &Store,
    envois: &Path,
    client_id: &ClientId,
    now_ms: u64,
) -> Result<usize, ReplicaError> {
    let changes = store.pending(MAX_PUSH_CHANGES)?;
    let (Some(log), Some(author), Some(central)) = (
        store.log()?,
        store.envelope_key()?,
        store.central_box_key()?,
    ) else {
        return Ok(0);
    };
    if changes.is_empty() {
        return Ok(0);
    }
    let count = changes.len();
    let contenu = Contenu {
        id: Uuid::new_v4(),
        push: PushRequest {
            client_id: client_id.clone(),
            log,
            changes,
            hlc: store.clock()?,
            wall_ms: now_ms,
        },
    };
    let signing = enveloppe::signing_key(*author);
    let sealed = enveloppe::sceller(&contenu, &signing, &central, &mut rand::rngs::OsRng)
        .map_err(|e| ReplicaError::Invalid(format!("enveloppe impossible à sceller : {e}")))?;
    fichiers::dossier_prive(envois)?;
    // Named by time, so that they are delivered in the order they were left.
    let name = format!("{now_ms:016}-{}.{EXTENSION}", contenu.id);
    fichiers::remplacer(&envois.join(name), &sealed)?;
    Ok(count)
}

/// What a delivery pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Remises {
    pub remises: usize,
    /// Refused for good by the central (tampered, replayed, revoked key...): deleted.
    pub refusees: Vec<String>,
    /// Still here: the central could not be reached, or could not take them now.
    pub restantes: usize,
}

/// Delivers every envelope waiting on this PC, oldest first.
pub async fn remettre(envois: &Path, api: &CentralClient) -> Result<Remises, ReplicaError> {
    let mut files = waiting(envois)?;
    files.sort();
    let mut done = Remises::default();
    for (i, path) in files.iter().enumerate() {
        let bytes = std::fs::read(path)?;
        match api.deliver(bytes).await {
            Ok(_) => {
                std::fs::remove_file(path)?;
                done.remises += 1;
            }
            Err(ReplicaError::Server {
                code: ErrorCode::Enveloppe,
                message,
                ..
            }) => {
                tracing::warn!("envelope {} refused: {message}", path.display());
                std::fs::remove_file(path)?;
                done.refusees.push(message);
            }
            Err(e) => {
                done.restantes = files.len() - i;
                if e.is_offline() {
                    return Ok(done);
                }
                return Err(e);
            }
        }
    }
    Ok(done)
}

pub fn waiting(envois: &Path) -> Result<Vec<PathBuf>, ReplicaError> {
    let entries = match std::fs::read_dir(envois) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
        Err(e) => return Err(e.into()),
    };
    let mut files = vec![];
    for entry in entries {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == EXTENSION) {
            files.push(path);
        }
    }
    Ok(files)
}
