//! A class council's outputs for an administrator and for scripts (`pupitre-central lsu` and
//! `pupitre-central bulletins`). The central holds changes, not averages nor council pages:
//! those are the replica's (`pupitre_replica::conseil`). So the school head's snapshot is read
//! into a replica of its own, in a temporary directory (encrypted with a key of its own, removed
//! on drop), and the replica's export code (`pupitre_replica::sorties`) runs on it: the file is
//! the one the head's PC would have written from the same data.

use crate::clock;
use crate::db::Db;
use crate::error::CentralError;
use pupitre_domain::{Fonction, Personnel, School};
use pupitre_replica::Store;
use pupitre_replica::cle::CleReplica;
use pupitre_replica::conseil::ConseilView;
use pupitre_replica::lsu::Lsu;
use pupitre_sync_protocol::Hlc;

/// The school as its head sees it, read from the central into a temporary replica.
pub struct Ecole {
    _dir: tempfile::TempDir,
    store: Store,
    school: School,
    responsable: String,
}

fn invalid(message: impl std::fmt::Display) -> CentralError {
    CentralError::Invalid(message.to_string())
}

impl Ecole {
    /// The school of `db`, through its head's eyes (her snapshot, as her PC would hold it).
    pub fn lire(db: &Db) -> Result<Ecole, CentralError> {
        let head = db.with(|conn| pupitre_school_db::read_all::<Personnel>(conn))?;
        let head = head
            .into_iter()
            .find(|p| p.fonction == Fonction::Direction)
            .ok_or_else(|| {
                invalid("l'établissement n'a aucun personnel de direction : importez STS-Web")
            })?;
        let responsable = format!("{} {} {}", head.civilite, head.prenom, head.nom);
        let hlc = Hlc {
            wall_ms: clock::now_ms(),
            counter: 0,
        };
        let snapshot = db.with(|conn| crate::snapshot::read(conn, head, hlc))?;
        let dir = tempfile::tempdir()
            .map_err(|e| invalid(format!("dossier temporaire impossible à créer : {e}")))?;
        let mut store = Store::open(&dir.path().join("replica.sqlite"), &CleReplica::nouvelle())
            .map_err(invalid)?;
        store.rebase(&snapshot, &mut |_, _| {}).map_err(invalid)?;
        Ok(Ecole {
            _dir: dir,
            store,
            school: snapshot.school,
            responsable,
        })
    }

    /// The council page of `division` (its code, `6A`, or id) for `periode` (its id, `T1`, or
    /// its name).
    pub fn conseil(&mut self, division: &str, periode: &str) -> Result<ConseilView, CentralError> {
        let (division_id, periode_id) = trouver(&self.school, division, periode)?;
        self.store
            .conseil(&periode_id, &division_id)
            .map_err(invalid)?
            .ok_or_else(|| invalid("ce conseil n'a pas pu être lu"))
    }

    /// The school's divisions' codes.
    pub fn divisions(&self) -> Vec<String> {
        self.school
            .divisions
            .iter()
            .map(|d| d.code.clone())
            .collect()
    }

    /// The council's LSU export: what it holds and what it left out.
    pub fn lsu(&mut self, view: &ConseilView) -> Result<Lsu, CentralError> {
        pupitre_replica::sorties::lsu(
            &mut self.store,
            view,
            &view.periode_id,
            &view.division_id,
            &self.responsable,
        )
        .map_err(invalid)
    }
}

/// The council's bulletins: each pupil's PDF with its file name, then the division's batch.
pub fn bulletins(view: &ConseilView) -> Result<Vec<(String, Vec<u8>)>, CentralError> {
    let base = format!("{}-{}", nom_de_fichier(&view.division), view.periode_id);
    let mut out = Vec::with_capacity(view.eleves.len() + 1);
    for e in &view.eleves {
        let (pdf, _) =
            pupitre_replica::sorties::bulletins(view, Some(&e.eleve_id)).map_err(invalid)?;
        let nom = nom_de_fichier(&format!("{} {} {}", e.nom, e.prenom, e.eleve_id));
        out.push((format!("{base}-{nom}.pdf"), pdf));
    }
    let (classe, _) = pupitre_replica::sorties::bulletins(view, None).map_err(invalid)?;
    out.push((format!("{base}.pdf"), classe));
    Ok(out)
}

/// A division and a period of `school` from what a person types: a code or an id, a period's
/// id or its name, whatever the case.
fn trouver(
    school: &School,
    division: &str,
    periode: &str,
) -> Result<(String, String), CentralError> {
    let egal = |a: &str, b: &str| a.trim().eq_ignore_ascii_case(b.trim());
    let d = (school.divisions.iter())
        .find(|d| egal(&d.code, division) || egal(&d.id, division))
        .ok_or_else(|| {
            let codes: Vec<&str> = school.divisions.iter().map(|d| d.code.as_str()).collect();
            invalid(format!(
                "la classe « {division} » n'existe pas ; les classes sont : {}",
                codes.join(", ")
            ))
        })?;
    let p = (school.periodes.iter())
        .find(|p| {
            egal(&p.id, periode) || p.libelle.trim().to_lowercase() == periode.trim().to_lowercase()
        })
        .ok_or_else(|| {
            let ids: Vec<String> = (school.periodes.iter())
                .map(|p| format!("{} ({})", p.id, p.libelle))
                .collect();
            invalid(format!(
                "la période « {periode} » n'existe pas ; les périodes sont : {}",
                ids.join(", ")
            ))
        })?;
    Ok((d.id.clone(), p.id.clone()))
}

/// A file name any system takes: letters without accents, digits, dashes.
fn nom_de_fichier(texte: &str) -> String {
    let ascii = deunicode::deunicode(texte);
    let mut out = String::with_capacity(ascii.len());
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_owned()
}

#[cfg(test)]
mod tests {
    use super::nom_de_fichier;

    #[test]
    fn file_names_keep_letters_and_digits_only() {
        for (texte, attendu) in [
            ("ŒTTINGER Cœlestine 5001", "OETTINGER-Coelestine-5001"),
            ("D'ARGENT  Zoé-Anaïs 12", "D-ARGENT-Zoe-Anais-12"),
            ("6e/A", "6e-A"),
            (" ../..", ""),
        ] {
            assert_eq!(nom_de_fichier(texte), attendu, "{texte}");
        }
    }
}
