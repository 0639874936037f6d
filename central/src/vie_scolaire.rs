//! The vie scolaire's checks at the central: what an absence, a justification, a dispense, an
//! exclusion report or the settings must satisfy beyond their own shape (`Edit::parse`) and their
//! author's rights (`may_write`). An absence lies in the school year and over no other of the
//! same pupil; only an absence that exists is justified or deleted, and a deleted one takes
//! nothing more; a justification names a motif of the settings; a lateness is justified, an
//! exclusion reported, only where the roll call notes one; a motif in use is never removed.

use crate::db::{log, school};
use crate::error::CentralError;
use crate::gradebook::{deleted, entity};
use pupitre_domain::absences::{Absence, Justification, Reglages};
use pupitre_domain::edit::{
    FIELD_DEFINITION, FIELD_FAIT, FIELD_JUSTIFICATION, FIELD_STATUT, FIELD_SUPPRIME, FIELD_VALEUR,
    REGLAGES_ID,
};
use pupitre_domain::{Edit, EntityKey, EntityKind, Fait, Presence};
use pupitre_sync_protocol::EntityRef;
use pupitre_sync_protocol::wire::{PushResult, Refusal};
use rusqlite::Connection;
use std::collections::BTreeSet;

type Checked = Result<Option<PushResult>, CentralError>;

fn refused(code: Refusal, message: impl Into<String>) -> Option<PushResult> {
    Some(crate::push::refused(code, message))
}

/// The refusal of a vie scolaire change, if it is refused.
pub fn check(conn: &Connection, edit: &Edit) -> Checked {
    let key = edit.key();
    if pupitre_domain::conservation::VIE_SCOLAIRE.contains(&edit.kind())
        && log::efface(conn, crate::conservation::VIE_SCOLAIRE)?
    {
        return Ok(refused(Refusal::HorsAnnee, ANNEE_EFFACEE.to_owned()));
    }
    match edit {
        Edit::Absence {
            eleve_id, absence, ..
        } => {
            if let Some(r) = not_deleted(conn, &key)? {
                return Ok(Some(r));
            }
            if let Some(r) = in_the_year(conn, absence.debut.date, absence.fin.date)? {
                return Ok(Some(r));
            }
            overlap(conn, eleve_id, &key.id(), absence)
        }
        Edit::AbsenceJustifiee { justification, .. } => {
            if let Some(r) = existing(conn, &key)? {
                return Ok(Some(r));
            }
            motif_known(conn, justification)
        }
        Edit::AbsenceSupprimee { .. } | Edit::DispenseSupprimee { .. } => existing(conn, &key),
        Edit::Dispense { dispense, .. } => {
            if let Some(r) = not_deleted(conn, &key)? {
                return Ok(Some(r));
            }
            if let Some(m) = &dispense.matiere
                && !school::matiere_exists(conn, m)?
            {
                return Ok(refused(
                    Refusal::ValeurInvalide,
                    format!("La matière « {m} » n'existe pas au service central."),
                ));
            }
            in_the_year(conn, dispense.du, dispense.au)
        }
        Edit::RetardJustifie { justification, .. } => {
            let (statut, fait) = roll_call(conn, &key)?;
            let late = matches!(statut, Some(Presence::Retard { .. }))
                || matches!(fait, Some(Fait::Retard { .. }));
            if !late {
                return Ok(refused(
                    Refusal::SansObjet,
                    "Aucun retard n'est noté pour cet élève à cette séance : il n'y a rien à justifier.",
                ));
            }
            motif_known(conn, justification)
        }
        Edit::Rapport {
            rapport: Some(_), ..
        } => {
            let (statut, _) = roll_call(conn, &key)?;
            if statut != Some(Presence::Exclu) {
                return Ok(refused(
                    Refusal::SansObjet,
                    "Le rapport accompagne une exclusion de cours : marquez d'abord l'élève « Exclu de cours ».",
                ));
            }
            Ok(None)
        }
        Edit::Reglages { reglages } => motifs_in_use_kept(conn, reglages),
        _ => Ok(None),
    }
}

/// Why a change of an erased year's vie scolaire is refused.
pub const ANNEE_EFFACEE: &str = "L'année scolaire est close depuis plus que la durée de conservation choisie par l'établissement : ses appels, absences et dispenses ont été effacés, et cette saisie n'est pas enregistrée.";

/// A deleted absence or dispense takes nothing more.
fn not_deleted(conn: &Connection, key: &EntityKey) -> Checked {
    Ok(deleted(conn, key)?.then(|| {
        crate::push::refused(
            Refusal::AbsenceInconnue,
            "Cette saisie de la vie scolaire a été supprimée : elle ne revient pas.",
        )
    }))
}

/// Only an absence or dispense that exists, and is not deleted, is justified or deleted.
fn existing(conn: &Connection, key: &EntityKey) -> Checked {
    if let Some(r) = not_deleted(conn, key)? {
        return Ok(Some(r));
    }
    let defined = log::current(conn, &entity(key), FIELD_DEFINITION)?.is_some();
    Ok((!defined).then(|| {
        crate::push::refused(
            Refusal::AbsenceInconnue,
            "Cette absence n'existe pas au service central : saisissez-la avant de la justifier.",
        )
    }))
}

/// Dates within the school year (its first period's start to its last period's end).
fn in_the_year(conn: &Connection, du: chrono::NaiveDate, au: chrono::NaiveDate) -> Checked {
    let periodes = school::periodes(conn)?;
    let debut = periodes.iter().map(|p| p.debut).min();
    let fin = periodes.iter().map(|p| p.fin).max();
    let (Some(debut), Some(fin)) = (debut, fin) else {
        return Ok(None);
    };
    if du < debut || au > fin {
        return Ok(refused(
            Refusal::HorsAnnee,
            format!(
                "Ces dates sortent de l'année scolaire (du {} au {}).",
                debut.format("%d/%m/%Y"),
                fin.format("%d/%m/%Y")
            ),
        ));
    }
    Ok(None)
}

/// An absence over another standing absence of the same pupil is refused.
fn overlap(conn: &Connection, eleve_id: &str, id: &str, absence: &Absence) -> Checked {
    let gone: BTreeSet<String> =
        log::current_entries_under(conn, EntityKind::Absence, Some(eleve_id), FIELD_SUPPRIME)?
            .into_iter()
            .filter(|(_, v)| *v == true)
            .map(|(id, _)| id)
            .collect();
    let others =
        log::current_entries_under(conn, EntityKind::Absence, Some(eleve_id), FIELD_DEFINITION)?;
    for (other_id, value) in others {
        if other_id == id || gone.contains(&other_id) {
            continue;
        }
        let other: Absence = stored(value, "absence")?;
        if other.chevauche(absence) {
            return Ok(refused(
                Refusal::Chevauchement,
                format!(
                    "Cette absence chevauche celle du {} au {} : modifiez celle-ci plutôt que d'en saisir une autre.",
                    other.debut.libelle(),
                    other.fin.libelle()
                ),
            ));
        }
    }
    Ok(None)
}

/// The school's settings as they stand, or the defaults.
pub fn reglages(conn: &Connection) -> Result<Reglages, CentralError> {
    let key = EntityRef {
        kind: EntityKind::Reglages,
        id: REGLAGES_ID.to_owned(),
    };
    match log::current(conn, &key, FIELD_VALEUR)? {
        Some(c) => stored(c.value, "réglages"),
        None => Ok(Reglages::default()),
    }
}

fn motif_known(conn: &Connection, justification: &Justification) -> Checked {
    let motifs = reglages(conn)?.motifs;
    Ok(justification.verifier(&motifs).err().map(|reason| {
        crate::push::refused(
            Refusal::MotifInconnu,
            pupitre_domain::avis::capitalised(&reason) + ".",
        )
    }))
}

/// New settings keep every motif that a justification uses (it may be made inactive).
fn motifs_in_use_kept(conn: &Connection, reglages: &Reglages) -> Checked {
    for kind in [EntityKind::Absence, EntityKind::Presence] {
        for (_, value) in log::current_entries_under(conn, kind, None, FIELD_JUSTIFICATION)? {
            let j: Justification = stored(value, "justification")?;
            if let Some(code) = j.motif
                && reglages.motif(&code).is_none()
            {
                return Ok(refused(
                    Refusal::MotifInconnu,
                    format!(
                        "Le motif « {code} » est utilisé par des absences ou des retards : il ne peut pas être supprimé, seulement désactivé."
                    ),
                ));
            }
        }
    }
    Ok(None)
}

/// The teacher's mark and the vie scolaire's fact of a roll-call record, as they stand.
fn roll_call(
    conn: &Connection,
    key: &EntityKey,
) -> Result<(Option<Presence>, Option<Fait>), CentralError> {
    let read = |field: &str| -> Result<Option<serde_json::Value>, CentralError> {
        Ok(log::current(conn, &entity(key), field)?.map(|c| c.value))
    };
    let statut = read(FIELD_STATUT)?
        .map(|v| stored(v, FIELD_STATUT))
        .transpose()?;
    let fait = read(FIELD_FAIT)?
        .map(|v| stored(v, FIELD_FAIT))
        .transpose()?;
    Ok((statut, fait))
}

/// A value the central stored, read back: it was checked when it came in, so a failure here is
/// a damaged database, reported as such.
fn stored<T: serde::de::DeserializeOwned>(
    value: serde_json::Value,
    what: &str,
) -> Result<T, CentralError> {
    serde_json::from_value(value).map_err(|e| CentralError::Invalid(format!("{what} : {e}")))
}
