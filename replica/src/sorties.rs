//! What a class council hands out, built the same way wherever it is asked for: on the head's
//! or the professeur principal's PC (`Session`), and by the central's `lsu` and `bulletins`
//! commands, which read a head's snapshot into a replica of their own. One code path, so an
//! administrator's file is the one the head would have exported.

use crate::conseil::ConseilView;
use crate::error::ReplicaError;
use crate::lsu::{Lsu, LsuContexte};
use crate::store::Store;
use pupitre_domain::ConseilEtat;

/// The LSU export of the council `view` (the page of `division_id` for `periode_id`), signed by
/// `responsable` ("Mme Hélène BERNARD"): what it holds and what it left out.
pub fn lsu(
    store: &mut Store,
    view: &ConseilView,
    periode_id: &str,
    division_id: &str,
    responsable: &str,
) -> Result<Lsu, ReplicaError> {
    let uai = store.uai()?.unwrap_or_default();
    let mut periodes = store.annee()?;
    let principal = store.professeur_principal(division_id)?;
    let ecrit_ms = store.conseil_ecrit_le_ms(periode_id, division_id)?;
    periodes.sort_by_key(|p| p.debut);
    let indice = periodes
        .iter()
        .position(|p| p.id == periode_id)
        .map_or(0, |i| i + 1);
    // The council's day: the day it was closed, on the closing PC's calendar.
    let date_conseil = ecrit_ms
        .filter(|_| view.etat == ConseilEtat::Clos)
        .and_then(chrono::DateTime::from_timestamp_millis)
        .map(|t| t.with_timezone(&chrono::Local).date_naive());
    crate::lsu::ecrire(
        view,
        &LsuContexte {
            uai: &uai,
            responsable,
            indice,
            nb_periodes: periodes.len(),
            millesime: periodes
                .first()
                .map_or(0, |p| chrono::Datelike::year(&p.debut)),
            date_conseil,
            professeur_principal: principal.as_deref(),
        },
    )
    .map_err(|e| ReplicaError::Invalid(format!("le fichier LSU n'a pas pu être écrit : {e}")))
}

/// The bulletins of the council `view` as one A4 PDF, each pupil on pages of her own: one
/// pupil's (`eleve_id`) or the whole class's. Returns the PDF and how many bulletins it holds.
pub fn bulletins(
    view: &ConseilView,
    eleve_id: Option<&str>,
) -> Result<(Vec<u8>, usize), ReplicaError> {
    let documents: Vec<_> = view
        .eleves
        .iter()
        .filter(|e| eleve_id.is_none_or(|id| e.eleve_id == id))
        .map(|e| crate::bulletin::contenu(view, e))
        .collect();
    if documents.is_empty() {
        return Err(ReplicaError::Invalid(
            "cet élève n'est pas de cette classe pour cette période".into(),
        ));
    }
    let pdf = crate::document::pdf(&documents).map_err(|e| {
        ReplicaError::Invalid(format!("les bulletins n'ont pas pu être composés : {e}"))
    })?;
    Ok((pdf, documents.len()))
}
