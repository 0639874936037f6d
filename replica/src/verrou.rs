//! When a session locks on its PC, and when a replica may still open offline. Pure: the
//! times are passed in. A lock counts on a monotonic clock (elapsed time since the last
//! gesture, since the password was typed), so that a PC whose wall clock jumps does not
//! lock or stay open by mistake. The offline grace can only count on the wall clock (nothing
//! else survives a restart), so a clock that went back is refused rather than trusted.

use std::time::Duration;

/// However active its user, a session asks for the password again after a school day.
pub const SESSION_MAX: Duration = Duration::from_secs(12 * 3600);
/// A wall clock this far behind the last online login has been set back: refused offline.
const RECUL_TOLERE_MS: u64 = 24 * 3600 * 1000;
const JOUR_MS: u64 = 24 * 3600 * 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Politique {
    pub inactivite: Duration,
    pub session_max: Duration,
}

impl Politique {
    pub fn minutes(inactivite_minutes: u16) -> Politique {
        Politique {
            inactivite: Duration::from_secs(u64::from(inactivite_minutes) * 60),
            session_max: SESSION_MAX,
        }
    }
}

/// Why a session is locked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Raison {
    Inactivite,
    DureeMax,
    /// Its user asked (the shortcut, the button).
    Demande,
}

impl Raison {
    pub fn message(self) -> &'static str {
        match self {
            Raison::Inactivite => "Session verrouillée après un moment sans activité.",
            Raison::DureeMax => {
                "Session verrouillée : elle était ouverte depuis plus de 12 heures."
            }
            Raison::Demande => "Session verrouillée.",
        }
    }
}

/// Whether a session must lock now, given how long since its last gesture and since the
/// password was typed.
pub fn a_verrouiller(
    p: &Politique,
    depuis_geste: Duration,
    depuis_mot_de_passe: Duration,
) -> Option<Raison> {
    if depuis_mot_de_passe >= p.session_max {
        Some(Raison::DureeMax)
    } else if depuis_geste >= p.inactivite {
        Some(Raison::Inactivite)
    } else {
        None
    }
}

/// Why a replica may not open offline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HorsLigne {
    /// Never logged in online since this rule exists: an online login first.
    Inconnue,
    Expiree {
        jours: u16,
    },
    HorlogeEnArriere,
}

impl HorsLigne {
    pub fn message(self) -> String {
        match self {
            HorsLigne::Inconnue => "Ce poste ne sait pas quand vous vous êtes connecté en ligne pour la dernière fois : la prochaine connexion demande le réseau.".into(),
            HorsLigne::Expiree { jours } => format!(
                "Votre dernière connexion en ligne sur ce poste date de plus de {jours} jours : reconnectez-vous une fois avec le réseau (vos saisies restent sur ce poste)."
            ),
            HorsLigne::HorlogeEnArriere => "L'horloge de ce poste est en arrière de votre dernière connexion en ligne : corrigez la date du poste ou connectez-vous avec le réseau.".into(),
        }
    }
}

/// Whether a replica whose owner last logged in online at `derniere_en_ligne_ms` (this PC's
/// wall clock then) may open offline at `now_ms`, within `jours` days.
pub fn hors_ligne(
    jours: u16,
    derniere_en_ligne_ms: Option<u64>,
    now_ms: u64,
) -> Result<(), HorsLigne> {
    let Some(last) = derniere_en_ligne_ms else {
        return Err(HorsLigne::Inconnue);
    };
    if now_ms + RECUL_TOLERE_MS < last {
        return Err(HorsLigne::HorlogeEnArriere);
    }
    if now_ms.saturating_sub(last) > u64::from(jours) * JOUR_MS {
        return Err(HorsLigne::Expiree { jours });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: Duration = Duration::from_secs(60);
    const H: Duration = Duration::from_secs(3600);

    #[test]
    fn locks_after_inactivity_or_a_school_day() {
        let p = Politique::minutes(5);
        // (since the last gesture, since the password, lock)
        let cases = [
            (Duration::ZERO, Duration::ZERO, None),
            (4 * MIN, 4 * MIN, None),
            (5 * MIN, 5 * MIN, Some(Raison::Inactivite)),
            (MIN, 11 * H, None),
            (Duration::ZERO, 12 * H, Some(Raison::DureeMax)),
            (6 * MIN, 13 * H, Some(Raison::DureeMax)),
        ];
        for (geste, mot_de_passe, expected) in cases {
            assert_eq!(
                a_verrouiller(&p, geste, mot_de_passe),
                expected,
                "{geste:?} {mot_de_passe:?}"
            );
        }
        assert_eq!(
            a_verrouiller(&Politique::minutes(30), 20 * MIN, 20 * MIN),
            None,
            "the school's setting"
        );
    }

    #[test]
    fn opens_offline_within_the_grace_and_never_on_a_clock_set_back() {
        let day = JOUR_MS;
        let last = 1_800_000_000_000;
        // (last online login, now, result)
        let cases = [
            (Some(last), last, Ok(())),
            (Some(last), last + 14 * day, Ok(())),
            (
                Some(last),
                last + 14 * day + 1,
                Err(HorsLigne::Expiree { jours: 14 }),
            ),
            (
                Some(last),
                last + 400 * day,
                Err(HorsLigne::Expiree { jours: 14 }),
            ),
            // A few hours back (a time zone, a drift): tolerated.
            (Some(last), last - 3 * 3600 * 1000, Ok(())),
            // A year back (a flat CMOS battery, or someone stretching the grace): refused.
            (
                Some(last),
                last - 365 * day,
                Err(HorsLigne::HorlogeEnArriere),
            ),
            (None, last, Err(HorsLigne::Inconnue)),
        ];
        for (derniere, now, expected) in cases {
            assert_eq!(
                hors_ligne(14, derniere, now),
                expected,
                "{derniere:?} {now}"
            );
        }
        assert_eq!(hors_ligne(30, Some(last), last + 20 * day), Ok(()));
    }
}
