//! A move of the reference data (`pupitre_domain::referentiel`) written to the tables: a record
//! posed (inserted or updated in place, so that what refers to it stays valid) or retired.

use crate::tables::Table;
use pupitre_domain::referentiel::{Fiche, Mouvement, Table as RefTable};
use pupitre_domain::{
    Division, Eleve, Etablissement, EtatCivil, Groupe, Matiere, Periode, Personnel, Responsable,
    Seance, Service,
};
use rusqlite::{Transaction, params_from_iter};

/// Writes one move. `Reprise` changes no table (its PC takes a snapshot). Part of the caller's
/// transaction.
pub fn appliquer(tx: &Transaction<'_>, mouvement: &Mouvement) -> rusqlite::Result<()> {
    match mouvement {
        Mouvement::Pose { fiche } => poser(tx, fiche),
        Mouvement::Retire { table, cle } => retirer(tx, *table, cle),
        Mouvement::Reprise => Ok(()),
    }
}

fn poser(tx: &Transaction<'_>, fiche: &Fiche) -> rusqlite::Result<()> {
    match fiche {
        Fiche::Etablissement(r) => upsert(tx, r),
        Fiche::Personnel(r) => upsert(tx, r),
        Fiche::Division(r) => upsert(tx, r),
        Fiche::Groupe(r) => upsert(tx, r),
        Fiche::Eleve(r) => {
            upsert(tx, r)?;
            unlink_eleve(tx, &r.id)?;
            crate::insert_eleve_links(tx, r)
        }
        Fiche::EtatCivil(r) => upsert(tx, r),
        Fiche::Responsable(r) => upsert(tx, r),
        Fiche::Matiere(r) => upsert(tx, r),
        Fiche::Service(r) => upsert(tx, r),
        Fiche::Seance(r) => upsert(tx, r),
        Fiche::Periode(r) => upsert(tx, r),
    }
}

/// Inserts the row, or updates it in place when its key is there.
fn upsert<T: Table>(tx: &Transaction<'_>, row: &T) -> rusqlite::Result<()> {
    let assignments: Vec<String> = (T::COLUMNS.iter())
        .skip(1)
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    let sql = format!(
        "{} ON CONFLICT ({}) DO UPDATE SET {}",
        crate::tables::insert_sql::<T>(),
        T::COLUMNS[0],
        assignments.join(", "),
    );
    tx.prepare_cached(&sql)?
        .execute(params_from_iter(row.values()))
        .map(|_| ())
}

fn unlink_eleve(tx: &Transaction<'_>, id: &str) -> rusqlite::Result<()> {
    tx.prepare_cached("DELETE FROM eleve_groupes WHERE eleve_id = ?1")?
        .execute([id])?;
    tx.prepare_cached("DELETE FROM eleve_divisions WHERE eleve_id = ?1")?
        .execute([id])?;
    Ok(())
}

fn retirer(tx: &Transaction<'_>, table: RefTable, cle: &str) -> rusqlite::Result<()> {
    match table {
        RefTable::Etablissement => delete::<Etablissement>(tx, cle),
        RefTable::Personnel => delete::<Personnel>(tx, cle),
        RefTable::Division => delete::<Division>(tx, cle),
        RefTable::Groupe => delete::<Groupe>(tx, cle),
        RefTable::Eleve => {
            unlink_eleve(tx, cle)?;
            delete::<Eleve>(tx, cle)
        }
        RefTable::EtatCivil => delete::<EtatCivil>(tx, cle),
        RefTable::Responsable => delete::<Responsable>(tx, cle),
        RefTable::Matiere => delete::<Matiere>(tx, cle),
        RefTable::Service => delete::<Service>(tx, cle),
        RefTable::Seance => delete::<Seance>(tx, cle),
        RefTable::Periode => delete::<Periode>(tx, cle),
    }
}

/// Deletes `T`'s row whose key is `cle`.
fn delete<T: Table>(tx: &Transaction<'_>, cle: &str) -> rusqlite::Result<()> {
    let sql = format!("DELETE FROM {} WHERE {} = ?1", T::NAME, T::COLUMNS[0]);
    tx.prepare_cached(&sql)?.execute([cle]).map(|_| ())
}
