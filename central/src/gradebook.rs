//! The gradebook's checks at the central: what a devoir, a mark, a competency item, an
//! evaluation or a positionnement must satisfy beyond its own shape (`Edit::parse`) and its
//! author's rights (`may_write`). A deleted devoir or item takes nothing more; a devoir lies in
//! its period and evaluates only items that exist; a mark stays within its devoir's barème, and a
//! barème is not lowered under a mark already given; an evaluation is of an item its devoir
//! evaluates; a pupil gets nothing for a devoir outside her dates; nothing changes in a period
//! whose council is closed.

use crate::db::{log, school};
use crate::error::CentralError;
use pupitre_domain::edit::{FIELD_DEFINITION, FIELD_SUPPRIME, FIELD_VALEUR};
use pupitre_domain::{Cible, Devoir, DevoirInvalide, Edit, EntityKey, Note};
use pupitre_sync_protocol::EntityRef;
use pupitre_sync_protocol::wire::{PushResult, Refusal};
use rusqlite::Connection;

type Checked = Result<Option<PushResult>, CentralError>;

fn refused(code: Refusal, message: impl Into<String>) -> Option<PushResult> {
    Some(crate::push::refused(code, message))
}

/// The refusal of a gradebook change, if it is refused. `cible`: the service's target.
pub fn check(conn: &Connection, edit: &Edit, cible: &Cible) -> Checked {
    let key = edit.key();
    if let Some(item) = key.item()
        && let Some(r) = check_item(conn, edit, &item)?
    {
        return Ok(Some(r));
    }
    if let Some(devoir) = key.devoir() {
        return check_devoir(conn, edit, &devoir, cible);
    }
    if let Edit::Positionnement {
        periode_id,
        eleve_id,
        ..
    } = edit
    {
        let division = school::eleve_division(conn, eleve_id)?;
        return closed_for(conn, periode_id, division.as_slice());
    }
    Ok(None)
}

/// An item or an evaluation of it: a deleted item takes nothing more, and only an item that
/// exists can be evaluated or deleted.
fn check_item(conn: &Connection, edit: &Edit, item: &EntityKey) -> Checked {
    if deleted(conn, item)? {
        return Ok(refused(
            Refusal::ItemInconnu,
            "Cette compétence a été supprimée : elle ne revient pas, et ne s'évalue plus.",
        ));
    }
    let defined = log::current(conn, &entity(item), FIELD_DEFINITION)?.is_some();
    let needs_definition = matches!(edit, Edit::ItemSupprime { .. } | Edit::Evaluation { .. });
    if needs_definition && !defined {
        return Ok(refused(
            Refusal::ItemInconnu,
            "Cette compétence n'existe pas au service central : créez-la avant de l'évaluer.",
        ));
    }
    Ok(None)
}

fn check_devoir(conn: &Connection, edit: &Edit, devoir_key: &EntityKey, cible: &Cible) -> Checked {
    if deleted(conn, devoir_key)? {
        return Ok(refused(
            Refusal::DevoirSupprime,
            "Ce devoir a été supprimé : il ne revient pas, et ses notes ne peuvent plus être modifiées.",
        ));
    }
    let current = definition(conn, devoir_key)?;
    match edit {
        Edit::Devoir {
            devoir, service_id, ..
        } => check_definition(
            conn,
            devoir_key,
            devoir,
            current.as_ref(),
            service_id,
            cible,
        ),
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
            pupil_in_devoir(conn, &d, eleve_id, cible, note.is_some())
        }
        Edit::Evaluation {
            eleve_id,
            item_id,
            evaluation,
            ..
        } => {
            let Some(d) = current else {
                return Ok(unknown());
            };
            if !d.items().contains(item_id) {
                return Ok(refused(
                    Refusal::ItemInconnu,
                    "Cette compétence n'est pas évaluée dans ce devoir : ajoutez-la au devoir d'abord.",
                ));
            }
            pupil_in_devoir(conn, &d, eleve_id, cible, evaluation.is_some())
        }
        _ => Ok(None),
    }
}

/// A devoir's definition: in its period, out of no closed period, its items defined, its
/// barème not under a mark given.
fn check_definition(
    conn: &Connection,
    devoir_key: &EntityKey,
    devoir: &Devoir,
    current: Option<&Devoir>,
    service_id: &str,
    cible: &Cible,
) -> Checked {
    if let Err(e) = devoir.dans_sa_periode(&school::periodes(conn)?) {
        let code = match e {
            DevoirInvalide::Periode(_) => Refusal::PeriodeInconnue,
            _ => Refusal::ValeurInvalide,
        };
        return Ok(refused(code, format!("Devoir refusé : {e}.")));
    }
    // Moving a devoir out of a closed period changes that period's averages too.
    for periode in [Some(devoir.periode_id()), current.map(|d| d.periode_id())]
        .into_iter()
        .flatten()
    {
        if let Some(r) = closed_for(conn, periode, &school::divisions_of(conn, cible)?)? {
            return Ok(Some(r));
        }
    }
    for item_id in devoir.items() {
        let item = EntityKey::Item {
            service_id: service_id.to_owned(),
            item_id: item_id.clone(),
        };
        let defined = log::current(conn, &entity(&item), FIELD_DEFINITION)?.is_some();
        if !defined || deleted(conn, &item)? {
            return Ok(refused(
                Refusal::ItemInconnu,
                "Une compétence de ce devoir n'existe pas (ou plus) au service central.",
            ));
        }
    }
    let over = marks_of(conn, devoir_key)?
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

/// A value given to a pupil for a devoir: she was at the school and in the service's class on
/// its date, and its period is open for the division she was in then. Emptying a cell is always
/// possible (but in a closed period).
fn pupil_in_devoir(
    conn: &Connection,
    d: &Devoir,
    eleve_id: &str,
    cible: &Cible,
    gives_value: bool,
) -> Checked {
    let Some(eleve) = school::eleve(conn, eleve_id)? else {
        return Ok(None);
    };
    if gives_value && !eleve.dans_la_cible_le(cible, d.date()) {
        return Ok(refused(
            Refusal::EleveInconnu,
            format!(
                "{} {} n'était pas dans cette classe (ou pas dans l'établissement) le {} : rien à saisir pour ce devoir.",
                eleve.nom,
                eleve.prenom,
                d.date().format("%d/%m/%Y")
            ),
        ));
    }
    closed_for(
        conn,
        d.periode_id(),
        std::slice::from_ref(&eleve.division_id),
    )
}

fn unknown() -> Option<PushResult> {
    refused(
        Refusal::DevoirInconnu,
        "Ce devoir n'existe pas au service central : créez-le avant d'y saisir des notes.",
    )
}

pub(crate) fn entity(key: &EntityKey) -> EntityRef {
    EntityRef {
        kind: key.kind(),
        id: key.id(),
    }
}

/// Whether a devoir, an item, an absence or a dispense was deleted.
pub(crate) fn deleted(conn: &Connection, key: &EntityKey) -> Result<bool, CentralError> {
    Ok(log::current(conn, &entity(key), FIELD_SUPPRIME)?.is_some_and(|c| c.value == true))
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
    log::current_values_under(
        conn,
        pupitre_domain::EntityKind::Note,
        &devoir.id(),
        FIELD_VALEUR,
    )?
    .into_iter()
    .map(serde_json::from_value::<Option<Note>>)
    .filter_map(|n| n.transpose())
    .collect::<Result<_, _>>()
    .map_err(|e| CentralError::Invalid(format!("note : {e}")))
}

/// The refusal when the council of one of `divisions` is closed for `periode_id` (the lock of
/// appreciations and of the whole gradebook alike).
pub fn closed_for(conn: &Connection, periode_id: &str, divisions: &[String]) -> Checked {
    for division in divisions {
        if log::conseil_etat(conn, periode_id, division)?
            .etat
            .verrouille()
        {
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
