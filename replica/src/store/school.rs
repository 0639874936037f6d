//! Writing a snapshot's reference data.

use pupitre_domain::Fonction;
use pupitre_sync_protocol::wire::Snapshot;
use rusqlite::{Transaction, params};

/// Rows written between two progress reports.
pub const CHUNK: usize = 2000;

/// Replaces the reference data by the snapshot's, reporting `(done, total)` rows as it goes.
pub fn replace(
    tx: &Transaction<'_>,
    s: &Snapshot,
    progress: &mut dyn FnMut(usize, usize),
) -> rusqlite::Result<()> {
    tx.execute_batch(
        "DELETE FROM divisions; DELETE FROM groupes; DELETE FROM eleves; DELETE FROM eleve_groupes;
         DELETE FROM personnels; DELETE FROM matieres; DELETE FROM services; DELETE FROM seances;",
    )?;
    let total = s.divisions.len()
        + s.groupes.len()
        + s.eleves.len()
        + s.personnels.len()
        + s.matieres.len()
        + s.services.len()
        + s.seances.len();
    let mut done = 0;
    let mut tick = |n: usize| {
        done += n;
        progress(done, total);
    };
    let mut stmt = tx.prepare("INSERT INTO divisions (id, code, niveau) VALUES (?1, ?2, ?3)")?;
    for d in &s.divisions {
        stmt.execute(params![d.id, d.code, d.niveau])?;
    }
    let mut stmt = tx.prepare("INSERT INTO groupes (id, code, libelle) VALUES (?1, ?2, ?3)")?;
    for g in &s.groupes {
        stmt.execute(params![g.id, g.code, g.libelle])?;
    }
    tick(s.divisions.len() + s.groupes.len());
    let mut stmt = tx.prepare(
        "INSERT INTO eleves (id, ine, nom, prenom, date_naissance, division_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    let mut member =
        tx.prepare("INSERT INTO eleve_groupes (eleve_id, groupe_id) VALUES (?1, ?2)")?;
    for e in &s.eleves {
        stmt.execute(params![
            e.id,
            e.ine,
            e.nom,
            e.prenom,
            e.date_naissance.to_string(),
            e.division_id
        ])?;
        for g in &e.groupe_ids {
            member.execute(params![e.id, g])?;
        }
    }
    tick(s.eleves.len());
    let mut stmt = tx.prepare(
        "INSERT INTO personnels (id, civilite, nom, prenom, fonction) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for p in &s.personnels {
        stmt.execute(params![
            p.id,
            p.civilite,
            p.nom,
            p.prenom,
            fonction_str(p.fonction)
        ])?;
    }
    let mut stmt =
        tx.prepare("INSERT INTO matieres (code, code_gestion, libelle) VALUES (?1, ?2, ?3)")?;
    for m in &s.matieres {
        stmt.execute(params![m.code, m.code_gestion, m.libelle])?;
    }
    let mut stmt = tx.prepare(
        "INSERT INTO services (id, enseignant_id, matiere_code, cible_key, coefficient) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for sv in &s.services {
        stmt.execute(params![
            sv.id,
            sv.enseignant_id,
            sv.matiere_code,
            sv.cible.key(),
            sv.coefficient
        ])?;
    }
    tick(s.personnels.len() + s.matieres.len() + s.services.len());
    let mut stmt = tx.prepare(
        "INSERT INTO seances (id, service_id, date, debut, fin, salle) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for chunk in s.seances.chunks(CHUNK) {
        for se in chunk {
            stmt.execute(params![
                se.id,
                se.service_id,
                se.date.to_string(),
                se.debut.to_string(),
                se.fin.to_string(),
                se.salle
            ])?;
        }
        tick(chunk.len());
    }
    Ok(())
}

pub fn fonction_str(f: Fonction) -> &'static str {
    match f {
        Fonction::Enseignant => "enseignant",
        Fonction::Cpe => "cpe",
        Fonction::Direction => "direction",
    }
}

pub fn parse_fonction(s: &str) -> Fonction {
    match s {
        "cpe" => Fonction::Cpe,
        "direction" => Fonction::Direction,
        _ => Fonction::Enseignant,
    }
}
