//! The gradebook's checks at the central: what a devoir or a mark must satisfy beyond its own
//! shape (`Edit::parse`) and its author's rights (`may_write`). A deleted devoir takes nothing
//! more; a devoir lies in its period; a mark stays within its devoir's barème, and a barème is
//! not lowered under a mark already given; nothing changes in a period whose council is closed.

use crate::db::{log, school};
use crate::error::CentralError;
use pupitre_domain::edit::{FIELD_DEFINITION, FIELD_SUPPRIME, FIELD_VALEUR};
use pupitre_domain::{Cible, Devoir, DevoirInvalide, Edit, EntityKey, EntityKind, Note};
use pupitre_sync_protocol::EntityRef;
use pupitre_sync_protocol::wire::{PushResult, Refusal};
use rusqlite::Connection;

fn refused(code: Refusal, message: impl Into<String>) -> Option<PushResult> {
    Some(PushResult::Refused {
        code,
        message: message.into(),
    })
}

/// The refusal of a devoir's or a mark's change, if it is refused. `cible`: the service's target.
pub fn check(
    conn: &Connection,
    edit: &Edit,
    cible: &Cible,
) -> Result<Option<PushResult>, CentralError> {
    let Some(devoir_key) = edit.key().devoir() else {
        return Ok(None);
    };
    if deleted(conn, &devoir_key)? {
        return Ok(refused(
            Refusal::DevoirSupprime,
            "Ce devoir a été supprimé : il ne revient pas, et ses notes ne peuvent plus être modifiées.",
        ));
    }
    let current = definition(conn, &devoir_key)?;
    match edit {
        Edit::Devoir { devoir, .. } => {
            if let Err(e) = devoir.dans_sa_periode(&school::periodes(conn)?) {
                let code = match e {
                    DevoirInvalide::Periode(_) => Refusal::PeriodeInconnue,
                    _ => Refusal::ValeurInvalide,
                };
                return Ok(refused(code, format!("Devoir refusé : {e}.")));
            }
            // Moving a devoir out of a closed period changes that period's averages too.
            for periode in [
                Some(devoir.periode_id()),
                current.as_ref().map(|d| d.periode_id()),
            ]
            .into_iter()
            .flatten()
            {
                if let Some(r) = closed_for(conn, periode, &school::divisions_of(conn, cible)?)? {
                    return Ok(Some(r));
                }
            }
            let over = marks_of(conn, &devoir_key)?
                .into_iter()
                .filter(|n| n.points().is_some_and(|p| p > devoir.bareme()))
                .count();
            if over > 0 {
                return Ok(refused(
                    Refusal::ValeurInvalide,
                    format!(
                        "Barème refusé : {over} note(s) déjà saisie(s) dépassent {}. Corrigez-les d'abord.",
                        devoir.bareme()
                    ),
                ));
            }
            Ok(None)
        }
        Edit::DevoirSupprime { .. } => match current {
            None => Ok(unknown()),
            Some(d) => closed_for(conn, d.periode_id(), &school::divisions_of(conn, cible)?),
        },
        Edit::Note { eleve_id, note, .. } => {
            let Some(d) = current else {
                return Ok(unknown());
            };
            if let Some(points) = note.and_then(Note::points)
                && points > d.bareme()
            {
                return Ok(refused(
                    Refusal::ValeurInvalide,
                    format!(
                        "Note refusée : {points} dépasse le barème ({}).",
                        d.bareme()
                    ),
                ));
            }
            let division = school::eleve_division(conn, eleve_id)?
                .into_iter()
                .collect::<Vec<_>>();
            closed_for(conn, d.periode_id(), &division)
        }
        _ => Ok(None),
    }
}

fn unknown() -> Option<PushResult> {
    refused(
        Refusal::DevoirInconnu,
        "Ce devoir n'existe pas au service central : créez-le avant d'y saisir des notes.",
    )
}

fn entity(key: &EntityKey) -> EntityRef {
    EntityRef {
        kind: EntityKind::Devoir,
        id: key.id(),
    }
}

fn deleted(conn: &Connection, devoir: &EntityKey) -> Result<bool, CentralError> {
    Ok(log::current(conn, &entity(devoir), FIELD_SUPPRIME)?.is_some_and(|c| c.value == true))
}

/// The devoir's current definition, if it was ever defined.
fn definition(conn: &Connection, devoir: &EntityKey) -> Result<Option<Devoir>, CentralError> {
    let Some(change) = log::current(conn, &entity(devoir), FIELD_DEFINITION)? else {
        return Ok(None);
    };
    serde_json::from_value(change.value)
        .map(Some)
        .map_err(|e| CentralError::Invalid(format!("devoir {} : {e}", devoir.id())))
}

/// The marks currently given in a devoir.
fn marks_of(conn: &Connection, devoir: &EntityKey) -> Result<Vec<Note>, CentralError> {
    log::current_values_under(conn, EntityKind::Note, &devoir.id(), FIELD_VALEUR)?
        .into_iter()
        .map(serde_json::from_value::<Option<Note>>)
        .filter_map(|n| n.transpose())
        .collect::<Result<_, _>>()
        .map_err(|e| CentralError::Invalid(format!("note : {e}")))
}

/// The refusal when the council of one of `divisions` is closed for `periode_id` (the lock of
/// appreciations, devoirs and marks alike).
pub fn closed_for(
    conn: &Connection,
    periode_id: &str,
    divisions: &[String],
) -> Result<Option<PushResult>, CentralError> {
    for division in divisions {
        if log::conseil_etat(conn, periode_id, division)?.verrouille() {
            let periode = school::periode_libelle(conn, periode_id)?.unwrap_or_default();
            let classe = school::division_code(conn, division)?.unwrap_or_default();
            return Ok(refused(
                Refusal::PeriodeClose,
                pupitre_domain::conseil::motif_verrou(&classe, &periode),
            ));
        }
    }
    Ok(None)
}
