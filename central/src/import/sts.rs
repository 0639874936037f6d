//! STS-Web's `sts_emp_<UAI>_<année>.xml` (root `STS_EDT`), read into what the import uses: the
//! staff (`INDIVIDUS/INDIVIDU`), the divisions and groups (`STRUCTURE/DIVISIONS/DIVISION`,
//! `STRUCTURE/GROUPES/GROUPE`), their services (`SERVICES/SERVICE@CODE_MATIERE` with
//! `ENSEIGNANTS/ENSEIGNANT@ID`, several for a shared service) and a division's professeur
//! principal (`PROFS_PRINC/PROF_PRINC@ID`).

use super::ErreurImport;
use super::siecle::requis;
use super::xml::Noeud;
use pupitre_domain::{Fonction, Personnel};

#[derive(Debug, Clone, PartialEq)]
pub struct ServiceLu {
    pub matiere_code: String,
    /// Its teachers, in the file's order.
    pub enseignants: Vec<String>,
    pub ligne: u32,
}

/// A division or a group.
#[derive(Debug, Clone, PartialEq)]
pub struct StructureLue {
    pub code: String,
    pub libelle: Option<String>,
    pub services: Vec<ServiceLu>,
    pub professeur_principal: Option<String>,
    pub ligne: u32,
}

#[derive(Debug, Clone, Default)]
pub struct StsLu {
    pub uai: Option<String>,
    pub personnels: Vec<(Personnel, u32)>,
    pub divisions: Vec<StructureLue>,
    pub groupes: Vec<StructureLue>,
    /// Staff left out, with why (a function Pupitre has no role for).
    pub ignores: Vec<String>,
}

/// STS-Web's FONCTION, as a role of Pupitre: teachers (and the documentalist, who may teach),
/// the vie scolaire (EDU), the direction (DIR) and the administration (ADF).
fn fonction(code: &str) -> Option<Fonction> {
    match code {
        "ENS" | "DOC" => Some(Fonction::Enseignant),
        "EDU" => Some(Fonction::Cpe),
        "DIR" => Some(Fonction::Direction),
        "ADF" => Some(Fonction::Administrateur),
        _ => None,
    }
}

fn services(fichier: &str, s: &Noeud) -> Result<Vec<ServiceLu>, ErreurImport> {
    (s.enfant("SERVICES").into_iter())
        .flat_map(|x| x.tous("SERVICE"))
        .map(|sv| {
            let matiere_code = sv.attribut("CODE_MATIERE").ok_or_else(|| {
                ErreurImport::new(fichier, "SERVICE", sv.ligne, "CODE_MATIERE manque".into())
            })?;
            let enseignants = (sv.enfant("ENSEIGNANTS").into_iter())
                .flat_map(|e| e.tous("ENSEIGNANT"))
                .filter_map(|e| e.attribut("ID").map(str::to_owned))
                .collect();
            Ok(ServiceLu {
                matiere_code: matiere_code.to_owned(),
                enseignants,
                ligne: sv.ligne,
            })
        })
        .collect()
}

fn structures(
    fichier: &str,
    root: &Noeud,
    chemin: &str,
    nom: &str,
) -> Result<Vec<StructureLue>, ErreurImport> {
    (root.chemin(chemin).into_iter())
        .flat_map(|d| d.tous(nom))
        .map(|d| {
            let code = d
                .attribut("CODE")
                .ok_or_else(|| ErreurImport::new(fichier, nom, d.ligne, "CODE manque".into()))?;
            Ok(StructureLue {
                code: code.to_owned(),
                libelle: d.texte_de("LIBELLE_LONG").map(str::to_owned),
                services: services(fichier, d)?,
                professeur_principal: d
                    .chemin("PROFS_PRINC/PROF_PRINC")
                    .and_then(|p| p.attribut("ID"))
                    .map(str::to_owned),
                ligne: d.ligne,
            })
        })
        .collect()
}

pub fn lire(fichier: &str, root: &Noeud) -> Result<StsLu, ErreurImport> {
    let mut out = StsLu {
        uai: root
            .chemin("PARAMETRES/UAJ")
            .map(|n| n.attribut("CODE").unwrap_or(n.texte.trim()).to_uppercase()),
        ..StsLu::default()
    };
    for i in (root.chemin("DONNEES/INDIVIDUS").into_iter()).flat_map(|x| x.tous("INDIVIDU")) {
        let id = i
            .attribut("ID")
            .ok_or_else(|| ErreurImport::new(fichier, "INDIVIDU", i.ligne, "ID manque".into()))?;
        let code = i.texte_de("FONCTION").unwrap_or_default();
        let Some(fonction) = fonction(code) else {
            out.ignores.push(format!(
                "personnel {id} (ligne {}) : fonction « {code} » sans rôle dans Pupitre",
                i.ligne
            ));
            continue;
        };
        let civilite = match i.texte_de("CIVILITE") {
            Some("1") => "M.",
            Some("2") => "Mme",
            _ => "",
        };
        let nom = (i.texte_de("NOM_USAGE"))
            .or(i.texte_de("NOM_PATRONYMIQUE"))
            .map_or_else(|| requis(fichier, i, "NOM_USAGE"), Ok)?;
        out.personnels.push((
            Personnel {
                id: id.to_owned(),
                civilite: civilite.into(),
                nom: nom.to_owned(),
                prenom: i.texte_de("PRENOM").unwrap_or_default().to_owned(),
                fonction,
            },
            i.ligne,
        ));
    }
    out.divisions = structures(fichier, root, "DONNEES/STRUCTURE/DIVISIONS", "DIVISION")?;
    out.groupes = structures(fichier, root, "DONNEES/STRUCTURE/GROUPES", "GROUPE")?;
    Ok(out)
}
