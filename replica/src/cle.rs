//! The replica's key. Each login's replica is encrypted (SQLCipher) under its own random
//! 256-bit key, kept beside it in `<login>.cle` sealed by the person's password (argon2id, see
//! `vault`). So a replica opens offline with its owner's password alone, and nobody else on the
//! same OS account (the next teacher on a classroom PC) can read it. The key lives in memory
//! only while the replica is open, and is wiped when dropped.

use crate::error::ReplicaError;
use crate::fichiers;
use crate::vault;
use pupitre_school_db::Key;
use rand::RngCore;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

pub struct CleReplica(Zeroizing<Key>);

impl CleReplica {
    /// A fresh key from the OS's random source.
    pub fn nouvelle() -> CleReplica {
        let mut key = Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng.fill_bytes(key.as_mut());
        CleReplica(key)
    }

    /// A key read back from the device's keyring; `None` unless it is 32 bytes.
    pub fn depuis(octets: &[u8]) -> Option<CleReplica> {
        let key: Key = octets.try_into().ok()?;
        Some(CleReplica(Zeroizing::new(key)))
    }

    pub fn octets(&self) -> &Key {
        &self.0
    }
}

/// Never printed: a log line must not carry it.
impl std::fmt::Debug for CleReplica {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CleReplica(…)")
    }
}

/// The key file of the replica at `replica`.
pub fn fichier(replica: &Path) -> PathBuf {
    replica.with_extension("cle")
}

/// Seals `cle` under `password` into the replica's key file, whole or not at all.
pub fn enregistrer(replica: &Path, password: &str, cle: &CleReplica) -> Result<(), ReplicaError> {
    let sealed = vault::seal_bytes(password, cle.octets())?;
    if let Some(dir) = replica.parent() {
        fichiers::dossier_prive(dir)?;
    }
    fichiers::remplacer(&fichier(replica), &sealed)?;
    Ok(())
}

/// The key sealed beside `replica`: `None` when there is no key file, `WrongPassword` when
/// `password` does not open it (or the file is damaged).
pub fn ouvrir(replica: &Path, password: &str) -> Result<Option<CleReplica>, ReplicaError> {
    let sealed = match std::fs::read(fichier(replica)) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let plain = vault::open_bytes(password, &sealed).map_err(|_| ReplicaError::WrongPassword)?;
    let key: Key = plain
        .as_slice()
        .try_into()
        .map_err(|_| ReplicaError::WrongPassword)?;
    Ok(Some(CleReplica(Zeroizing::new(key))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_opens_with_its_password_only_and_is_never_in_clear() {
        let dir = tempfile::tempdir().expect("tempdir");
        let replica = dir.path().join("replicas").join("c.martin.sqlite");
        assert!(ouvrir(&replica, "x").expect("no file").is_none());
        let cle = CleReplica::nouvelle();
        enregistrer(&replica, "mot-de-passe", &cle).expect("seal");
        let on_disk = std::fs::read(fichier(&replica)).expect("read");
        assert!(!on_disk.windows(32).any(|w| w == cle.octets()));
        let opened = ouvrir(&replica, "mot-de-passe")
            .expect("open")
            .expect("key");
        assert_eq!(opened.octets(), cle.octets());
        assert!(matches!(
            ouvrir(&replica, "Mot-de-passe"),
            Err(ReplicaError::WrongPassword)
        ));
        assert_ne!(CleReplica::nouvelle().octets(), cle.octets());
        assert_eq!(format!("{cle:?}"), "CleReplica(…)");
    }
}
