//! Sealing by a password: a key derived from it (argon2id), then XChaCha20-Poly1305. It seals
//! the replica's key (`cle`); it opens the session token an earlier release sealed, which proves
//! the password before that release's plain replica is encrypted.

use argon2::Argon2;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use zeroize::Zeroizing;

const SALT_LEN: usize = 16;
const NONCE_LEN: usize = 24;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum VaultError {
    #[error("mot de passe incorrect ou coffre abîmé")]
    Refused,
    /// Key derivation or encryption failed: nothing is sealed, never under a fallback key.
    #[error("chiffrement impossible sur ce poste : {0}")]
    Seal(String),
}

fn key(password: &str, salt: &[u8]) -> Result<Zeroizing<[u8; 32]>, argon2::Error> {
    let mut key = Zeroizing::new([0u8; 32]);
    Argon2::default().hash_password_into(password.as_bytes(), salt, key.as_mut())?;
    Ok(key)
}

/// `salt ‖ nonce ‖ ciphertext` of `secret` under `password`.
pub fn seal_bytes(password: &str, secret: &[u8]) -> Result<Vec<u8>, VaultError> {
    let mut rng = rand::thread_rng();
    let mut salt = [0u8; SALT_LEN];
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill_bytes(&mut salt);
    rng.fill_bytes(&mut nonce);
    let key = key(password, &salt).map_err(|e| VaultError::Seal(e.to_string()))?;
    let cipher = XChaCha20Poly1305::new(key.as_ref().into());
    let sealed = cipher
        .encrypt(XNonce::from_slice(&nonce), secret)
        .map_err(|e| VaultError::Seal(e.to_string()))?;
    Ok([salt.as_slice(), nonce.as_slice(), sealed.as_slice()].concat())
}

/// What `seal_bytes` sealed, if `password` is the one it was sealed with and `blob` is whole.
pub fn open_bytes(password: &str, blob: &[u8]) -> Result<Zeroizing<Vec<u8>>, VaultError> {
    if blob.len() < SALT_LEN + NONCE_LEN + 16 {
        return Err(VaultError::Refused);
    }
    let (salt, rest) = blob.split_at(SALT_LEN);
    let (nonce, sealed) = rest.split_at(NONCE_LEN);
    let key = key(password, salt).map_err(|_| VaultError::Refused)?;
    let cipher = XChaCha20Poly1305::new(key.as_ref().into());
    cipher
        .decrypt(XNonce::from_slice(nonce), sealed)
        .map(Zeroizing::new)
        .map_err(|_| VaultError::Refused)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_and_open() {
        let seal = |p: &str, t: &str| seal_bytes(p, t.as_bytes());
        let open = |p: &str, b: &[u8]| open_bytes(p, b).map(|t| t.to_vec());
        let blob = seal("demo-enseignant", "token-123").expect("seal");
        assert!(
            !blob.windows(9).any(|w| w == b"token-123"),
            "the token is not in clear"
        );
        assert_eq!(open("demo-enseignant", &blob), Ok(b"token-123".to_vec()));
        assert_eq!(open("demo-enseignanT", &blob), Err(VaultError::Refused));
        let mut tampered = blob.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert_eq!(open("demo-enseignant", &tampered), Err(VaultError::Refused));
        assert_eq!(
            open("demo-enseignant", &blob[..10]),
            Err(VaultError::Refused)
        );
        assert_ne!(
            seal("p", "t").expect("seal"),
            seal("p", "t").expect("seal"),
            "fresh salt and nonce each time"
        );
    }
}
