//! Imports the generated demo collège into an empty central database.

use crate::auth;
use crate::db::{Db, accounts};
use crate::error::CentralError;
use chrono::NaiveDate;
use pupitre_domain::School;
use pupitre_fixtures::{Compte, DemoSchool};

/// What an import wrote, for the operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportSummary {
    pub eleves: usize,
    pub personnels: usize,
    pub seances: usize,
}

/// Writes the school, its séances for the school year containing `today` and its accounts in
/// one transaction. Refuses a database that already holds a school.
pub fn import(db: &Db, demo: &DemoSchool, today: NaiveDate) -> Result<ImportSummary, CentralError> {
    import_school(db, &demo.school(today), &demo.comptes)
}

/// Writes `school` and the accounts `comptes` in one transaction, into an empty database.
pub fn import_school(
    db: &Db,
    school: &School,
    comptes: &[Compte],
) -> Result<ImportSummary, CentralError> {
    // Hash outside the transaction: it is the slow part.
    let hashes = comptes
        .iter()
        .map(|c| auth::hash_password(&c.password))
        .collect::<Result<Vec<String>, _>>()
        .map_err(|e| CentralError::Invalid(format!("mot de passe impossible à chiffrer : {e}")))?;
    db.with(|conn| {
        let tx = conn.transaction()?;
        if pupitre_school_db::holds_a_school(&tx)? {
            return Err(CentralError::Invalid(
                "cette base contient déjà un établissement : choisissez un autre fichier".into(),
            ));
        }
        pupitre_school_db::replace_school(&tx, school, &mut |_, _| {})?;
        for (compte, hash) in comptes.iter().zip(&hashes) {
            accounts::insert_compte(&tx, &compte.login, &compte.personnel_id, hash)?;
        }
        tx.commit()?;
        Ok(ImportSummary {
            eleves: school.eleves.len(),
            personnels: school.personnels.len(),
            seances: school.seances.len(),
        })
    })
}
