//! An administrator's acts on accounts, from the command line: a password reset and a
//! disabling. Both end every session of the person and revoke her envelope keys at once (an
//! envelope signed before is refused), and both are audited.

use crate::auth;
use crate::db::audit::{self, Quoi};
use crate::db::{Db, accounts, depot};
use crate::error::CentralError;
use argon2::password_hash::rand_core::RngCore;
use std::collections::BTreeSet;
use std::path::Path;

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

/// An account made for a member of staff who had none, with its provisional password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NouveauCompte {
    pub login: String,
    pub personnel_id: String,
    pub nom: String,
    pub prenom: String,
    pub fonction: &'static str,
    pub mot_de_passe: String,
}

/// The login of `prenom nom`: `prenom.nom` in lower-case ASCII (Œ → oe, spaces and
/// apostrophes → `-`), then `2`, `3`… when `pris` already has it (pure).
pub fn login_pour(prenom: &str, nom: &str, pris: &BTreeSet<String>) -> String {
    let part = |s: &str| {
        let ascii = deunicode::deunicode(s).to_lowercase();
        let kept: String = ascii
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        kept.split('-')
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join("-")
    };
    let base = format!("{}.{}", part(prenom), part(nom));
    (1..)
        .map(|n| {
            if n == 1 {
                base.clone()
            } else {
                format!("{base}{n}")
            }
        })
        .find(|l| !pris.contains(l))
        .unwrap_or(base)
}

/// A provisional password: 4 groups of 4 letters and digits that cannot be mistaken for one
/// another when read aloud or copied by hand (no 0/o, 1/l/i).
pub fn mot_de_passe_provisoire(rng: &mut impl RngCore) -> String {
    const SURS: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    (0..4)
        .map(|_| {
            (0..4)
                .map(|_| char::from(SURS[(rng.next_u32() % SURS.len() as u32) as usize]))
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// Makes an account for every member of staff of `db`'s school who has none (an imported
/// school: STS-Web gives no logins), and writes them with their provisional passwords to the
/// new file `out` (CSV, readable by its owner only) for the administrator to hand out; the
/// people change them with « Changer mon mot de passe ». Nothing is made if `out` cannot be
/// written, and the file is not left if the accounts could not be made.
pub fn creer_manquants(db: &Db, out: &Path) -> Result<Vec<NouveauCompte>, CentralError> {
    let (school, (mut pris, titulaires)) = db.with(|conn| {
        Ok::<_, CentralError>((
            pupitre_school_db::read_school(conn)?,
            accounts::logins_et_titulaires(conn)?,
        ))
    })?;
    let mut rng = argon2::password_hash::rand_core::OsRng;
    let mut nouveaux = Vec::new();
    // In the order of a staff list (Œttinger with the O's): the file is handed out by it.
    let mut sans_compte: Vec<_> = (school.personnels.iter())
        .filter(|p| !titulaires.contains(&p.id))
        .collect();
    sans_compte
        .sort_by_key(|p| deunicode::deunicode(&format!("{} {}", p.nom, p.prenom)).to_lowercase());
    for p in sans_compte {
        let login = login_pour(&p.prenom, &p.nom, &pris);
        pris.insert(login.clone());
        nouveaux.push(NouveauCompte {
            login,
            personnel_id: p.id.clone(),
            nom: p.nom.clone(),
            prenom: p.prenom.clone(),
            fonction: p.fonction.as_str(),
            mot_de_passe: mot_de_passe_provisoire(&mut rng),
        });
    }
    // Hash outside the transaction: it is the slow part.
    let hashes = (nouveaux.iter())
        .map(|c| auth::hash_password(&c.mot_de_passe))
        .collect::<Result<Vec<String>, _>>()
        .map_err(|e| CentralError::Invalid(format!("mot de passe impossible à chiffrer : {e}")))?;
    crate::fichiers::nouveau(out, |mut file| {
        // The BOM: a French spreadsheet then reads the accents as UTF-8.
        std::io::Write::write_all(&mut file, b"\xEF\xBB\xBF")?;
        let mut csv = csv::WriterBuilder::new().delimiter(b';').from_writer(file);
        csv.write_record([
            "Identifiant",
            "Nom",
            "Prénom",
            "Fonction",
            "Mot de passe provisoire",
        ])
        .map_err(|e| CentralError::Invalid(e.to_string()))?;
        for c in &nouveaux {
            csv.write_record([&c.login, &c.nom, &c.prenom, c.fonction, &c.mot_de_passe])
                .map_err(|e| CentralError::Invalid(e.to_string()))?;
        }
        csv.into_inner()
            .map_err(|e| CentralError::Invalid(e.to_string()))?
            .sync_all()?;
        db.with(|conn| {
            let tx = conn.transaction()?;
            for (c, hash) in nouveaux.iter().zip(&hashes) {
                accounts::insert_compte(&tx, &c.login, &c.personnel_id, hash)?;
            }
            tx.commit()
        })?;
        Ok(())
    })?;
    Ok(nouveaux)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_from_names() {
        let pris: BTreeSet<String> = ["noel.faure".to_owned(), "noel.faure2".to_owned()].into();
        for (prenom, nom, login) in [
            ("Cœlestine", "ŒTTINGER", "coelestine.oettinger"),
            ("Marie-Thérèse", "SCHŒLCHER", "marie-therese.schoelcher"),
            ("Jean Luc", "D'ARC  DE LA TOUR", "jean-luc.d-arc-de-la-tour"),
            ("Noël", "Fauré", "noel.faure3"),
            ("Jörg", "MÜLLER", "jorg.muller"),
        ] {
            assert_eq!(login_pour(prenom, nom, &pris), login, "{prenom} {nom}");
        }
    }

    #[test]
    fn provisional_passwords_are_accepted_and_unambiguous() {
        let mut rng = argon2::password_hash::rand_core::OsRng;
        let a = mot_de_passe_provisoire(&mut rng);
        assert_eq!(a.len(), 19);
        assert!(
            a.chars()
                .all(|c| c == '-' || "abcdefghjkmnpqrstuvwxyz23456789".contains(c))
        );
        assert_eq!(auth::password_problem("noel.faure", &a), None);
        assert_ne!(a, mot_de_passe_provisoire(&mut rng));
    }
}
