//! `pupitre-central import`: a school's year from the national exports (SIECLE, STS-Web), each
//! file's kind told by its root element, all of one call in one transaction. A malformed file
//! is refused whole with its name, the element and the line; nothing is half-imported. What an
//! import changed travels to the replicas in the log (`publier`).

pub mod annee;
pub mod calendrier;
pub mod emploi_du_temps;
pub mod publier;
pub mod siecle;
pub mod sts;
pub mod tableur;
pub mod xml;

use crate::db::Db;
use crate::error::CentralError;
use annee::Lu;
use calendrier::Calendrier;
use chrono::NaiveDate;
use pupitre_domain::referentiel::{Table, fiches};
use pupitre_domain::{Etablissement, School, Uai};
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

/// Why an import was refused: the file, the element, the line, and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ErreurImport {
    pub fichier: String,
    pub element: String,
    pub ligne: u32,
    pub message: String,
}

impl ErreurImport {
    pub fn new(fichier: &str, element: &str, ligne: u32, message: String) -> ErreurImport {
        ErreurImport {
            fichier: fichier.to_owned(),
            element: element.to_owned(),
            ligne,
            message,
        }
    }
}

impl fmt::Display for ErreurImport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.fichier)?;
        if self.ligne > 0 {
            write!(f, ", ligne {}", self.ligne)?;
        }
        if !self.element.is_empty() {
            write!(f, ", élément <{}>", self.element)?;
        }
        write!(f, " : {}. Rien n'a été importé.", self.message)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    Fichier(#[from] ErreurImport),
    #[error("{0}")]
    Central(#[from] CentralError),
}

impl From<rusqlite::Error> for ImportError {
    fn from(e: rusqlite::Error) -> ImportError {
        ImportError::Central(e.into())
    }
}

/// What an import did, table by table.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Rapport {
    pub uai: String,
    /// Per table: (created, changed, left alone).
    pub tables: BTreeMap<Table, (usize, usize, usize)>,
    pub ignores: Vec<String>,
    pub conserves: Vec<String>,
    /// Moves the log received for the whole school's replicas and for teachers' replicas.
    pub mouvements: usize,
    pub enseignants_prevenus: usize,
}

impl fmt::Display for Rapport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Import de l'établissement {} :", self.uai)?;
        for (table, (crees, modifies, laisses)) in &self.tables {
            writeln!(
                f,
                "  {:<14} {crees:>6} créés  {modifies:>6} modifiés  {laisses:>6} inchangés",
                format!("{table:?}")
            )?;
        }
        for (titre, lignes) in [("Ignorés", &self.ignores), ("Conservés", &self.conserves)] {
            if !lignes.is_empty() {
                writeln!(f, "{titre} ({}) :", lignes.len())?;
                for l in lignes.iter().take(50) {
                    writeln!(f, "  - {l}")?;
                }
                if lignes.len() > 50 {
                    writeln!(f, "  … et {} autres", lignes.len() - 50)?;
                }
            }
        }
        write!(
            f,
            "Postes prévenus : {} changements pour toute l'école, {} enseignants concernés.",
            self.mouvements, self.enseignants_prevenus
        )
    }
}

/// Reads one file and puts it in `lu` by its root element.
pub fn lire_fichier(lu: &mut Lu, nom: &str, octets: &[u8]) -> Result<(), ErreurImport> {
    let deja = || {
        ErreurImport::new(
            nom,
            "",
            1,
            "un autre fichier de ce type est déjà dans cet import".into(),
        )
    };
    if let Some(calendrier) = calendrier::lire(nom, octets) {
        match calendrier? {
            Calendrier::Periodes(_) if lu.periodes.is_some() => return Err(deja()),
            Calendrier::Vacances(_) if lu.vacances.is_some() => return Err(deja()),
            Calendrier::Periodes(p) => lu.periodes = Some((nom.to_owned(), p)),
            Calendrier::Vacances(v) => lu.vacances = Some((nom.to_owned(), v)),
        }
        return Ok(());
    }
    if let Some(creneaux) = emploi_du_temps::lire(nom, octets) {
        if lu.emploi_du_temps.is_some() {
            return Err(deja());
        }
        lu.emploi_du_temps = Some((nom.to_owned(), creneaux?));
        return Ok(());
    }
    let root = xml::lire(nom, octets)?;
    let twice = || {
        ErreurImport::new(
            nom,
            &root.nom,
            root.ligne,
            "un autre fichier de ce type est déjà dans cet import".into(),
        )
    };
    fn named<T>(nom: &str, x: T) -> Option<(String, T)> {
        Some((nom.to_owned(), x))
    }
    match root.nom.as_str() {
        "BEE_ELEVES" if lu.eleves.is_none() => lu.eleves = named(nom, siecle::eleves(nom, &root)?),
        "BEE_RESPONSABLES" if lu.responsables.is_none() => {
            lu.responsables = named(nom, siecle::responsables(nom, &root)?)
        }
        "BEE_NOMENCLATURES" if lu.nomenclature.is_none() => {
            lu.nomenclature = named(nom, siecle::nomenclature(nom, &root)?)
        }
        "STS_EDT" if lu.sts.is_none() => lu.sts = named(nom, sts::lire(nom, &root)?),
        "BEE_ELEVES" | "BEE_RESPONSABLES" | "BEE_NOMENCLATURES" | "STS_EDT" => {
            return Err(twice());
        }
        other => {
            return Err(ErreurImport::new(
                nom,
                other,
                root.ligne,
                "ce n'est pas un export SIECLE (BEE_ELEVES, BEE_RESPONSABLES, BEE_NOMENCLATURES) \
                 ni STS-Web (STS_EDT)"
                    .into(),
            ));
        }
    }
    Ok(())
}

/// The UAI each file names, with its file.
fn uais(lu: &Lu) -> Vec<(String, String)> {
    let files = [
        lu.eleves.as_ref().map(|(f, x)| (f, &x.uai)),
        lu.responsables.as_ref().map(|(f, x)| (f, &x.uai)),
        lu.nomenclature.as_ref().map(|(f, x)| (f, &x.uai)),
        lu.sts.as_ref().map(|(f, x)| (f, &x.uai)),
    ];
    (files.into_iter().flatten())
        .filter_map(|(f, u)| u.as_ref().map(|u| (f.clone(), u.clone())))
        .collect()
}

/// A school with nothing in it yet.
fn vide(uai: Uai) -> School {
    School {
        etablissement: Etablissement {
            nom: format!("Établissement {uai}"),
            uai,
            commune: String::new(),
        },
        divisions: Vec::new(),
        groupes: Vec::new(),
        eleves: Vec::new(),
        personnels: Vec::new(),
        matieres: Vec::new(),
        services: Vec::new(),
        seances: Vec::new(),
        periodes: Vec::new(),
        responsables: Vec::new(),
        etats_civils: Vec::new(),
    }
}

/// The school the files are for: `--uai`, else the one stored, else the files'. Every file
/// must name it (or name none).
fn uai_cible(lu: &Lu, demande: Option<&Uai>, stocke: Option<&Uai>) -> Result<Uai, ImportError> {
    let named = uais(lu);
    let uai = match (demande, stocke, named.first()) {
        (Some(u), _, _) | (None, Some(u), _) => u.clone(),
        (None, None, Some((fichier, u))) => u.parse().map_err(|_| {
            ErreurImport::new(
                fichier,
                "UAJ",
                1,
                format!("UAI « {u} » invalide (7 chiffres et une lettre)"),
            )
        })?,
        (None, None, None) => {
            return Err(CentralError::Invalid(
                "aucun fichier ne nomme son établissement : précisez --uai".into(),
            )
            .into());
        }
    };
    if let Some(s) = stocke.filter(|s| **s != uai) {
        return Err(CentralError::Invalid(format!(
            "cette base contient l'établissement {s}, pas {uai} : importez dans la base de {uai}"
        ))
        .into());
    }
    if let Some((fichier, autre)) = named
        .iter()
        .find(|(_, u)| !u.eq_ignore_ascii_case(&uai.to_string()))
    {
        return Err(ErreurImport::new(
            fichier,
            "UAJ",
            1,
            format!("ce fichier est celui de l'établissement {autre}, pas de {uai}"),
        )
        .into());
    }
    Ok(uai)
}

/// Counts, per table, the records created, changed and left alone.
fn compter(avant: &School, apres: &School) -> BTreeMap<Table, (usize, usize, usize)> {
    let avant = fiches(avant);
    let mut out: BTreeMap<Table, (usize, usize, usize)> = BTreeMap::new();
    for (key, fiche) in fiches(apres) {
        let row = out.entry(key.0).or_default();
        match avant.get(&key) {
            None => row.0 += 1,
            Some(before) if *before != fiche => row.1 += 1,
            Some(_) => row.2 += 1,
        }
    }
    out
}

/// Imports `fichiers` (name, bytes) into `db` in one transaction, dated `le` (a pupil who
/// changed division was in the former one until the day before).
pub fn importer(
    db: &Db,
    fichiers: &[(String, Vec<u8>)],
    uai: Option<&Uai>,
    le: NaiveDate,
) -> Result<Rapport, ImportError> {
    let mut lu = Lu::default();
    for (nom, octets) in fichiers {
        lire_fichier(&mut lu, nom, octets)?;
    }
    db.with(|conn| {
        // Immediate: the serving central writes meanwhile; a deferred transaction that read first
        // could not write after it (SQLITE_BUSY_SNAPSHOT), whatever the busy timeout.
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let stocke = if pupitre_school_db::holds_a_school(&tx)? {
            Some(pupitre_school_db::read_school(&tx)?)
        } else {
            None
        };
        let uai = uai_cible(&lu, uai, stocke.as_ref().map(|s| &s.etablissement.uai))?;
        let avant = stocke.clone().unwrap_or_else(|| vide(uai.clone()));
        let tenues = crate::db::school::seances_tenues(&tx)?;
        let fusion = annee::fusionner(&avant, &lu, le, &tenues)?;
        let mut rapport = Rapport {
            uai: uai.to_string(),
            tables: compter(&avant, &fusion.school),
            ignores: fusion.ignores,
            conserves: fusion.conserves,
            ..Rapport::default()
        };
        if stocke.is_some() {
            let publie = publier::publier(&tx, &avant, &fusion.school)?;
            rapport.mouvements = publie.etablissement;
            rapport.enseignants_prevenus = publie.enseignants.len();
        } else {
            // No PC holds anything of a school that was not there.
            pupitre_school_db::replace_school(&tx, &fusion.school, &mut |_, _| {})?;
        }
        tx.commit()?;
        Ok(rapport)
    })
}

/// The files at `paths`, each by its name and bytes (what `importer` and an archive's import
/// take).
pub fn lire_fichiers(paths: &[impl AsRef<Path>]) -> Result<Vec<(String, Vec<u8>)>, CentralError> {
    paths
        .iter()
        .map(|p| {
            let p = p.as_ref();
            let nom = p.file_name().map_or_else(
                || p.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            std::fs::read(p).map(|b| (nom, b)).map_err(|e| {
                CentralError::Invalid(format!("{} : lecture impossible ({e})", p.display()))
            })
        })
        .collect()
}
