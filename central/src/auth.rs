//! Password hashing and session tokens.

use crate::db::accounts;
use argon2::Argon2;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use pupitre_sync_protocol::wire::Jetons;
use rusqlite::Connection;
use sha2::{Digest, Sha256};

/// An access token lives a quarter of an hour: a copied one is soon worth nothing.
pub const ACCESS_TTL_MS: u64 = 15 * 60 * 1000;
/// A refresh token not used for this long ends its session (a PC left off over the holidays
/// logs in again with its password).
pub const REFRESH_IDLE_MS: u64 = 14 * 24 * 3600 * 1000;
/// However it is refreshed, a session ends this long after the password check that opened it.
pub const SESSION_MAX_MS: u64 = 30 * 24 * 3600 * 1000;
/// The shortest password a person may choose.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// A valid argon2id hash of nothing anyone types, verified against when a login is unknown.
pub const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$8C2jWxM3Kq2sUu9sEoTtq9o2c0oZ3HkZ0lYxQ6q2k1Y";

pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A new random bearer token and the hash under which it is stored.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

/// Opens a session for `personnel_id` on `client_id`: a fresh pair of tokens, stored hashed.
pub fn open_session(
    conn: &Connection,
    personnel_id: &str,
    client_id: &str,
    now_ms: u64,
) -> rusqlite::Result<Jetons> {
    let (jetons, access_hash, refresh_hash) = new_pair();
    accounts::insert_session(
        conn,
        &accounts::NewSession {
            id: &uuid::Uuid::new_v4().to_string(),
            personnel_id,
            client_id,
            access_hash: &access_hash,
            access_expires_ms: now_ms + ACCESS_TTL_MS,
            refresh_hash: &refresh_hash,
            refresh_expires_ms: now_ms + REFRESH_IDLE_MS,
            ends_ms: now_ms + SESSION_MAX_MS,
            now_ms,
        },
    )?;
    Ok(jetons)
}

/// A new pair for a session, retiring the refresh token presented.
pub fn rotate_session(
    conn: &Connection,
    session_id: &str,
    presented_hash: &str,
    now_ms: u64,
) -> rusqlite::Result<Jetons> {
    let (jetons, access_hash, refresh_hash) = new_pair();
    accounts::rotate(
        conn,
        &accounts::Rotation {
            session_id,
            presented_hash,
            access_hash: &access_hash,
            access_expires_ms: now_ms + ACCESS_TTL_MS,
            refresh_hash: &refresh_hash,
            refresh_expires_ms: now_ms + REFRESH_IDLE_MS,
            now_ms,
        },
    )?;
    Ok(jetons)
}

/// A session's two fresh tokens, and the hashes they are stored under.
fn new_pair() -> (Jetons, String, String) {
    let (token, access_hash) = new_token();
    let (refresh_token, refresh_hash) = new_token();
    let jetons = Jetons {
        token,
        refresh_token,
        access_expires_in_ms: ACCESS_TTL_MS,
    };
    (jetons, access_hash, refresh_hash)
}

/// Why a new password is refused, in words its owner can act on.
pub fn password_problem(login: &str, password: &str) -> Option<String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Some(format!(
            "Le nouveau mot de passe doit compter au moins {MIN_PASSWORD_CHARS} caractères (il en a {chars})."
        ));
    }
    if password
        .trim()
        .to_lowercase()
        .contains(&login.to_lowercase())
    {
        return Some("Le nouveau mot de passe ne doit pas contenir votre identifiant.".into());
    }
    None
}

pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_round_trip() {
        let hash = hash_password("demo-cpe").expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("demo-cpe", &hash));
        assert!(!verify_password("demo-cpE", &hash));
        assert!(!verify_password("demo-cpe", "not a hash"));
        // The decoy must parse, or unknown logins would answer faster than known ones.
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
        assert!(!verify_password("", DUMMY_HASH));
    }

    #[test]
    fn tokens_are_unique_and_hashed() {
        let (a, ha) = new_token();
        let (b, hb) = new_token();
        assert_ne!(a, b);
        assert_ne!(ha, hb);
        assert_eq!(token_hash(&a), ha);
        assert_eq!(ha.len(), 64);
    }

    #[test]
    fn a_new_password_is_long_and_not_the_login() {
        // (login, new password, refused)
        let cases = [
            ("c.martin", "court", true),
            ("c.martin", "123456789", true),
            ("c.martin", "c.martin2026!", true),
            ("c.martin", "C.MARTIN-et-puis", true),
            ("c.martin", "rentrée-des-classes", false),
            ("c.martin", "éééééééééé", false),
        ];
        for (login, password, refused) in cases {
            assert_eq!(
                password_problem(login, password).is_some(),
                refused,
                "{password}"
            );
        }
    }
}
