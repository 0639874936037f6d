//! The school's year after an import: what was stored, updated by what the files say (pure).
//! A re-import later in the year brings arrivals and departures, changes of division (the
//! pupil's former class keeps her history: a `Passage` until the day before the import) or of
//! group, and services handed to another teacher (the service keeps its id, so its marks stay
//! with it). Nothing the files do not name is removed: a pupil, a teacher or a service missing
//! from a file keeps its history and is reported as kept. A new timetable replaces the séances
//! from the import's date on, but those whose roll call has begun.

use super::ErreurImport;
use super::calendrier::Vacances;
use super::emploi_du_temps::{self, Creneau};
use super::siecle::{ElevesLus, NomenclatureLue, ResponsablesLus};
use super::sts::{StructureLue, StsLu};
use chrono::NaiveDate;
use pupitre_domain::{
    Cible, Division, Eleve, EtatCivil, Groupe, Passage, Periode, Responsable, School, Seance,
    Service,
};
use std::collections::{BTreeMap, BTreeSet};

/// What the files of one import hold (each kind at most once).
#[derive(Debug, Default)]
pub struct Lu {
    pub eleves: Option<(String, ElevesLus)>,
    pub responsables: Option<(String, ResponsablesLus)>,
    pub nomenclature: Option<(String, NomenclatureLue)>,
    pub sts: Option<(String, StsLu)>,
    /// The periods' CSV (`calendrier`), each period with its line.
    pub periodes: Option<(String, Vec<(Periode, u32)>)>,
    /// The holidays' CSV (`calendrier`).
    pub vacances: Option<(String, Vec<Vacances>)>,
    /// The timetable's CSV (`emploi_du_temps`).
    pub emploi_du_temps: Option<(String, Vec<Creneau>)>,
}

/// The school after the import, and what was left out or kept, in words.
#[derive(Debug)]
pub struct Fusion {
    pub school: School,
    pub ignores: Vec<String>,
    pub conserves: Vec<String>,
}

/// The records of `v`, taken out of it, by key.
fn keyed<T>(v: &mut Vec<T>, key: impl Fn(&T) -> String) -> BTreeMap<String, T> {
    v.drain(..).map(|r| (key(&r), r)).collect()
}

/// An id for a national code: its letters and digits (others become `_`) after a prefix.
pub fn ident(prefixe: &str, code: &str) -> String {
    let safe: String = code
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{prefixe}{safe}")
}

/// `avant` after the files `lu`, dated `le`; `tenues` are the séances whose roll call has
/// begun (a new timetable leaves them as they are).
pub fn fusionner(
    avant: &School,
    lu: &Lu,
    le: NaiveDate,
    tenues: &BTreeSet<String>,
) -> Result<Fusion, ErreurImport> {
    let mut f = Fusion {
        school: avant.clone(),
        ignores: Vec::new(),
        conserves: Vec::new(),
    };
    if let Some((_, n)) = &lu.nomenclature {
        let mut matieres = keyed(&mut f.school.matieres, |m| m.code.clone());
        for m in &n.matieres {
            matieres.insert(m.code.clone(), m.clone());
        }
        f.school.matieres = matieres.into_values().collect();
    }
    if let Some((fichier, sts)) = &lu.sts {
        personnels(&mut f, fichier, sts)?;
        structures(&mut f, fichier, sts)?;
        services(&mut f, fichier, sts)?;
    }
    if let Some((fichier, e)) = &lu.eleves {
        let mefs = lu.nomenclature.as_ref().map(|(_, n)| &n.mefs);
        eleves(&mut f, fichier, e, mefs, le)?;
    }
    if let Some((_, r)) = &lu.responsables {
        responsables(&mut f, r);
    }
    if let Some((fichier, p)) = &lu.periodes {
        periodes(&mut f, fichier, p)?;
    }
    match (&lu.emploi_du_temps, &lu.vacances) {
        (Some((fichier, creneaux)), vacances) => {
            let vacances = vacances.as_ref().map(|(_, v)| v.as_slice());
            seances(&mut f, fichier, creneaux, vacances, le, tenues)?;
        }
        (None, Some((fichier, _))) => f.ignores.push(format!(
            "{fichier} : les vacances servent à poser un emploi du temps, joignez-le avec elles"
        )),
        (None, None) => {}
    }
    Ok(f)
}

/// A new timetable laid out over the year's periods takes effect on `le`: the séances before
/// stay, and so do later ones whose roll call has begun (`tenues`: they happened); the others
/// are the new timetable's. A séance laid out again keeps its id and its substitute.
fn seances(
    f: &mut Fusion,
    fichier: &str,
    creneaux: &[Creneau],
    vacances: Option<&[Vacances]>,
    le: NaiveDate,
    tenues: &BTreeSet<String>,
) -> Result<(), ErreurImport> {
    let en_tete = |m: &str| ErreurImport::new(fichier, "", 1, m.into());
    let vacances = vacances.ok_or_else(|| {
        en_tete(
            "joignez le fichier des vacances (Vacances;Début;Fin) : sans lui, des séances seraient posées pendant les vacances",
        )
    })?;
    let du = f.school.periodes.iter().map(|p| p.debut).min();
    let au = f.school.periodes.iter().map(|p| p.fin).max();
    let (Some(du), Some(au)) = (du, au) else {
        return Err(en_tete(
            "l'établissement n'a pas de périodes : joignez le fichier des périodes",
        ));
    };
    let mut resolus = Vec::new();
    for c in creneaux {
        let service = emploi_du_temps::service_de(&f.school, c)
            .map_err(|m| ErreurImport::new(fichier, "", c.ligne, m))?;
        let prof = f.school.services.iter().find(|s| s.id == service);
        let prof = prof.map(|s| s.enseignant_id.clone()).unwrap_or_default();
        resolus.push((service, c, prof));
    }
    if let Some((premiere, seconde)) = emploi_du_temps::chevauchement(&resolus) {
        let message =
            format!("ce professeur a déjà cours à cette heure ces semaines-là (ligne {premiere})");
        return Err(ErreurImport::new(fichier, "", seconde, message));
    }
    let slots: Vec<(String, &Creneau)> = resolus.iter().map(|(s, c, _)| (s.clone(), *c)).collect();
    let nouvelles = emploi_du_temps::developper(&slots, du, au, vacances);
    let avant = keyed(&mut f.school.seances, |s| s.id.clone());
    let nouvelles: BTreeMap<String, Seance> = nouvelles
        .into_iter()
        .filter(|s| s.date >= le)
        .map(|s| (s.id.clone(), s))
        .collect();
    let mut apres = BTreeMap::new();
    for (id, s) in &avant {
        if s.date < le {
            apres.insert(id.clone(), s.clone());
        } else if tenues.contains(id) {
            if !nouvelles.contains_key(id) {
                f.conserves.push(format!(
                    "séance du {} à {} gardée : son appel est commencé, le nouvel emploi du temps ne l'a plus",
                    s.date.format("%d/%m/%Y"),
                    s.debut
                ));
            }
            apres.insert(id.clone(), s.clone());
        }
    }
    for (id, mut s) in nouvelles {
        if apres.contains_key(&id) {
            continue;
        }
        s.remplacant_id = avant.get(&id).and_then(|a| a.remplacant_id.clone());
        apres.insert(id, s);
    }
    f.school.seances = apres.into_values().collect();
    Ok(())
}

/// The periods the file names replace those of the same id; the others stay (marks and
/// councils may refer to them). The year's periods must not overlap.
fn periodes(f: &mut Fusion, fichier: &str, lues: &[(Periode, u32)]) -> Result<(), ErreurImport> {
    let mut all = keyed(&mut f.school.periodes, |p| p.id.clone());
    let mut lignes = BTreeMap::new();
    for (p, ligne) in lues {
        if lignes.insert(p.id.clone(), *ligne).is_some() {
            return Err(ErreurImport::new(
                fichier,
                "",
                *ligne,
                format!("la période {} est déjà plus haut", p.id),
            ));
        }
        all.insert(p.id.clone(), p.clone());
    }
    let mut sorted: Vec<Periode> = all.into_values().collect();
    sorted.sort_by_key(|p| p.debut);
    if let Some(w) = sorted.windows(2).find(|w| w[1].debut <= w[0].fin) {
        let ligne = lignes
            .get(&w[1].id)
            .or(lignes.get(&w[0].id))
            .copied()
            .unwrap_or(1);
        return Err(ErreurImport::new(
            fichier,
            "",
            ligne,
            format!(
                "les périodes {} ({}) et {} ({}) se chevauchent",
                w[0].id, w[0].libelle, w[1].id, w[1].libelle
            ),
        ));
    }
    f.school.periodes = sorted;
    Ok(())
}

fn personnels(f: &mut Fusion, fichier: &str, sts: &StsLu) -> Result<(), ErreurImport> {
    let mut all = keyed(&mut f.school.personnels, |p| p.id.clone());
    let mut seen = BTreeSet::new();
    for (p, ligne) in &sts.personnels {
        if !seen.insert(&p.id) {
            return Err(ErreurImport::new(
                fichier,
                "INDIVIDU",
                *ligne,
                format!("deux personnels ont l'ID {}", p.id),
            ));
        }
        all.insert(p.id.clone(), p.clone());
    }
    for id in all.keys().filter(|id| !seen.contains(id)) {
        f.conserves
            .push(format!("personnel {id} absent de STS-Web, conservé"));
    }
    f.school.personnels = all.into_values().collect();
    f.ignores.extend(sts.ignores.iter().cloned());
    Ok(())
}

/// The divisions and groups STS-Web declares, with their professeurs principaux.
fn structures(f: &mut Fusion, fichier: &str, sts: &StsLu) -> Result<(), ErreurImport> {
    let staff: BTreeSet<&str> = f.school.personnels.iter().map(|p| p.id.as_str()).collect();
    let mut divisions: BTreeMap<String, Division> = f
        .school
        .divisions
        .iter()
        .map(|d| (d.id.clone(), d.clone()))
        .collect();
    let mut codes: BTreeMap<String, String> = BTreeMap::new();
    let mut check = |s: &StructureLue, id: &str| match codes.insert(id.to_owned(), s.code.clone()) {
        Some(other) if other != s.code => Err(ErreurImport::new(
            fichier,
            "CODE",
            s.ligne,
            format!(
                "les structures « {other} » et « {} » ne se distinguent que par des caractères que Pupitre ne garde pas",
                s.code
            ),
        )),
        Some(_) => Err(ErreurImport::new(
            fichier,
            "CODE",
            s.ligne,
            format!("la structure « {} » est déclarée deux fois", s.code),
        )),
        None => Ok(()),
    };
    for s in &sts.divisions {
        let id = ident("D", &s.code);
        check(s, &id)?;
        if let Some(pp) = &s.professeur_principal
            && !staff.contains(pp.as_str())
        {
            return Err(ErreurImport::new(
                fichier,
                "PROF_PRINC",
                s.ligne,
                format!(
                    "le professeur principal {pp} de {} n'est pas dans INDIVIDUS",
                    s.code
                ),
            ));
        }
        let d = divisions.entry(id.clone()).or_insert_with(|| Division {
            id,
            code: s.code.clone(),
            niveau: String::new(),
            professeur_principal_id: None,
        });
        d.code = s.code.clone();
        if s.professeur_principal.is_some() {
            d.professeur_principal_id = s.professeur_principal.clone();
        }
    }
    let mut groupes: BTreeMap<String, Groupe> = f
        .school
        .groupes
        .iter()
        .map(|g| (g.id.clone(), g.clone()))
        .collect();
    for s in &sts.groupes {
        let id = ident("G", &s.code);
        check(s, &id)?;
        let libelle = s.libelle.clone().unwrap_or_else(|| s.code.clone());
        groupes.insert(
            id.clone(),
            Groupe {
                id,
                code: s.code.clone(),
                libelle,
            },
        );
    }
    f.school.divisions = divisions.into_values().collect();
    f.school.groupes = groupes.into_values().collect();
    Ok(())
}

/// Each STS-Web service, on the service already stored for its class and subject when there
/// is one (a service handed to another teacher keeps its id and its marks).
fn services(f: &mut Fusion, fichier: &str, sts: &StsLu) -> Result<(), ErreurImport> {
    let staff: BTreeSet<String> = f.school.personnels.iter().map(|p| p.id.clone()).collect();
    let matieres: BTreeSet<String> = f.school.matieres.iter().map(|m| m.code.clone()).collect();
    let mut stored: BTreeMap<(Cible, String), Vec<usize>> = BTreeMap::new();
    for (i, s) in f.school.services.iter().enumerate() {
        stored
            .entry((s.cible.clone(), s.matiere_code.clone()))
            .or_default()
            .push(i);
    }
    let targets = (sts
        .divisions
        .iter()
        .map(|s| (s, Cible::Division(ident("D", &s.code)))))
    .chain(
        sts.groupes
            .iter()
            .map(|s| (s, Cible::Groupe(ident("G", &s.code)))),
    );
    for (s, cible) in targets {
        for sv in &s.services {
            verifier_service(f, fichier, s, sv, &staff, &matieres)?;
            let key = (cible.clone(), sv.matiere_code.clone());
            let mut existing = stored.remove(&key).unwrap_or_default().into_iter();
            poser_service(f, &cible, sv, &mut existing);
            for i in existing {
                f.conserves.push(format!(
                    "service {} absent de STS-Web, conservé avec son historique",
                    f.school.services[i].id
                ));
            }
        }
    }
    for ((_, _), left) in stored {
        for i in left {
            f.conserves.push(format!(
                "service {} absent de STS-Web, conservé avec son historique",
                f.school.services[i].id
            ));
        }
    }
    f.school.services.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(())
}

/// A service names a known subject and known teachers.
fn verifier_service(
    f: &mut Fusion,
    fichier: &str,
    s: &StructureLue,
    sv: &super::sts::ServiceLu,
    staff: &BTreeSet<String>,
    matieres: &BTreeSet<String>,
) -> Result<(), ErreurImport> {
    if !matieres.contains(&sv.matiere_code) {
        return Err(ErreurImport::new(
            fichier,
            "SERVICE",
            sv.ligne,
            format!(
                "la matière {} de {} n'est ni dans la nomenclature importée ni déjà connue : importez Nomenclature.xml avec ce fichier",
                sv.matiere_code, s.code
            ),
        ));
    }
    if let Some(t) = sv.enseignants.iter().find(|t| !staff.contains(*t)) {
        return Err(ErreurImport::new(
            fichier,
            "ENSEIGNANT",
            sv.ligne,
            format!("l'enseignant {t} n'est pas dans INDIVIDUS"),
        ));
    }
    if sv.enseignants.is_empty() {
        f.ignores.push(format!(
            "service {} de {} (ligne {}) : sans enseignant",
            sv.matiere_code, s.code, sv.ligne
        ));
    }
    Ok(())
}

/// Each teacher of a service on the next stored service of its class and subject, or on a new
/// one.
fn poser_service(
    f: &mut Fusion,
    cible: &Cible,
    sv: &super::sts::ServiceLu,
    existing: &mut impl Iterator<Item = usize>,
) {
    for (n, teacher) in sv.enseignants.iter().enumerate() {
        match existing.next() {
            Some(i) => f.school.services[i].enseignant_id = teacher.clone(),
            None => {
                let base = match &cible {
                    Cible::Division(id) | Cible::Groupe(id) => {
                        format!("SV-{id}-{}", sv.matiere_code)
                    }
                    _ => format!("SV-{}", sv.matiere_code),
                };
                let id = if n == 0 {
                    base
                } else {
                    format!("{base}-{teacher}")
                };
                f.school.services.push(Service {
                    id,
                    enseignant_id: teacher.clone(),
                    matiere_code: sv.matiere_code.clone(),
                    cible: cible.clone(),
                    coefficient: 1.0,
                });
            }
        }
    }
}

fn eleves(
    f: &mut Fusion,
    fichier: &str,
    lus: &ElevesLus,
    mefs: Option<&BTreeMap<String, String>>,
    le: NaiveDate,
) -> Result<(), ErreurImport> {
    let division_by_code: BTreeMap<String, String> = (f.school.divisions.iter())
        .map(|d| (d.code.clone(), d.id.clone()))
        .collect();
    let groupe_by_code: BTreeMap<String, String> = (f.school.groupes.iter())
        .map(|g| (g.code.clone(), g.id.clone()))
        .collect();
    let mut all = keyed(&mut f.school.eleves, |e| e.id.clone());
    let mut etats = keyed(&mut f.school.etats_civils, |e| e.eleve_id.clone());
    let mut seen = BTreeSet::new();
    let mut niveaux: BTreeMap<String, String> = BTreeMap::new();
    let veille = le.pred_opt().unwrap_or(le);
    for e in &lus.eleves {
        if !seen.insert(e.eleve_id.as_str()) {
            return Err(ErreurImport::new(
                fichier,
                "ELEVE",
                e.ligne,
                format!(
                    "deux élèves ont l'ELEVE_ID {} : le fichier est à réexporter de SIECLE",
                    e.eleve_id
                ),
            ));
        }
        let (division, groupe_ids) =
            structures_de(f, fichier, e, &division_by_code, &groupe_by_code)?;
        let before = all.get(&e.eleve_id);
        let Some(division_id) = division.or_else(|| before.map(|b| b.division_id.clone())) else {
            f.ignores.push(format!(
                "élève {} {} (ligne {}) : sans division",
                e.nom, e.prenom, e.ligne
            ));
            continue;
        };
        if let (Some(mef), Some(mefs)) = (&e.code_mef, mefs)
            && let Some(formation) = mefs.get(mef)
        {
            niveaux
                .entry(division_id.clone())
                .or_insert_with(|| formation.clone());
        }
        let eleve = suivi(before, e, division_id, groupe_ids, veille);
        if let (Some(ine), Some(date_naissance)) = (&e.ine, e.date_naissance) {
            let ine = ine.clone();
            let eleve_id = e.eleve_id.clone();
            etats.insert(
                eleve_id.clone(),
                EtatCivil {
                    eleve_id,
                    ine,
                    date_naissance,
                },
            );
        }
        all.insert(e.eleve_id.clone(), eleve);
    }
    for id in all.keys().filter(|id| !seen.contains(id.as_str())) {
        f.conserves.push(format!(
            "élève {id} absent du fichier, conservé avec son historique"
        ));
    }
    niveaux_manquants(&mut f.school.divisions, &niveaux);
    f.school.etats_civils = etats
        .into_values()
        .filter(|e| all.contains_key(&e.eleve_id))
        .collect();
    f.school.eleves = all.into_values().collect();
    Ok(())
}

/// A division without a level takes the one its pupils' MEF names.
fn niveaux_manquants(divisions: &mut [Division], niveaux: &BTreeMap<String, String>) {
    for d in divisions {
        if d.niveau.is_empty()
            && let Some(n) = niveaux.get(&d.id)
        {
            d.niveau = n.clone();
        }
    }
}

/// The pupil as the file gives her, after `before` (as stored): a change of division leaves
/// her former one behind her, until `veille`.
fn suivi(
    before: Option<&Eleve>,
    e: &super::siecle::EleveLu,
    division_id: String,
    groupe_ids: Vec<String>,
    veille: NaiveDate,
) -> Eleve {
    let mut passages = before.map(|b| b.passages.clone()).unwrap_or_default();
    if let Some(b) = before
        && b.division_id != division_id
    {
        passages.push(Passage {
            division_id: b.division_id.clone(),
            jusqu_au: veille,
        });
    }
    Eleve {
        id: e.eleve_id.clone(),
        nom: e.nom.clone(),
        prenom: e.prenom.clone(),
        division_id,
        groupe_ids,
        date_entree: e.date_entree,
        date_sortie: e.date_sortie,
        passages,
    }
}

/// A pupil's division (the first, if SIECLE lists several) and groups, by their codes.
fn structures_de(
    f: &mut Fusion,
    fichier: &str,
    e: &super::siecle::EleveLu,
    division_by_code: &BTreeMap<String, String>,
    groupe_by_code: &BTreeMap<String, String>,
) -> Result<(Option<String>, Vec<String>), ErreurImport> {
    let inconnue = |code: &str| {
        ErreurImport::new(
            fichier,
            "STRUCTURE",
            e.ligne,
            format!(
                "la structure « {code} » de l'élève {} {} n'existe pas : importez le fichier STS-Web qui la déclare avec celui-ci",
                e.nom, e.prenom
            ),
        )
    };
    let mut division = None;
    let mut groupe_ids = Vec::new();
    for (code, is_division) in &e.structures {
        let by_code = if *is_division {
            division_by_code
        } else {
            groupe_by_code
        };
        let id = by_code.get(code).ok_or_else(|| inconnue(code))?.clone();
        if !*is_division {
            groupe_ids.push(id);
        } else if division.is_none() {
            division = Some(id);
        } else {
            f.ignores.push(format!(
                "élève {} (ligne {}) : plusieurs divisions, la première gardée",
                e.eleve_id, e.ligne
            ));
        }
    }
    groupe_ids.sort();
    Ok((division, groupe_ids))
}

/// The legal guardians of every pupil the file names replace hers.
fn responsables(f: &mut Fusion, lus: &ResponsablesLus) {
    let eleves: BTreeSet<&str> = f.school.eleves.iter().map(|e| e.id.as_str()).collect();
    let named: BTreeSet<&str> = lus
        .responsables
        .iter()
        .map(|r| r.eleve_id.as_str())
        .collect();
    let mut kept: Vec<Responsable> = (f.school.responsables.drain(..))
        .filter(|r| !named.contains(r.eleve_id.as_str()))
        .collect();
    for r in &lus.responsables {
        if !eleves.contains(r.eleve_id.as_str()) {
            f.ignores.push(format!(
                "responsable {} (ligne {}) : l'élève {} n'est pas connu",
                r.personne_id, r.ligne, r.eleve_id
            ));
            continue;
        }
        kept.push(Responsable {
            id: ident("R", &format!("{}-{}", r.personne_id, r.eleve_id)),
            eleve_id: r.eleve_id.clone(),
            civilite: r.civilite.clone(),
            nom: r.nom.clone(),
            prenom: r.prenom.clone(),
            lien: r.lien.clone(),
            telephone: r.telephone.clone(),
            mail: r.mail.clone(),
        });
    }
    kept.sort_by(|a, b| (&a.eleve_id, &a.id).cmp(&(&b.eleve_id, &b.id)));
    f.school.responsables = kept;
}
