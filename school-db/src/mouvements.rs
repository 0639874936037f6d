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
    let marks: Vec<String> = (1..=T::COLUMNS.len()).map(|i| format!("?{i}")).collect();
    let set: Vec<String> = (T::COLUMNS.iter().skip(1))
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    let sql = format!(
        "INSERT INTO {name} ({cols}) VALUES ({marks}) ON CONFLICT ({key}) DO UPDATE SET {set}",
        name = T::NAME,
        cols = T::COLUMNS.join(", "),
        marks = marks.join(", "),
        key = T::COLUMNS[0],
        set = set.join(", "),
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
    let (name, key) = match table {
        RefTable::Etablissement => (Etablissement::NAME, Etablissement::COLUMNS[0]),
        RefTable::Personnel => (Personnel::NAME, Personnel::COLUMNS[0]),
        RefTable::Division => (Division::NAME, Division::COLUMNS[0]),
        RefTable::Groupe => (Groupe::NAME, Groupe::COLUMNS[0]),
        RefTable::Eleve => {
            unlink_eleve(tx, cle)?;
            (Eleve::NAME, Eleve::COLUMNS[0])
        }
        RefTable::EtatCivil => (EtatCivil::NAME, EtatCivil::COLUMNS[0]),
        RefTable::Responsable => (Responsable::NAME, Responsable::COLUMNS[0]),
        RefTable::Matiere => (Matiere::NAME, Matiere::COLUMNS[0]),
        RefTable::Service => (Service::NAME, Service::COLUMNS[0]),
        RefTable::Seance => (Seance::NAME, Seance::COLUMNS[0]),
        RefTable::Periode => (Periode::NAME, Periode::COLUMNS[0]),
    };
    tx.prepare_cached(&format!("DELETE FROM {name} WHERE {key} = ?1"))?
        .execute([cle])
        .map(|_| ())
}
