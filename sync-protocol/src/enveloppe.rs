//! Sealed envelopes: what a teacher leaves pending when she logs out of a shared PC, kept as a
//! file that whoever comes next (any user's session, or the app alone) delivers to the central,
//! and that nobody on the way can read or forge.
//!
//! An envelope is the push her replica would have sent, signed with her envelope key (ed25519,
//! registered with the central at her online login, kept in her encrypted replica), then
//! sealed to the central's public key (a libsodium sealed box: X25519 + XSalsa20-Poly1305, with
//! a throw-away sender key). The central opens it, checks the signature, looks the signing key
//! up (whose it is, which PC, not revoked) and authorizes the changes as their author, as if she
//! had pushed them. The carrier learns nothing: not the content, not even whose it is.
//!
//! Pure: the random source is passed in.

use crate::wire::PushRequest;
use crypto_box::{PublicKey, SecretKey};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use rand_core::CryptoRngCore;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Signed with the content, so that a signature over anything else never passes as one.
const CONTEXT: &[u8] = b"pupitre-enveloppe-v1\0";
const KEY_LEN: usize = 32;
const SIGNATURE_LEN: usize = 64;
/// An envelope holds at most one push's worth of changes (`MAX_PUSH_CHANGES`); this bounds
/// what the central accepts to open.
pub const MAX_ENVELOPE_BYTES: usize = 1024 * 1024;

/// What an envelope carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contenu {
    /// Delivered at most once: a second delivery is refused as a replay.
    pub id: Uuid,
    pub push: PushRequest,
}

/// Why the central refuses an envelope. The carrier is told only this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refus {
    #[error("enveloppe illisible : abîmée, tronquée ou destinée à un autre service central")]
    Illisible,
    #[error("signature invalide : le contenu a été modifié")]
    Signature,
    #[error("contenu invalide")]
    Contenu,
}

/// The central's key pair for envelopes.
pub struct CleDepot(SecretKey);

impl CleDepot {
    pub fn from_bytes(secret: [u8; KEY_LEN]) -> CleDepot {
        CleDepot(SecretKey::from(secret))
    }

    pub fn generate(rng: &mut impl CryptoRngCore) -> CleDepot {
        CleDepot(SecretKey::generate(rng))
    }

    pub fn secret_bytes(&self) -> [u8; KEY_LEN] {
        self.0.to_bytes()
    }

    /// What replicas seal to.
    pub fn public_bytes(&self) -> [u8; KEY_LEN] {
        *self.0.public_key().as_bytes()
    }
}

/// The author's signing key (kept in her encrypted replica).
pub fn signing_key(secret: [u8; KEY_LEN]) -> SigningKey {
    SigningKey::from_bytes(&secret)
}

pub fn new_signing_key(rng: &mut impl CryptoRngCore) -> SigningKey {
    SigningKey::generate(rng)
}

/// `signer public key ‖ signature ‖ content`, sealed to `central`.
pub fn sceller(
    contenu: &Contenu,
    author: &SigningKey,
    central: &[u8; KEY_LEN],
    rng: &mut impl CryptoRngCore,
) -> Result<Vec<u8>, String> {
    let body = serde_json::to_vec(contenu).map_err(|e| e.to_string())?;
    let signature = author.sign(&[CONTEXT, &body].concat());
    let signed = [
        author.verifying_key().as_bytes().as_slice(),
        &signature.to_bytes(),
        &body,
    ]
    .concat();
    PublicKey::from(*central)
        .seal(rng, &signed)
        .map_err(|e| e.to_string())
}

/// An opened envelope: its content and the key that signed it (the central then looks up
/// whose key that is).
#[derive(Debug)]
pub struct Ouverte {
    pub signer: [u8; KEY_LEN],
    pub contenu: Contenu,
}

pub fn ouvrir(sealed: &[u8], central: &CleDepot) -> Result<Ouverte, Refus> {
    if sealed.len() > MAX_ENVELOPE_BYTES {
        return Err(Refus::Illisible);
    }
    let signed = central.0.unseal(sealed).map_err(|_| Refus::Illisible)?;
    if signed.len() < KEY_LEN + SIGNATURE_LEN {
        return Err(Refus::Illisible);
    }
    let (key, rest) = signed.split_at(KEY_LEN);
    let (signature, body) = rest.split_at(SIGNATURE_LEN);
    let signer: [u8; KEY_LEN] = key.try_into().map_err(|_| Refus::Illisible)?;
    let verifying = VerifyingKey::from_bytes(&signer).map_err(|_| Refus::Signature)?;
    let signature = Signature::from_slice(signature).map_err(|_| Refus::Signature)?;
    verifying
        .verify(&[CONTEXT, body].concat(), &signature)
        .map_err(|_| Refus::Signature)?;
    let contenu = serde_json::from_slice(body).map_err(|_| Refus::Contenu)?;
    Ok(Ouverte { signer, contenu })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::LogRef;
    use crate::{ClientId, Hlc};
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    fn contenu() -> Contenu {
        Contenu {
            id: Uuid::from_u128(7),
            push: PushRequest {
                client_id: ClientId(Uuid::from_u128(1)),
                log: LogRef {
                    log_id: "journal".into(),
                    epoch: 1,
                },
                changes: vec![],
                hlc: Hlc::default(),
                wall_ms: 42,
            },
        }
    }

    /// Seals with a re-signed body, as a forger who knows the central's public key could.
    fn forged(
        body: &[u8],
        signer: &SigningKey,
        claimed: &VerifyingKey,
        central: &CleDepot,
    ) -> Vec<u8> {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let signature = signer.sign(&[CONTEXT, body].concat());
        let signed = [claimed.as_bytes().as_slice(), &signature.to_bytes(), body].concat();
        PublicKey::from(central.public_bytes())
            .seal(&mut rng, &signed)
            .expect("seal")
    }

    #[test]
    fn only_the_central_opens_and_only_the_author_signs() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let central = CleDepot::generate(&mut rng);
        let other_central = CleDepot::generate(&mut rng);
        let author = new_signing_key(&mut rng);
        let thief = new_signing_key(&mut rng);
        let sealed = sceller(&contenu(), &author, &central.public_bytes(), &mut rng).expect("seal");
        let body = serde_json::to_vec(&contenu()).expect("json");
        let mut flipped = sealed.clone();
        let middle = flipped.len() / 2;
        flipped[middle] ^= 1;
        let mut altered = body.clone();
        altered[10] ^= 1;
        // (envelope, what the central says)
        let cases: Vec<(&str, Vec<u8>, Result<(), Refus>)> = vec![
            ("as sealed", sealed.clone(), Ok(())),
            ("one bit flipped", flipped, Err(Refus::Illisible)),
            (
                "truncated",
                sealed[..sealed.len() - 1].to_vec(),
                Err(Refus::Illisible),
            ),
            ("empty", vec![], Err(Refus::Illisible)),
            (
                "signed by a thief in the author's name",
                forged(&body, &thief, &author.verifying_key(), &central),
                Err(Refus::Signature),
            ),
            (
                "content changed after signing",
                {
                    let mut rng = ChaCha20Rng::seed_from_u64(4);
                    let signature = author.sign(&[CONTEXT, &body].concat());
                    let signed = [
                        author.verifying_key().as_bytes().as_slice(),
                        &signature.to_bytes(),
                        &altered,
                    ]
                    .concat();
                    PublicKey::from(central.public_bytes())
                        .seal(&mut rng, &signed)
                        .expect("seal")
                },
                Err(Refus::Signature),
            ),
            (
                "a thief's own signature (opens: the central then finds the key unknown)",
                forged(&body, &thief, &thief.verifying_key(), &central),
                Ok(()),
            ),
        ];
        for (what, envelope, expected) in cases {
            let opened = ouvrir(&envelope, &central);
            assert_eq!(
                opened.as_ref().map(|_| ()).map_err(|e| *e),
                expected,
                "{what}"
            );
        }
        let opened = ouvrir(&sealed, &central).expect("opens");
        assert_eq!(opened.contenu, contenu());
        assert_eq!(opened.signer, *author.verifying_key().as_bytes());
        assert_eq!(
            ouvrir(&sealed, &other_central).map(|_| ()),
            Err(Refus::Illisible),
            "sealed to one central, opened by no other"
        );
    }

    #[test]
    fn the_carrier_sees_neither_content_nor_author() {
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let central = CleDepot::generate(&mut rng);
        let author = new_signing_key(&mut rng);
        let sealed = sceller(&contenu(), &author, &central.public_bytes(), &mut rng).expect("seal");
        let public = author.verifying_key().to_bytes();
        let contains = |needle: &[u8]| sealed.windows(needle.len()).any(|w| w == needle);
        assert!(!contains(b"journal"), "the content is not in clear");
        assert!(!contains(&public), "the author's key is not in clear");
        let again = sceller(&contenu(), &author, &central.public_bytes(), &mut rng).expect("seal");
        assert_ne!(sealed, again, "two envelopes of one content do not match");
    }
}
