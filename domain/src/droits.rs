//! Who may write what. The central re-checks every change with this; a replica asks the same
//! question before it offers an action (e.g. resolving a conflict).

use crate::edit::{EntityKind, FIELD_ENVOI, FIELD_FAIT, FIELD_JUSTIFICATION, FIELD_VIE_SCOLAIRE};
use crate::school::Fonction;

/// The gradebook's records: devoirs, marks, competency items, evaluations, positionnements.
macro_rules! GRADEBOOK {
    () => {
        EntityKind::Devoir
            | EntityKind::Note
            | EntityKind::Item
            | EntityKind::Evaluation
            | EntityKind::Positionnement
    };
}

const ADMINISTRATEUR: &str = "L'administrateur gère les comptes, l'année et les réglages : il ne saisit ni appel, ni absence, ni note, ni appréciation, ni décision de conseil.";

/// Whether a person of `fonction` may import the school's year (the national exports, the
/// calendar, the timetable): the direction and the administrator. The error is the French
/// reason a person reads.
pub fn may_import(fonction: Fonction) -> Result<(), &'static str> {
    match fonction {
        Fonction::Direction | Fonction::Administrateur => Ok(()),
        Fonction::Enseignant | Fonction::Cpe => {
            Err("Seuls la direction et l'administrateur importent l'année de l'établissement.")
        }
    }
}

/// Whether a person of `fonction` may reopen a closed council: the head alone, an explicit act
/// recorded with her reason (the professeur principal opens and closes, never reopens).
pub fn may_reopen(fonction: Fonction) -> Result<(), &'static str> {
    match fonction {
        Fonction::Direction => Ok(()),
        _ => Err("Seule la direction rouvre un conseil de classe clos, en disant pourquoi."),
    }
}

/// Whether a person of `fonction` may write `field` of a record of `kind`; `in_charge`: they
/// teach the record's séance or service, or, for a council, are the professeur principal of its
/// division. The error is the French reason a person reads.
pub fn may_write(
    fonction: Fonction,
    kind: EntityKind,
    field: &str,
    in_charge: bool,
) -> Result<(), &'static str> {
    let (allowed, reason) = match (kind, fonction) {
        // The vie scolaire's facts (arrival time, infirmary, departure, dispense, exclusion) are
        // its own field: the teacher sees them, never overwrites them.
        (EntityKind::Presence, Fonction::Enseignant) if field == FIELD_FAIT => (
            false,
            "Les faits de vie scolaire (retard, infirmerie, départ, dispense, exclusion) sont saisis par la vie scolaire.",
        ),
        (EntityKind::Presence, Fonction::Enseignant) if field == FIELD_JUSTIFICATION => (
            false,
            "La justification d'un retard est saisie par la vie scolaire.",
        ),
        // Her exclusion report (`rapport`) is the teacher's, like her marks.
        (EntityKind::Appel | EntityKind::Presence, Fonction::Enseignant) => (
            in_charge,
            "Vous n'êtes pas l'enseignant de cette séance : l'appel ne peut pas être modifié.",
        ),
        (EntityKind::Appel | EntityKind::Presence, Fonction::Cpe | Fonction::Direction) => {
            (true, "")
        }
        (EntityKind::Appreciation, Fonction::Enseignant) => (
            in_charge,
            "Vous n'enseignez pas cette matière à cette classe : l'appréciation ne peut pas être modifiée.",
        ),
        (EntityKind::Appreciation, Fonction::Direction) => (true, ""),
        (EntityKind::Appreciation, Fonction::Cpe) => (
            false,
            "Les appréciations de matière sont écrites par l'enseignant de la matière.",
        ),
        // The gradebook is the teacher's; the direction may correct it (a teacher on leave).
        (GRADEBOOK!(), Fonction::Enseignant) => (
            in_charge,
            "Vous n'enseignez pas cette matière à cette classe : ses devoirs, ses notes et ses compétences ne peuvent pas être modifiés.",
        ),
        (GRADEBOOK!(), Fonction::Direction) => (true, ""),
        (GRADEBOOK!(), Fonction::Cpe) => (
            false,
            "Les devoirs, les notes et les compétences sont saisis par l'enseignant de la matière.",
        ),
        // What became of a notification's sending is the central's own record: no person
        // writes it.
        (EntityKind::Notification, _) if field == FIELD_ENVOI => (
            false,
            "L'état d'envoi d'une notification est enregistré par le service central seul.",
        ),
        (EntityKind::Notification, Fonction::Cpe | Fonction::Direction) => (true, ""),
        (EntityKind::Notification, Fonction::Enseignant) => (
            false,
            "Les notifications aux familles sont préparées par la vie scolaire.",
        ),
        // Absences, their justifications, dispenses and the settings are the vie scolaire's.
        (
            EntityKind::Absence | EntityKind::Dispense | EntityKind::Reglages,
            Fonction::Cpe | Fonction::Direction,
        ) => (true, ""),
        (
            EntityKind::Absence | EntityKind::Dispense | EntityKind::Reglages,
            Fonction::Enseignant,
        ) => (
            false,
            "Les absences, leurs justifications, les dispenses et les réglages de la vie scolaire sont saisis par la vie scolaire.",
        ),
        (EntityKind::Conseil, Fonction::Direction) => (true, ""),
        (EntityKind::Decision, _) => decision(fonction, field, in_charge),
        // The professeur principal runs her division's council with the head.
        (EntityKind::Conseil, Fonction::Enseignant | Fonction::Cpe) => (
            in_charge && fonction == Fonction::Enseignant,
            "Seuls la direction et le professeur principal de la classe ouvrent et closent son conseil de classe.",
        ),
        // The administrator sets the school's rules; the pupils' records are not his to write
        // (nor to read: the central's `log::scope_filter`).
        (_, Fonction::Administrateur) => (kind == EntityKind::Reglages, ADMINISTRATEUR),
    };
    if allowed { Ok(()) } else { Err(reason) }
}

/// The council's decisions: the head and the professeur principal (who holds the pen in the
/// council) write the general appreciation, the mention and the avis; the vie scolaire's
/// appreciation is the CPE's (the head may write it too).
fn decision(fonction: Fonction, field: &str, in_charge: bool) -> (bool, &'static str) {
    match fonction {
        Fonction::Direction => (true, ""),
        Fonction::Cpe => (
            field == FIELD_VIE_SCOLAIRE,
            "Le CPE écrit l'appréciation de vie scolaire ; les décisions du conseil sont celles de la direction et du professeur principal.",
        ),
        Fonction::Enseignant if field == FIELD_VIE_SCOLAIRE => (
            false,
            "L'appréciation de vie scolaire est écrite par le CPE.",
        ),
        Fonction::Enseignant => (
            in_charge,
            "Seuls la direction et le professeur principal de la classe saisissent les décisions du conseil.",
        ),
        Fonction::Administrateur => (false, ADMINISTRATEUR),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use EntityKind::{Absence, Appel, Appreciation, Conseil, Devoir, Note, Notification, Presence};
    use Fonction::{Administrateur, Cpe, Direction, Enseignant};

    #[test]
    fn the_year_is_imported_by_the_direction_and_the_administrator() {
        for (fonction, may) in [
            (Enseignant, false),
            (Cpe, false),
            (Direction, true),
            (Administrateur, true),
        ] {
            assert_eq!(may_import(fonction).is_ok(), may, "{fonction:?}");
        }
    }

    #[test]
    fn only_the_head_reopens_a_council() {
        for (fonction, may) in [
            (Enseignant, false),
            (Cpe, false),
            (Direction, true),
            (Administrateur, false),
        ] {
            assert_eq!(may_reopen(fonction).is_ok(), may, "{fonction:?}");
        }
    }

    #[test]
    fn table() {
        // (fonction, kind, field, teaches it, allowed)
        let cases = [
            (Enseignant, Presence, "statut", true, true),
            (Enseignant, Presence, "fait", true, false),
            (Enseignant, Appel, "etat", true, true),
            (Enseignant, Presence, "statut", false, false),
            (Cpe, Presence, "statut", false, true),
            (Cpe, Presence, "fait", false, true),
            (Direction, Presence, "fait", false, true),
            (Direction, Appel, "etat", false, true),
            (Enseignant, Appreciation, "texte", true, true),
            (Enseignant, Appreciation, "texte", false, false),
            (Cpe, Appreciation, "texte", false, false),
            (Direction, Appreciation, "texte", false, true),
            (Direction, Conseil, "etat", false, true),
            // "in charge" of a council: its division's professeur principal.
            (Enseignant, Conseil, "etat", true, true),
            (Enseignant, Conseil, "etat", false, false),
            (Administrateur, Conseil, "etat", false, false),
            (Administrateur, EntityKind::Reglages, "valeur", false, true),
            (Administrateur, Presence, "statut", false, false),
            (Administrateur, Absence, "justification", false, false),
            (Administrateur, Note, "valeur", false, false),
            (Administrateur, Appreciation, "texte", false, false),
            (Administrateur, Notification, "message", false, false),
            (Administrateur, Notification, "envoi", false, false),
            (Cpe, Conseil, "etat", false, false),
            (Enseignant, Devoir, "definition", true, true),
            (Enseignant, Devoir, "supprime", false, false),
            (Enseignant, Note, "valeur", true, true),
            (Enseignant, Note, "valeur", false, false),
            (Direction, Note, "valeur", false, true),
            (Cpe, Note, "valeur", false, false),
            (Cpe, Devoir, "definition", false, false),
            (Enseignant, EntityKind::Item, "definition", true, true),
            (Enseignant, EntityKind::Evaluation, "niveau", false, false),
            (Enseignant, EntityKind::Positionnement, "niveau", true, true),
            (Cpe, EntityKind::Evaluation, "niveau", false, false),
            (Direction, EntityKind::Positionnement, "niveau", false, true),
            (Enseignant, Presence, "rapport", true, true),
            (Enseignant, Presence, "rapport", false, false),
            (Enseignant, Presence, "justification", true, false),
            (Cpe, Presence, "justification", false, true),
            (Cpe, EntityKind::Absence, "justification", false, true),
            (Direction, EntityKind::Absence, "definition", false, true),
            (Enseignant, EntityKind::Absence, "definition", true, false),
            (Cpe, EntityKind::Dispense, "definition", false, true),
            (Enseignant, EntityKind::Dispense, "definition", true, false),
            (Cpe, EntityKind::Reglages, "valeur", false, true),
            (Enseignant, EntityKind::Reglages, "valeur", true, false),
            (Cpe, EntityKind::Notification, "message", false, true),
            (Enseignant, EntityKind::Notification, "message", true, false),
            (Cpe, EntityKind::Notification, "envoi", false, false),
            (Direction, EntityKind::Notification, "envoi", false, false),
            (Direction, EntityKind::Decision, "appreciation", false, true),
            (Direction, EntityKind::Decision, "vie_scolaire", false, true),
            (Enseignant, EntityKind::Decision, "mention", true, true),
            (Enseignant, EntityKind::Decision, "mention", false, false),
            (
                Enseignant,
                EntityKind::Decision,
                "vie_scolaire",
                true,
                false,
            ),
            (Cpe, EntityKind::Decision, "vie_scolaire", false, true),
            (Cpe, EntityKind::Decision, "appreciation", false, false),
            (Cpe, EntityKind::Decision, "orientation", false, false),
            (
                Administrateur,
                EntityKind::Decision,
                "vie_scolaire",
                false,
                false,
            ),
        ];
        for (fonction, kind, field, teaches, allowed) in cases {
            let got = may_write(fonction, kind, field, teaches);
            assert_eq!(got.is_ok(), allowed, "{fonction:?} {kind:?} {teaches}");
            if let Err(reason) = got {
                assert!(!reason.is_empty());
            }
        }
    }
}
