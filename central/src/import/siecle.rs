//! SIECLE's exports (GUIDE §2), read into what the import uses: `ElevesSansAdresses.xml`
//! (root `BEE_ELEVES`), `ResponsablesAvecAdresses.xml` (`BEE_RESPONSABLES`) and
//! `Nomenclature.xml` (`BEE_NOMENCLATURES`). Elements Pupitre does not use are skipped; what
//! it needs and cannot read is an error naming the element and its line.

use super::ErreurImport;
use super::xml::Noeud;
use chrono::NaiveDate;
use pupitre_domain::Matiere;
use std::collections::BTreeMap;

/// A pupil as SIECLE lists her.
#[derive(Debug, Clone, PartialEq)]
pub struct EleveLu {
    pub eleve_id: String,
    pub ine: Option<String>,
    pub nom: String,
    pub prenom: String,
    pub date_naissance: Option<NaiveDate>,
    pub code_mef: Option<String>,
    pub date_entree: Option<NaiveDate>,
    pub date_sortie: Option<NaiveDate>,
    /// Her structures: (code, is a division).
    pub structures: Vec<(String, bool)>,
    pub ligne: u32,
}

#[derive(Debug, Clone, Default)]
pub struct ElevesLus {
    pub uai: Option<String>,
    pub eleves: Vec<EleveLu>,
}

/// A legal guardian of one pupil.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponsableLu {
    pub personne_id: String,
    pub eleve_id: String,
    pub civilite: String,
    pub nom: String,
    pub prenom: String,
    pub lien: String,
    pub telephone: Option<String>,
    pub mail: Option<String>,
    pub ligne: u32,
}

#[derive(Debug, Clone, Default)]
pub struct ResponsablesLus {
    pub uai: Option<String>,
    pub responsables: Vec<ResponsableLu>,
}

#[derive(Debug, Clone, Default)]
pub struct NomenclatureLue {
    pub uai: Option<String>,
    pub matieres: Vec<Matiere>,
    /// CODE_MEF → the level it trains for (`FORMATION`, e.g. `6EME`).
    pub mefs: BTreeMap<String, String>,
}

/// A SIECLE date (`JJ/MM/AAAA`), empty allowed.
pub fn date(fichier: &str, n: &Noeud, champ: &str) -> Result<Option<NaiveDate>, ErreurImport> {
    let Some(text) = n.texte_de(champ) else {
        return Ok(None);
    };
    NaiveDate::parse_from_str(text, "%d/%m/%Y")
        .map(Some)
        .map_err(|_| {
            let ligne = n.enfant(champ).map_or(n.ligne, |c| c.ligne);
            ErreurImport::new(
                fichier,
                champ,
                ligne,
                format!("date « {text} » illisible (attendu JJ/MM/AAAA)"),
            )
        })
}

/// A field the record cannot do without.
pub fn requis<'a>(fichier: &str, n: &'a Noeud, champ: &str) -> Result<&'a str, ErreurImport> {
    n.texte_de(champ)
        .or_else(|| n.attribut(champ))
        .ok_or_else(|| {
            ErreurImport::new(
                fichier,
                &n.nom,
                n.ligne,
                format!("{champ} manque ou est vide"),
            )
        })
}

fn uai(root: &Noeud) -> Option<String> {
    root.chemin("PARAMETRES/UAJ")
        .map(|n| n.attribut("CODE").unwrap_or(n.texte.trim()).to_uppercase())
}

pub fn eleves(fichier: &str, root: &Noeud) -> Result<ElevesLus, ErreurImport> {
    let mut structures: BTreeMap<&str, Vec<(String, bool)>> = BTreeMap::new();
    for se in
        (root.chemin("DONNEES/STRUCTURES").into_iter()).flat_map(|s| s.tous("STRUCTURES_ELEVE"))
    {
        let id = se.attribut("ELEVE_ID").ok_or_else(|| {
            ErreurImport::new(fichier, &se.nom, se.ligne, "ELEVE_ID manque".into())
        })?;
        for s in se.tous("STRUCTURE") {
            let code = requis(fichier, s, "CODE_STRUCTURE")?;
            let division = match s.texte_de("TYPE_STRUCTURE") {
                Some("D") => true,
                Some("G") => false,
                other => {
                    return Err(ErreurImport::new(
                        fichier,
                        "TYPE_STRUCTURE",
                        s.ligne,
                        format!(
                            "type de structure « {} » inconnu (D : division, G : groupe)",
                            other.unwrap_or_default()
                        ),
                    ));
                }
            };
            structures
                .entry(id)
                .or_default()
                .push((code.to_owned(), division));
        }
    }
    let mut out = ElevesLus {
        uai: uai(root),
        eleves: Vec::new(),
    };
    for e in (root.chemin("DONNEES/ELEVES").into_iter()).flat_map(|s| s.tous("ELEVE")) {
        let eleve_id = e.attribut("ELEVE_ID").ok_or_else(|| {
            ErreurImport::new(fichier, "ELEVE", e.ligne, "ELEVE_ID manque".into())
        })?;
        out.eleves.push(EleveLu {
            eleve_id: eleve_id.to_owned(),
            ine: e.texte_de("ID_NATIONAL").map(str::to_owned),
            nom: requis(fichier, e, "NOM_DE_FAMILLE")?.to_owned(),
            prenom: requis(fichier, e, "PRENOM")?.to_owned(),
            date_naissance: date(fichier, e, "DATE_NAISS")?,
            code_mef: e.texte_de("CODE_MEF").map(str::to_owned),
            date_entree: date(fichier, e, "DATE_ENTREE")?,
            date_sortie: date(fichier, e, "DATE_SORTIE")?,
            structures: structures.remove(eleve_id).unwrap_or_default(),
            ligne: e.ligne,
        });
    }
    Ok(out)
}

/// SIECLE's CODE_PARENTE, as a family names it.
fn lien(code: Option<&str>) -> &'static str {
    match code {
        Some("10") => "Mère",
        Some("20") => "Père",
        Some("50") => "Tuteur",
        _ => "Responsable légal",
    }
}

fn civilite(text: Option<&str>) -> String {
    match text.map(str::to_uppercase).as_deref() {
        Some("MME") | Some("MADAME") => "Mme".into(),
        Some("M.") | Some("M") | Some("MONSIEUR") => "M.".into(),
        _ => String::new(),
    }
}

pub fn responsables(fichier: &str, root: &Noeud) -> Result<ResponsablesLus, ErreurImport> {
    let personnes: BTreeMap<&str, &Noeud> = (root.chemin("DONNEES/PERSONNES").into_iter())
        .flat_map(|p| p.tous("PERSONNE"))
        .filter_map(|p| p.attribut("PERSONNE_ID").map(|id| (id, p)))
        .collect();
    let mut out = ResponsablesLus {
        uai: uai(root),
        responsables: Vec::new(),
    };
    for r in
        (root.chemin("DONNEES/RESPONSABLES").into_iter()).flat_map(|p| p.tous("RESPONSABLE_ELEVE"))
    {
        // Only the legal guardians (1 and 2): other contacts are not whom a notice goes to.
        if !matches!(r.texte_de("RESP_LEGAL"), Some("1") | Some("2")) {
            continue;
        }
        let personne_id = requis(fichier, r, "PERSONNE_ID")?;
        let p = personnes.get(personne_id).ok_or_else(|| {
            ErreurImport::new(
                fichier,
                "RESPONSABLE_ELEVE",
                r.ligne,
                format!("la personne {personne_id} n'est pas dans PERSONNES"),
            )
        })?;
        out.responsables.push(ResponsableLu {
            personne_id: personne_id.to_owned(),
            eleve_id: requis(fichier, r, "ELEVE_ID")?.to_owned(),
            civilite: civilite(p.texte_de("LC_CIVILITE")),
            nom: requis(fichier, p, "NOM_DE_FAMILLE")?.to_owned(),
            prenom: p.texte_de("PRENOM").unwrap_or_default().to_owned(),
            lien: lien(r.texte_de("CODE_PARENTE")).to_owned(),
            telephone: (p.texte_de("TEL_PORTABLE"))
                .or(p.texte_de("TEL_PERSONNEL"))
                .map(str::to_owned),
            mail: p.texte_de("MEL").map(str::to_owned),
            ligne: r.ligne,
        });
    }
    Ok(out)
}

pub fn nomenclature(fichier: &str, root: &Noeud) -> Result<NomenclatureLue, ErreurImport> {
    let mut out = NomenclatureLue {
        uai: uai(root),
        ..NomenclatureLue::default()
    };
    for m in (root.chemin("DONNEES/MATIERES").into_iter()).flat_map(|m| m.tous("MATIERE")) {
        let code = m.attribut("CODE_MATIERE").ok_or_else(|| {
            ErreurImport::new(fichier, "MATIERE", m.ligne, "CODE_MATIERE manque".into())
        })?;
        out.matieres.push(Matiere {
            code: code.to_owned(),
            code_gestion: requis(fichier, m, "CODE_GESTION")?.to_owned(),
            libelle: (m.texte_de("LIBELLE_LONG"))
                .or(m.texte_de("LIBELLE_COURT"))
                .unwrap_or(code)
                .to_owned(),
        });
    }
    for m in (root.chemin("DONNEES/MEFS").into_iter()).flat_map(|m| m.tous("MEF")) {
        if let (Some(code), Some(formation)) = (m.attribut("CODE_MEF"), m.texte_de("FORMATION")) {
            out.mefs.insert(code.to_owned(), formation.to_owned());
        }
    }
    Ok(out)
}
