//! The session token at rest: sealed with a key derived from the user's password (argon2id),
//! so the file never holds it in plain text and an offline login can check the password by
//! opening it.

use argon2::Argon2;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;

const SALT_LEN: usize = 16;
const NONCE_LEN: usize = 24;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum VaultError {
    #[error("mot de passe incorrect ou coffre abîmé")]
    Refused,
}

fn key(password: &str, salt: &[u8]) -> Result<[u8; 32], VaultError> {
    let mut key = [0u8; 32];
    Argon2::default()
        .hash_password_into(password.as_bytes(), salt, &mut key)
        .map_err(|_| VaultError::Refused)?;
    Ok(key)
}

/// `salt ‖ nonce ‖ ciphertext` of `secret` under `password`.
pub fn seal(password: &str, secret: &str) -> Vec<u8> {
    let mut rng = rand::thread_rng();
    let mut salt = [0u8; SALT_LEN];
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill_bytes(&mut salt);
    rng.fill_bytes(&mut nonce);
    // Key derivation with a 16-byte salt and encryption of a short text cannot fail.
    let key = key(password, &salt).unwrap_or([0; 32]);
    let cipher = XChaCha20Poly1305::new(&key.into());
    let sealed = cipher
        .encrypt(XNonce::from_slice(&nonce), secret.as_bytes())
        .unwrap_or_default();
    [salt.as_slice(), nonce.as_slice(), sealed.as_slice()].concat()
}

pub fn open(password: &str, blob: &[u8]) -> Result<String, VaultError> {
    if blob.len() < SALT_LEN + NONCE_LEN + 16 {
        return Err(VaultError::Refused);
    }
    let (salt, rest) = blob.split_at(SALT_LEN);
    let (nonce, sealed) = rest.split_at(NONCE_LEN);
    let cipher = XChaCha20Poly1305::new(&key(password, salt)?.into());
    let plain = cipher
        .decrypt(XNonce::from_slice(nonce), sealed)
        .map_err(|_| VaultError::Refused)?;
    String::from_utf8(plain).map_err(|_| VaultError::Refused)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_and_open() {
        let blob = seal("demo-enseignant", "token-123");
        assert!(
            !blob.windows(9).any(|w| w == b"token-123"),
            "the token is not in clear"
        );
        assert_eq!(open("demo-enseignant", &blob), Ok("token-123".into()));
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
            seal("p", "t"),
            seal("p", "t"),
            "fresh salt and nonce each time"
        );
    }
}
