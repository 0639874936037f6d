//! Imports the generated demo collège into an empty central database, with what its people
//! entered in the periods already over.

use crate::db::{Db, accounts, identity, log};
use crate::error::CentralError;
use crate::{auth, push};
use chrono::NaiveDate;
use pupitre_domain::School;
use pupitre_fixtures::trimestre::{self, Saisie};
use pupitre_fixtures::{Compte, DEMO_SEED, DemoSchool};
use pupitre_sync_protocol::wire::{PushOutcome, PushResult};
use pupitre_sync_protocol::{Change, ClientId, EntityRef, Hlc, OpId};
use std::collections::BTreeMap;
use uuid::Uuid;

/// What an import wrote, for the operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportSummary {
    pub eleves: usize,
    pub personnels: usize,
    pub seances: usize,
    /// The entries of the periods already over (the demo's history).
    pub saisies: usize,
}

/// Writes the school, its séances for the school year containing `today` and its accounts in
/// one transaction (refusing a database that already holds a school); then what its people
/// entered in the periods over by `today` (`pupitre_fixtures::trimestre`), pushed as theirs.
pub fn import(db: &Db, demo: &DemoSchool, today: NaiveDate) -> Result<ImportSummary, CentralError> {
    let school = demo.school(today);
    let summary = import_school(db, &school, &demo.comptes)?;
    let passe = trimestre::periodes_passees(&school, today, DEMO_SEED);
    for etape in &passe {
        pousser(db, &school, etape).map_err(|e| {
            CentralError::Invalid(format!(
                "le premier trimestre de la démo n'a pas pu être écrit ({e}) : supprimez la base et recommencez"
            ))
        })?;
    }
    Ok(ImportSummary {
        saisies: passe.iter().map(Vec::len).sum(),
        ..summary
    })
}

/// Pushes `saisies` through the central's push path, each author from a PC of her own, in
/// batches: every entry must be applied.
fn pousser(db: &Db, school: &School, saisies: &[Saisie]) -> Result<(), String> {
    let mut par_auteur: BTreeMap<&str, Vec<&Saisie>> = BTreeMap::new();
    for s in saisies {
        par_auteur.entry(s.auteur.as_str()).or_default().push(s);
    }
    let log = db
        .with(|conn| identity::read(conn))
        .map_err(|e| e.to_string())?
        .log;
    for (auteur, siennes) in par_auteur {
        let who = (school.personnels.iter())
            .find(|p| p.id == auteur)
            .ok_or_else(|| format!("personne {auteur} inconnue"))?;
        let client = ClientId(Uuid::new_v4());
        db.with(|conn| log::register_client(conn, &client, auteur))
            .map_err(|e| e.to_string())?;
        let mut seq = 0;
        // A day's entries reach the central that day, as if pushed then: what the replicas show
        // as "written on" (a council's date in the LSU) is the central's reception.
        let jour = |s: &Saisie| s.ecrit_le_ms.div_euclid(86_400_000);
        for lot in siennes.chunk_by(|a, b| jour(a) == jour(b)) {
            for lot in lot.chunks(LOT) {
                let changes: Vec<Change> = (lot.iter())
                    .map(|s| {
                        seq += 1;
                        change(s, seq)
                    })
                    .collect();
                let recu = lot.iter().map(|s| s.ecrit_le_ms).max().unwrap_or(0).max(0) as u64;
                let outcomes = db
                    .with(|conn| push::push(conn, who, &client, &log, &changes, 0, recu))
                    .map_err(|e| e.to_string())?;
                refus(auteur, &outcomes)?;
            }
        }
    }
    Ok(())
}

/// The first entry of `outcomes` the central did not apply, as an error.
fn refus(auteur: &str, outcomes: &[PushOutcome]) -> Result<(), String> {
    match outcomes.iter().find_map(|o| match &o.result {
        PushResult::Refused { message, .. } => Some(message),
        PushResult::Accepted { .. } => None,
    }) {
        Some(refus) => Err(format!("saisie de {auteur} refusée : {refus}")),
        None => Ok(()),
    }
}

/// Changes per push of the demo's history.
const LOT: usize = 500;

fn change(s: &Saisie, client_seq: u64) -> Change {
    Change {
        op_id: OpId(Uuid::new_v4()),
        client_seq,
        entity: EntityRef {
            kind: s.edit.kind(),
            id: s.edit.key().id(),
        },
        field: s.edit.field().into(),
        value: s.edit.value(),
        base_version: 0,
        base_own: None,
        base_op: None,
        hlc: Hlc {
            wall_ms: s.ecrit_le_ms.max(0) as u64,
            counter: 0,
        },
        resolves: None,
        acked_as: None,
        void: false,
    }
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
            saisies: 0,
        })
    })
}
