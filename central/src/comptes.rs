//! An administrator's acts on accounts, from the command line: a password reset and a
//! disabling. Both end every session of the person and revoke her envelope keys at once (an
//! envelope signed before is refused), and both are audited.

use crate::auth;
use crate::db::audit::{self, Quoi};
use crate::db::{Db, accounts, depot};
use crate::error::CentralError;

fn unknown(login: &str) -> CentralError {
    CentralError::Invalid(format!("aucun compte « {login} » : vérifiez l'identifiant"))
}

/// Ends the person's sessions and revokes her envelope keys; audits why.
fn revoke_all(
    tx: &rusqlite::Transaction<'_>,
    compte: &accounts::Compte,
    quoi: Quoi,
    now_ms: u64,
) -> Result<(), CentralError> {
    let sessions = accounts::delete_sessions_of(tx, &compte.personnel_id, None)?;
    let keys = depot::revoke_keys_of(tx, &compte.personnel_id, now_ms)?;
    let detail = format!(
        "par l'administrateur : {sessions} session(s) fermée(s), {keys} clé(s) d'envoi révoquée(s)"
    );
    let event = audit::Evenement {
        login: Some(&compte.login),
        personnel_id: Some(&compte.personnel_id),
        detail: &detail,
        ..Default::default()
    };
    audit::record(tx, quoi, &event, now_ms)?;
    Ok(())
}

/// Sets a new password for `login` (the administrator hands it over; the person changes it).
pub fn reinitialiser(
    db: &Db,
    login: &str,
    password: &str,
    now_ms: u64,
) -> Result<(), CentralError> {
    if let Some(problem) = auth::password_problem(login, password) {
        return Err(CentralError::Invalid(problem));
    }
    let hash = auth::hash_password(password)
        .map_err(|e| CentralError::Invalid(format!("mot de passe impossible à chiffrer : {e}")))?;
    db.with(|conn| {
        let tx = conn.transaction()?;
        let compte = accounts::compte(&tx, login)?.ok_or_else(|| unknown(login))?;
        accounts::set_password(&tx, &compte.personnel_id, &hash)?;
        revoke_all(&tx, &compte, Quoi::MotDePasseReinitialise, now_ms)?;
        tx.commit()?;
        Ok(())
    })
}

/// Disables (or enables again) `login`: no login, no push, no envelope while disabled.
pub fn desactiver(db: &Db, login: &str, desactive: bool, now_ms: u64) -> Result<(), CentralError> {
    db.with(|conn| {
        let tx = conn.transaction()?;
        let compte = accounts::compte(&tx, login)?.ok_or_else(|| unknown(login))?;
        accounts::set_desactive(&tx, login, desactive.then_some(now_ms))?;
        if desactive {
            revoke_all(&tx, &compte, Quoi::CompteDesactive, now_ms)?;
        }
        tx.commit()?;
        Ok(())
    })
}
