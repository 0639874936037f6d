//! Writing a new state of the school's reference data: the central's tables go from `avant`
//! to `apres` by the same moves the whole-school replicas receive, and every teacher's
//! replicas receive the moves of their own view (`referentiel::pour`), all in the caller's
//! transaction, so that no PC ever sees half of an import.

use crate::db::referentiel;
use pupitre_domain::referentiel::{mouvements, pour};
use pupitre_domain::{Fonction, School, Scope};
use rusqlite::Transaction;
use std::collections::BTreeMap;

/// What the log received: moves per audience (the whole school first).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Publie {
    pub etablissement: usize,
    /// Teachers whose view changed, and how many moves each received.
    pub enseignants: BTreeMap<String, usize>,
}

pub fn publier(tx: &Transaction<'_>, avant: &School, apres: &School) -> rusqlite::Result<Publie> {
    let moves = mouvements(avant, apres);
    for m in &moves {
        pupitre_school_db::appliquer(tx, m)?;
    }
    referentiel::ajouter(tx, referentiel::ETABLISSEMENT, &moves)?;
    let mut publie = Publie {
        etablissement: moves.len(),
        ..Publie::default()
    };
    let teachers: BTreeMap<&str, &pupitre_domain::Personnel> = (avant.personnels.iter())
        .chain(&apres.personnels)
        .filter(|p| p.fonction == Fonction::Enseignant)
        .map(|p| (p.id.as_str(), p))
        .collect();
    for (id, who) in teachers {
        let theirs = pour(
            &Scope::in_school(who, avant),
            &Scope::in_school(who, apres),
            avant,
            apres,
        );
        if !theirs.is_empty() {
            referentiel::ajouter(tx, &referentiel::audience_enseignant(id), &theirs)?;
            publie.enseignants.insert(id.to_owned(), theirs.len());
        }
    }
    Ok(publie)
}
