//! Who may write what. The central re-checks every change with this; a replica asks the same
//! question before it offers an action (e.g. resolving a conflict).

use crate::edit::EntityKind;
use crate::school::Fonction;

/// Whether a person of `fonction` may write a record of `kind`; `is_teacher`: they teach the
/// record's séance or service. The error is the French reason a person reads.
pub fn may_write(
    fonction: Fonction,
    kind: EntityKind,
    is_teacher: bool,
) -> Result<(), &'static str> {
    let (allowed, reason) = match (kind, fonction) {
        (EntityKind::Appel | EntityKind::Presence, Fonction::Enseignant) => (
            is_teacher,
            "Vous n'êtes pas l'enseignant de cette séance : l'appel ne peut pas être modifié.",
        ),
        (EntityKind::Appel | EntityKind::Presence, Fonction::Cpe | Fonction::Direction) => {
            (true, "")
        }
        (EntityKind::Appreciation, Fonction::Enseignant) => (
            is_teacher,
            "Vous n'enseignez pas cette matière à cette classe : l'appréciation ne peut pas être modifiée.",
        ),
        (EntityKind::Appreciation, Fonction::Direction) => (true, ""),
        (EntityKind::Appreciation, Fonction::Cpe) => (
            false,
            "Les appréciations de matière sont écrites par l'enseignant de la matière.",
        ),
        (EntityKind::Conseil, Fonction::Direction) => (true, ""),
        (EntityKind::Conseil, Fonction::Enseignant | Fonction::Cpe) => (
            false,
            "Seule la direction ouvre et clôt un conseil de classe.",
        ),
    };
    if allowed { Ok(()) } else { Err(reason) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use EntityKind::{Appel, Appreciation, Conseil, Presence};
    use Fonction::{Cpe, Direction, Enseignant};

    #[test]
    fn table() {
        // (fonction, kind, teaches it, allowed)
        let cases = [
            (Enseignant, Presence, true, true),
            (Enseignant, Appel, true, true),
            (Enseignant, Presence, false, false),
            (Cpe, Presence, false, true),
            (Direction, Appel, false, true),
            (Enseignant, Appreciation, true, true),
            (Enseignant, Appreciation, false, false),
            (Cpe, Appreciation, false, false),
            (Direction, Appreciation, false, true),
            (Direction, Conseil, false, true),
            (Enseignant, Conseil, true, false),
            (Cpe, Conseil, false, false),
        ];
        for (fonction, kind, teaches, allowed) in cases {
            let got = may_write(fonction, kind, teaches);
            assert_eq!(got.is_ok(), allowed, "{fonction:?} {kind:?} {teaches}");
            if let Err(reason) = got {
                assert!(!reason.is_empty());
            }
        }
    }
}
