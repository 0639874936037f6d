//! A class council's checks at the central, beyond the values' shape (`Edit::parse`) and
//! their author's rights (`may_write`): a council and its decisions name a period and a
//! division that exist, and a pupil of that division; a closed council takes no decision; only
//! the head reopens a closed council, one reopening at a time and with her reason; an avis
//! d'orientation only where the level has one (3e, seconde).

use crate::db::{log, school};
use crate::error::CentralError;
use crate::push::{Owner, refused};
use pupitre_domain::conseil::avec_avis_orientation;
use pupitre_domain::{Cible, ConseilEtat, Decision, Edit, Personnel, may_reopen};
use pupitre_sync_protocol::wire::{PushResult, Refusal};
use rusqlite::Connection;

/// The owner of a council's record (its division; the professeur principal runs it with the
/// head), or the refusal when the council or the pupil does not exist. `None`: not a
/// council's record.
pub(crate) fn owner(
    conn: &Connection,
    edit: &Edit,
) -> Result<Option<Result<Owner, PushResult>>, CentralError> {
    let (periode_id, division_id, eleve_id) = match edit {
        Edit::Conseil {
            periode_id,
            division_id,
            ..
        } => (periode_id, division_id, None),
        Edit::Decision {
            periode_id,
            division_id,
            eleve_id,
            ..
        } => (periode_id, division_id, Some(eleve_id)),
        _ => return Ok(None),
    };
    if school::periode_libelle(conn, periode_id)?.is_none()
        || school::division_code(conn, division_id)?.is_none()
    {
        return Ok(Some(Err(refused(
            Refusal::ConseilInconnu,
            "Ce conseil de classe n'existe pas au service central.",
        ))));
    }
    let cible = Cible::Division(division_id.clone());
    let eleve_ok = match eleve_id {
        Some(e) => school::eleve_in(conn, e, &cible)?,
        None => true,
    };
    Ok(Some(Ok(Owner {
        teacher: school::professeur_principal(conn, division_id)?,
        cible,
        eleve_ok,
    })))
}

/// The refusal of a council's change, if it is refused.
pub fn check(
    conn: &Connection,
    who: &Personnel,
    edit: &Edit,
) -> Result<Option<PushResult>, CentralError> {
    match edit {
        Edit::Conseil {
            periode_id,
            division_id,
            etat,
        } => {
            let current = log::conseil_etat(conn, periode_id, division_id)?;
            if etat.reouvertures <= current.reouvertures {
                // Forward within the same opening, or behind (the one-way rule keeps it out).
                return Ok(None);
            }
            if let Err(reason) = may_reopen(who.fonction) {
                return Ok(Some(refused(Refusal::HorsPerimetre, reason)));
            }
            if current.etat != ConseilEtat::Clos
                || etat.reouvertures != current.reouvertures + 1
                || etat.etat != ConseilEtat::EnSeance
            {
                return Ok(Some(refused(
                    Refusal::ValeurInvalide,
                    "Ce conseil n'est pas clos au service central (ou vient d'être rouvert) : rien n'est rouvert. Actualisez, puis recommencez s'il le faut.",
                )));
            }
            Ok(None)
        }
        Edit::Decision {
            periode_id,
            division_id,
            decision,
            ..
        } => {
            if let Some(r) =
                crate::gradebook::closed_for(conn, periode_id, std::slice::from_ref(division_id))?
            {
                return Ok(Some(r));
            }
            if let Decision::Orientation(avis) = decision
                && !avis.as_str().is_empty()
                && !avec_avis_orientation(&school::division_niveau(conn, division_id)?)
            {
                return Ok(Some(refused(
                    Refusal::SansObjet,
                    "Un avis d'orientation ne se donne qu'en 3e et en seconde.",
                )));
            }
            Ok(None)
        }
        _ => Ok(None),
    }
}
