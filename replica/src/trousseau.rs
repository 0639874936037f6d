//! What belongs to the device, in the OS's keyring: on a personal computer whose owner asked
//! to be remembered, her replica's key, so that Pupitre opens on her data without the password
//! (within the offline grace; the refresh token in the replica then renews the session). On a
//! shared PC nobody ticks it. A PC without a keyring service works by password, and nothing is
//! ever written to a plain file instead: the login says so.

use crate::error::ReplicaError;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use zeroize::Zeroizing;

/// The service name entries are filed under (the app's identifier).
pub const SERVICE: &str = "fr.pupitre.desktop";

#[derive(Debug, thiserror::Error)]
#[error("trousseau du système indisponible : {0}")]
pub struct Indisponible(pub String);

/// A keyring: secrets by login.
pub trait Trousseau: Send + Sync {
    fn garder(&self, login: &str, secret: &[u8]) -> Result<(), Indisponible>;
    fn lire(&self, login: &str) -> Result<Option<Zeroizing<Vec<u8>>>, Indisponible>;
    fn oublier(&self, login: &str) -> Result<(), Indisponible>;
}

/// The OS's keyring (Secret Service on Linux, the Credential Manager on Windows).
pub struct Systeme;

fn entry(login: &str) -> Result<keyring::Entry, Indisponible> {
    keyring::Entry::new(SERVICE, login).map_err(|e| Indisponible(e.to_string()))
}

impl Trousseau for Systeme {
    fn garder(&self, login: &str, secret: &[u8]) -> Result<(), Indisponible> {
        entry(login)?
            .set_secret(secret)
            .map_err(|e| Indisponible(e.to_string()))
    }

    fn lire(&self, login: &str) -> Result<Option<Zeroizing<Vec<u8>>>, Indisponible> {
        match entry(login)?.get_secret() {
            Ok(secret) => Ok(Some(Zeroizing::new(secret))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(Indisponible(e.to_string())),
        }
    }

    fn oublier(&self, login: &str) -> Result<(), Indisponible> {
        match entry(login)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(Indisponible(e.to_string())),
        }
    }
}

/// A keyring in memory (tests; it persists across entries, unlike keyring's mock).
#[derive(Default)]
pub struct EnMemoire(Mutex<HashMap<String, Vec<u8>>>);

impl EnMemoire {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Vec<u8>>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Every secret held (for a test to search).
    pub fn tout(&self) -> Vec<(String, Vec<u8>)> {
        self.map()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

impl Trousseau for EnMemoire {
    fn garder(&self, login: &str, secret: &[u8]) -> Result<(), Indisponible> {
        self.map().insert(login.to_owned(), secret.to_vec());
        Ok(())
    }

    fn lire(&self, login: &str) -> Result<Option<Zeroizing<Vec<u8>>>, Indisponible> {
        Ok(self.map().get(login).cloned().map(Zeroizing::new))
    }

    fn oublier(&self, login: &str) -> Result<(), Indisponible> {
        self.map().remove(login);
        Ok(())
    }
}

/// A PC without a keyring service.
pub struct Aucun;

impl Trousseau for Aucun {
    fn garder(&self, _: &str, _: &[u8]) -> Result<(), Indisponible> {
        Err(Indisponible(
            "aucun service de trousseau sur ce poste".into(),
        ))
    }

    fn lire(&self, _: &str) -> Result<Option<Zeroizing<Vec<u8>>>, Indisponible> {
        Ok(None)
    }

    fn oublier(&self, _: &str) -> Result<(), Indisponible> {
        Ok(())
    }
}

/// Which login this device remembers (not a secret: the key is in the keyring).
fn memo(data_dir: &Path) -> PathBuf {
    data_dir.join("appareil-memorise")
}

pub fn memorise(data_dir: &Path) -> Result<Option<String>, ReplicaError> {
    match std::fs::read_to_string(memo(data_dir)) {
        Ok(login) => Ok(Some(login.trim().to_owned()).filter(|l| !l.is_empty())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

pub fn memoriser(data_dir: &Path, login: &str) -> Result<(), ReplicaError> {
    crate::fichiers::dossier_prive(data_dir)?;
    Ok(crate::fichiers::remplacer(
        &memo(data_dir),
        login.as_bytes(),
    )?)
}

pub fn oublier_memo(data_dir: &Path) -> Result<(), ReplicaError> {
    match std::fs::remove_file(memo(data_dir)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
        _ => Ok(()),
    }
}

/// What the login tells its user when she asked to be remembered and the PC cannot.
pub fn avis_indisponible(e: &Indisponible) -> String {
    format!(
        "Ce poste n'a pas de trousseau sécurisé du système ({}) : Pupitre ne peut pas se souvenir de vous ici, et ne garde rien dans un fichier à la place. Votre mot de passe sera demandé à chaque ouverture.",
        e.0
    )
}
