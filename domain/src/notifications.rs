//! A family told of an absence not yet justified (GUIDE §2). The vie scolaire's replica writes
//! the message, offline if need be; the central sends it when it holds it and records what
//! became of it (`Envoi`), a field only the central writes. One notification per pupil and day:
//! its id is `<élève>/<AAAAMMJJ>`, so that two CPE PCs preparing it at once write the same
//! record, and the first one the central receives is the one sent.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub const DESTINATAIRES_MAX: usize = 4;
pub const OBJET_MAX_CHARS: usize = 200;
pub const CORPS_MAX_CHARS: usize = 2000;
const MAIL_MAX_CHARS: usize = 254;

/// What is sent: to whom, and the words (no health detail: it only says the pupil was absent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct Notification {
    #[ts(type = "string")]
    pub date: NaiveDate,
    pub destinataires: Vec<String>,
    pub objet: String,
    pub corps: String,
}

impl Notification {
    pub fn verifier(&self) -> Result<(), String> {
        if self.destinataires.is_empty() || self.destinataires.len() > DESTINATAIRES_MAX {
            return Err(format!("de 1 à {DESTINATAIRES_MAX} destinataires"));
        }
        if let Some(bad) = self.destinataires.iter().find(|m| !adresse_plausible(m)) {
            return Err(format!("adresse de courriel invalide « {bad} »"));
        }
        let n = |t: &str| t.chars().count();
        if n(self.objet.trim()) == 0 || n(&self.objet) > OBJET_MAX_CHARS {
            return Err(format!("l'objet a de 1 à {OBJET_MAX_CHARS} caractères"));
        }
        if n(self.corps.trim()) == 0 || n(&self.corps) > CORPS_MAX_CHARS {
            return Err(format!("le message a de 1 à {CORPS_MAX_CHARS} caractères"));
        }
        Ok(())
    }
}

/// One `@`, something on both sides, a dot in the domain, no space nor control character: what
/// a school's file holds when it is right (the SMTP server has the last word).
fn adresse_plausible(mail: &str) -> bool {
    let Some((local, domain)) = mail.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && mail.chars().count() <= MAIL_MAX_CHARS
        && !mail
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>,;\"".contains(c))
}

/// The message a family receives: the school, the pupil, the day, what to do.
pub fn message(
    etablissement: &str,
    eleve: &str,
    date: NaiveDate,
    seances: &str,
    destinataires: Vec<String>,
) -> Notification {
    let jour = date.format("%d/%m/%Y");
    Notification {
        date,
        destinataires,
        objet: format!("{etablissement} : absence de {eleve} le {jour}"),
        corps: format!(
            "Madame, Monsieur,\n\n{eleve} a été noté(e) absent(e) le {jour} ({seances}) et l'absence n'est pas encore justifiée.\n\nMerci de la justifier auprès de la vie scolaire (carnet de liaison, courrier ou téléphone) dans les meilleurs délais.\n\nLa vie scolaire — {etablissement}\n\nCe message est envoyé automatiquement : merci de ne pas y répondre."
        ),
    }
}

/// Where a notification's sending stands, as the central records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum EtatEnvoi {
    /// Held by the central, not sent yet (or to be tried again).
    EnAttente,
    Envoyee,
    /// The mail server refused it for good (a wrong address): a person must act.
    Echec,
    /// The central stopped while the mail server had it: it was probably sent, and is never
    /// sent again without a person (who checks with the family first).
    Incertaine,
}

impl EtatEnvoi {
    pub fn libelle(self) -> &'static str {
        match self {
            EtatEnvoi::EnAttente => "En attente",
            EtatEnvoi::Envoyee => "Envoyée",
            EtatEnvoi::Echec => "Échec",
            EtatEnvoi::Incertaine => "Envoi non confirmé",
        }
    }
}

/// The central's record of a notification's sending (field `envoi`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct Envoi {
    pub etat: EtatEnvoi,
    pub tentatives: u32,
    /// The mail server's words, or why it was not reached.
    pub erreur: Option<String>,
    /// The Message-ID it was (or will be) sent under.
    pub message_id: String,
}

/// The `AAAAMMJJ` of a notification's id.
pub fn jour_id(date: NaiveDate) -> String {
    date.format("%Y%m%d").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 30).expect("date")
    }

    #[test]
    fn addresses_and_sizes_are_checked() {
        let ok = message(
            "Collège Jean-Moulin",
            "Léa DUPONT",
            d(),
            "08:00 Français",
            vec!["helene.dupont@example.org".into()],
        );
        assert!(ok.verifier().is_ok(), "{:?}", ok.verifier());
        assert!(ok.objet.contains("30/11/2026") && ok.corps.contains("Léa DUPONT"));
        for bad in [
            "sans-arobase",
            "@example.org",
            "a@b",
            "a@.org",
            "a b@example.org",
            "a@example.org>",
            "x@y@example.org",
        ] {
            let n = Notification {
                destinataires: vec![bad.into()],
                ..ok.clone()
            };
            assert!(n.verifier().is_err(), "{bad}");
        }
        let none = Notification {
            destinataires: vec![],
            ..ok.clone()
        };
        assert!(none.verifier().is_err());
        let long = Notification {
            corps: "x".repeat(CORPS_MAX_CHARS + 1),
            ..ok
        };
        assert!(long.verifier().is_err());
        assert_eq!(jour_id(d()), "20261130");
    }
}
