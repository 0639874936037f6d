//! The UAI (ex-RNE), a school's national identifier: 7 digits and a check letter.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Uai(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("UAI invalide « {0} » : attendu 7 chiffres et la lettre de contrôle, par exemple 0750654D")]
pub struct UaiInvalide(pub String);

/// The check letter's alphabet: 23 letters, without I, O and Q.
const ALPHABET: &[u8; 23] = b"ABCDEFGHJKLMNPRSTUVWXYZ";

impl Uai {
    /// Parses a UAI and checks its letter (the 7-digit number modulo 23, in the alphabet above).
    pub fn parse(text: &str) -> Result<Uai, UaiInvalide> {
        let bad = || UaiInvalide(text.to_owned());
        let upper = text.trim().to_ascii_uppercase();
        let bytes = upper.as_bytes();
        if bytes.len() != 8 || !bytes[..7].iter().all(u8::is_ascii_digit) {
            return Err(bad());
        }
        let number: u32 = upper[..7].parse().map_err(|_| bad())?;
        if ALPHABET[(number % 23) as usize] != bytes[7] {
            return Err(bad());
        }
        Ok(Uai(upper))
    }

    /// The UAI of a number, with its check letter computed.
    pub fn from_number(number: u32) -> Option<Uai> {
        (number < 10_000_000).then(|| {
            Uai(format!(
                "{number:07}{}",
                ALPHABET[(number % 23) as usize] as char
            ))
        })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Uai {
    type Error = UaiInvalide;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Uai::parse(&value)
    }
}

impl From<Uai> for String {
    fn from(value: Uai) -> Self {
        value.0
    }
}

impl std::str::FromStr for Uai {
    type Err = UaiInvalide;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uai::parse(s)
    }
}

impl fmt::Display for Uai {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_letter() {
        let cases = [
            ("0670001A", false),
            ("0750001a", false),
            ("067000A", false),
            ("06700011", false),
            ("", false),
        ];
        for (text, ok) in cases {
            assert_eq!(Uai::parse(text).is_ok(), ok, "{text}");
        }
        // Real UAIs: lycée Henri-IV (0750654D), lycée Louis-le-Grand (0750655E).
        for real in ["0750654D", "0750655E", "0750654d"] {
            assert!(Uai::parse(real).is_ok(), "{real}");
        }
        for n in [0, 1, 670_001, 9_999_999] {
            let uai = Uai::from_number(n).expect("in range");
            assert_eq!(Uai::parse(uai.as_str()), Ok(uai.clone()));
        }
        assert!(Uai::from_number(10_000_000).is_none());
    }
}
