//! The LSU export of a division's period (`../shared/formats/lsun/import-complet-strict.xsd`,
//! schemaVersion 7.0), from the council's page (pure). `ecrire` lists in French what the
//! national system would refuse or find missing, and the export holds what is valid (a pupil
//! without an ELEVE_ID or a general appreciation, a subject whose teacher has no STS id, are
//! left out and listed) and nothing else.

use crate::conseil::ConseilView;
use chrono::NaiveDate;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};
use std::collections::BTreeMap;

/// What the export needs beyond the council's page.
pub struct LsuContexte<'a> {
    pub uai: &'a str,
    /// The head who signs the reports: "Mme Hélène BERNARD".
    pub responsable: &'a str,
    /// The period's rank in the year (1-based) and how many the year has.
    pub indice: usize,
    pub nb_periodes: usize,
    /// The school year's first calendar year (`2026` for 2026-2027).
    pub millesime: i32,
    /// The day of the council (the day it was closed); `None`: not closed.
    pub date_conseil: Option<NaiveDate>,
    /// The division's professeur principal (her STS id), if any.
    pub professeur_principal: Option<&'a str>,
}

/// What an export holds and what it left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lsu {
    pub xml: Vec<u8>,
    /// The pupils' reports written.
    pub bilans: usize,
    /// What is missing, in French, one line each.
    pub manques: Vec<String>,
}

/// An id the national systems accept: digits only (ELEVE_ID, STS's INDIVIDU@ID).
fn numerique(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) && id.bytes().any(|b| b != b'0')
}

/// The first `n` characters of `text` (LSU's limits are in characters).
fn tronque(text: &str, n: usize) -> String {
    text.chars().take(n).collect()
}

/// The subjects that can be written: a national code of six characters and a teacher with an
/// STS id; the others are listed.
fn disciplines<'a>(
    view: &'a ConseilView,
    manques: &mut Vec<String>,
) -> Vec<&'a crate::conseil::MatiereConseilView> {
    let mut out = Vec::new();
    for m in &view.matieres {
        if m.code.chars().count() != 6 {
            manques.push(format!("{} : le code national de la matière « {} » n'a pas 6 caractères (nomenclature à réimporter)", m.matiere, m.code));
        } else if !numerique(&m.enseignant_id) {
            manques.push(format!("{} : {} n'a pas d'identifiant STS-Web (import STS à refaire) ; la matière est laissée de côté", m.matiere, m.enseignant));
        } else {
            out.push(m);
        }
    }
    out
}

/// The export: the XML of every valid pupil's report, and what was left out.
pub fn ecrire(view: &ConseilView, ctx: &LsuContexte<'_>) -> std::io::Result<Lsu> {
    let mut manques = Vec::new();
    let Some(date_conseil) = ctx.date_conseil else {
        manques.push(format!(
            "Le conseil de {} ({}) n'est pas clos : sa date manque. Closez-le avant l'export.",
            view.division, view.periode
        ));
        return Ok(Lsu {
            xml: Vec::new(),
            bilans: 0,
            manques,
        });
    };
    let matieres = disciplines(view, &mut manques);
    let eleves = eleves_valides(view, &matieres, &mut manques);
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.create_element("lsun-bilans")
        .with_attribute(("xmlns", "urn:fr:edu:scolarite:lsun:bilans:import"))
        .with_attribute(("schemaVersion", "7.0"))
        .write_inner_content(|w| {
            w.create_element("entete").write_inner_content(|w| {
                texte(w, "editeur", "Pupitre")?;
                texte(w, "application", "Pupitre")?;
                texte(w, "appliVersion", env!("CARGO_PKG_VERSION"))?;
                texte(w, "etablissement", ctx.uai)
            })?;
            w.create_element("donnees")
                .write_inner_content(|w| donnees(w, view, ctx, &eleves, &matieres, date_conseil))?;
            Ok::<_, std::io::Error>(())
        })?;
    let bilans = eleves.len();
    Ok(Lsu {
        xml: w.into_inner(),
        bilans,
        manques,
    })
}

/// The pupils whose report can be written; the others, and what their reports lack, listed.
fn eleves_valides<'a>(
    view: &'a ConseilView,
    matieres: &[&crate::conseil::MatiereConseilView],
    manques: &mut Vec<String>,
) -> Vec<&'a crate::conseil::EleveConseilView> {
    let mut eleves = Vec::new();
    for e in &view.eleves {
        let nom = format!("{} {}", e.nom, e.prenom);
        if !numerique(&e.eleve_id) {
            manques.push(format!(
                "{nom} : pas d'ELEVE_ID de SIECLE ({}) ; laissé(e) de côté",
                e.eleve_id
            ));
        } else if e.appreciation.trim().is_empty() {
            manques.push(format!(
                "{nom} : pas d'appréciation générale ; laissé(e) de côté"
            ));
        } else {
            for l in &e.matieres {
                if matieres.iter().any(|m| m.service_id == l.service_id)
                    && l.appreciation.trim().is_empty()
                    && l.positionnement.is_none()
                {
                    let m = view.matieres.iter().find(|m| m.service_id == l.service_id);
                    manques.push(format!(
                        "{nom} : ni appréciation ni positionnement en {}",
                        m.map_or("?", |m| m.matiere.as_str())
                    ));
                }
            }
            eleves.push(e);
        }
    }
    eleves
}

/// The file's data: who signs, the pupils, the period, the subjects, the teachers, the reports.
fn donnees(
    w: &mut Writer<Vec<u8>>,
    view: &ConseilView,
    ctx: &LsuContexte<'_>,
    eleves: &[&crate::conseil::EleveConseilView],
    matieres: &[&crate::conseil::MatiereConseilView],
    date_conseil: NaiveDate,
) -> std::io::Result<()> {
    let discipline_id = |code: &str| format!("DI-{code}");
    let enseignant_id = |id: &str| format!("EN-{id}");
    let periode_id = format!("P-{}", ctx.indice);
    // One discipline per national code, one teacher per STS id.
    let codes: BTreeMap<&str, &str> = matieres
        .iter()
        .map(|m| (m.code.as_str(), m.matiere.as_str()))
        .collect();
    let profs: BTreeMap<&str, ()> = matieres
        .iter()
        .map(|m| (m.enseignant_id.as_str(), ()))
        .collect();
    w.create_element("responsables-etab")
        .write_inner_content(|w| {
            w.create_element("responsable-etab")
                .with_attribute(("id", "RESP-1"))
                .with_attribute(("libelle", tronque(ctx.responsable, 100).as_str()))
                .write_empty()?;
            Ok::<_, std::io::Error>(())
        })?;
    w.create_element("eleves").write_inner_content(|w| {
        for e in eleves {
            w.create_element("eleve")
                .with_attribute(("id", format!("EL-{}", e.eleve_id).as_str()))
                .with_attribute(("id-be", e.eleve_id.as_str()))
                .with_attribute(("nom", tronque(&e.nom, 100).as_str()))
                .with_attribute(("prenom", tronque(&e.prenom, 100).as_str()))
                .with_attribute(("code-division", tronque(&view.division, 20).as_str()))
                .write_empty()?;
        }
        Ok::<_, std::io::Error>(())
    })?;
    w.create_element("periodes").write_inner_content(|w| {
        w.create_element("periode")
            .with_attribute(("id", periode_id.as_str()))
            .with_attribute(("millesime", ctx.millesime.to_string().as_str()))
            .with_attribute(("indice", ctx.indice.to_string().as_str()))
            .with_attribute(("nb-periodes", ctx.nb_periodes.to_string().as_str()))
            .write_empty()?;
        Ok::<_, std::io::Error>(())
    })?;
    w.create_element("disciplines").write_inner_content(|w| {
        for (code, libelle) in &codes {
            w.create_element("discipline")
                .with_attribute(("id", discipline_id(code).as_str()))
                .with_attribute(("code", *code))
                .with_attribute(("modalite-election", "S"))
                .with_attribute(("libelle", tronque(libelle, 40).as_str()))
                .write_empty()?;
        }
        Ok::<_, std::io::Error>(())
    })?;
    w.create_element("enseignants").write_inner_content(|w| {
        for id in profs.keys() {
            w.create_element("enseignant")
                .with_attribute(("id", enseignant_id(id).as_str()))
                .with_attribute(("type", "epp"))
                .with_attribute(("id-sts", *id))
                .write_empty()?;
        }
        Ok::<_, std::io::Error>(())
    })?;
    w.create_element("bilans-periodiques")
        .write_inner_content(|w| {
            for e in eleves {
                bilan(w, view, ctx, e, matieres, (&periode_id, date_conseil))?;
            }
            Ok::<_, std::io::Error>(())
        })?;
    Ok(())
}

/// `<name>text</name>`.
fn texte(w: &mut Writer<Vec<u8>>, name: &str, text: &str) -> std::io::Result<()> {
    w.create_element(name)
        .write_text_content(BytesText::new(text))?;
    Ok(())
}

/// One pupil's periodic report.
fn bilan(
    w: &mut Writer<Vec<u8>>,
    view: &ConseilView,
    ctx: &LsuContexte<'_>,
    e: &crate::conseil::EleveConseilView,
    matieres: &[&crate::conseil::MatiereConseilView],
    (periode_id, date_conseil): (&str, NaiveDate),
) -> std::io::Result<()> {
    let principal = ctx
        .professeur_principal
        .filter(|p| numerique(p))
        .map(|p| format!("EN-{p}"));
    let mut el = w
        .create_element("bilan-periodique")
        .with_attribute(("eleve-ref", format!("EL-{}", e.eleve_id).as_str()))
        .with_attribute(("periode-ref", periode_id))
        .with_attribute(("date-conseil-classe", date_conseil.to_string().as_str()))
        .with_attribute(("date-scolarite", view.debut.as_str()))
        .with_attribute(("responsable-etab-ref", "RESP-1"));
    // The PP's reference must name a teacher the file declares.
    if let Some(pp) = principal.as_deref()
        && matieres
            .iter()
            .any(|m| format!("EN-{}", m.enseignant_id) == pp)
    {
        el = el.with_attribute(("prof-princ-refs", pp));
    }
    el.write_inner_content(|w| {
        w.create_element("liste-acquis").write_inner_content(|w| {
            for l in &e.matieres {
                let Some(m) = matieres.iter().find(|m| m.service_id == l.service_id) else {
                    continue;
                };
                acquis(w, m, l)?;
            }
            Ok::<_, std::io::Error>(())
        })?;
        texte(w, "acquis-conseils", &tronque(&e.appreciation, 1000))?;
        let vs = &e.vie_scolaire;
        let vie = w
            .create_element("vie-scolaire")
            .with_attribute(("nb-retards", vs.retards.min(999).to_string().as_str()))
            .with_attribute((
                "nb-abs-justifiees",
                vs.justifiees.min(999).to_string().as_str(),
            ))
            .with_attribute((
                "nb-abs-injustifiees",
                vs.injustifiees.min(999).to_string().as_str(),
            ));
        if e.appreciation_vie_scolaire.trim().is_empty() {
            vie.write_empty()?;
        } else {
            vie.write_inner_content(|w| {
                texte(
                    w,
                    "commentaire",
                    &tronque(&e.appreciation_vie_scolaire, 600),
                )
            })?;
        }
        Ok::<_, std::io::Error>(())
    })?;
    Ok(())
}

/// A subject's line of the report: the pupil's and the class's averages, the positionnement,
/// the teacher's appreciation.
fn acquis(
    w: &mut Writer<Vec<u8>>,
    m: &crate::conseil::MatiereConseilView,
    l: &crate::conseil::MatiereEleveView,
) -> std::io::Result<()> {
    let mut el = w
        .create_element("acquis")
        .with_attribute(("discipline-ref", format!("DI-{}", m.code).as_str()))
        .with_attribute((
            "enseignant-refs",
            format!("EN-{}", m.enseignant_id).as_str(),
        ));
    el = match &l.moyenne {
        Some(moyenne) => el.with_attribute(("moyenne-eleve", moyenne.as_str())),
        None => el.with_attribute(("eleve-non-note", "true")),
    };
    el = match m.classe.as_ref() {
        Some(classe) => el.with_attribute(("moyenne-structure", classe.moyenne.as_str())),
        None => el.with_attribute(("structure-non-notee", "true")),
    };
    if let Some(p) = l.positionnement {
        el = el.with_attribute(("positionnement", p.to_string().as_str()));
    }
    if l.appreciation.trim().is_empty() {
        el.write_empty()?;
    } else {
        el.write_inner_content(|w| texte(w, "appreciation", &tronque(&l.appreciation, 600)))?;
    }
    Ok(())
}
