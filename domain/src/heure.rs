//! A time of day to the minute, as a timetable writes it ("08:05").

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// Minutes since midnight, always < 24 h. Serialized as `"HH:MM"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Heure(u16);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("heure invalide « {0} » : attendu HH:MM, par exemple 08:05")]
pub struct HeureInvalide(pub String);

impl Heure {
    pub fn new(h: u16, m: u16) -> Option<Heure> {
        (h < 24 && m < 60).then_some(Heure(h * 60 + m))
    }

    /// A time written in the code (settings' defaults); checked when the constant is built.
    pub const fn hm(h: u16, m: u16) -> Heure {
        assert!(h < 24 && m < 60, "heure invalide");
        Heure(h * 60 + m)
    }

    pub fn minutes(self) -> u16 {
        self.0
    }

    pub fn from_minutes(minutes: u16) -> Option<Heure> {
        (minutes < 24 * 60).then_some(Heure(minutes))
    }
}

impl fmt::Display for Heure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

impl FromStr for Heure {
    type Err = HeureInvalide;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || HeureInvalide(s.to_owned());
        let (h, m) = s.split_once(':').ok_or_else(bad)?;
        if h.len() != 2 || m.len() != 2 {
            return Err(bad());
        }
        let h: u16 = h.parse().map_err(|_| bad())?;
        let m: u16 = m.parse().map_err(|_| bad())?;
        Heure::new(h, m).ok_or_else(bad)
    }
}

impl Serialize for Heure {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Heure {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        let cases = [
            ("08:05", Some(8 * 60 + 5)),
            ("00:00", Some(0)),
            ("23:59", Some(23 * 60 + 59)),
            ("24:00", None),
            ("12:60", None),
            ("8:05", None),
            ("0805", None),
            ("", None),
            ("ab:cd", None),
            ("-1:00", None),
        ];
        for (text, minutes) in cases {
            let parsed = text.parse::<Heure>().ok().map(Heure::minutes);
            assert_eq!(parsed, minutes, "{text:?}");
            if let Some(m) = minutes {
                assert_eq!(
                    Heure::from_minutes(m).map(|h| h.to_string()).as_deref(),
                    Some(text)
                );
            }
        }
    }

    #[test]
    fn serde_round_trip_and_rejects_garbage() {
        let h: Heure = serde_json::from_str("\"13:40\"").expect("valid");
        assert_eq!(serde_json::to_string(&h).expect("serialize"), "\"13:40\"");
        assert!(serde_json::from_str::<Heure>("\"25:00\"").is_err());
        assert!(serde_json::from_str::<Heure>("1340").is_err());
    }
}
