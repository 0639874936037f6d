//! A pupil's bulletin for a period, from the council's page (pure): the school, the period and
//! the pupil; per subject the teacher, her average beside the class's minimum, average and
//! maximum, the positionnement and the appreciation; the moyenne générale; the demi-journées
//! justified and not and the lateness, with the vie scolaire's appreciation; the general
//! appreciation, the mention and the avis d'orientation. Laid out by `document::pdf`. And the
//! council's summary for a spreadsheet: a pupil per line, a subject per column.

use crate::conseil::{ConseilView, EleveConseilView};
use crate::document::{Bloc, Contenu, Tableau};

/// The columns of a bulletin's table, in mm (170 between the margins; a header cut between
/// words fits its column).
const COLONNES: [(&str, f32); 7] = [
    ("Matière et enseignant", 42.0),
    ("Moy. élève", 14.0),
    ("Min. classe", 12.0),
    ("Moy. classe", 14.0),
    ("Max. classe", 12.0),
    ("Pos.", 11.0),
    ("Appréciation", 65.0),
];

/// The bulletin of `eleve` in the council `view`.
pub fn contenu(view: &ConseilView, eleve: &EleveConseilView) -> Contenu {
    let tiret = |v: Option<&str>| v.unwrap_or("—").to_owned();
    let mut blocs = vec![
        Bloc::Ligne(true, view.etablissement.clone()),
        Bloc::Ligne(
            false,
            format!(
                "Classe {} · {} (du {} au {})",
                view.division,
                view.periode,
                jour(&view.debut),
                jour(&view.fin)
            ),
        ),
        Bloc::Ligne(false, String::new()),
        Bloc::Ligne(true, format!("{} {}", eleve.nom, eleve.prenom)),
        Bloc::Ligne(false, String::new()),
    ];
    let mut lignes = Vec::new();
    for l in &eleve.matieres {
        let Some(m) = view.matieres.iter().find(|m| m.service_id == l.service_id) else {
            continue;
        };
        let classe = |f: fn(&crate::carnet::StatsView) -> &String| {
            m.classe
                .as_ref()
                .map_or_else(|| "—".to_owned(), |c| f(c).clone())
        };
        lignes.push(vec![
            format!("{} — {}", m.matiere, m.enseignant),
            tiret(l.moyenne.as_deref()),
            classe(|c| &c.min),
            classe(|c| &c.moyenne),
            classe(|c| &c.max),
            l.positionnement
                .map_or_else(|| "—".to_owned(), |p| format!("{p} / 4")),
            l.appreciation.clone(),
        ]);
    }
    blocs.push(Bloc::Tableau(Tableau {
        colonnes: COLONNES
            .iter()
            .map(|(h, l)| ((*h).to_owned(), *l))
            .collect(),
        lignes,
    }));
    blocs.push(Bloc::Ligne(
        false,
        "Pos. : positionnement, de 1 (maîtrise insuffisante) à 4 (très bonne maîtrise).".into(),
    ));
    blocs.extend(
        conclusion(view, eleve)
            .into_iter()
            .map(|(g, t)| Bloc::Ligne(g, t)),
    );
    Contenu {
        titre: format!(
            "Bulletin — {} — {} {}",
            view.periode, eleve.nom, eleve.prenom
        ),
        blocs,
    }
}

/// The moyenne générale, the vie scolaire and what the council decided.
fn conclusion(view: &ConseilView, eleve: &EleveConseilView) -> Vec<(bool, String)> {
    let tiret = |v: Option<&str>| v.unwrap_or("—").to_owned();
    let mut lignes = Vec::new();
    lignes.push((
        true,
        format!("Moyenne générale : {}", tiret(eleve.generale.as_deref())),
    ));
    let vs = &eleve.vie_scolaire;
    lignes.push((
        false,
        format!(
            "Vie scolaire : {} demi-journée(s) d'absence justifiée(s), {} non justifiée(s), {} retard(s).",
            vs.justifiees, vs.injustifiees, vs.retards
        ),
    ));
    if !eleve.appreciation_vie_scolaire.is_empty() {
        lignes.push((false, eleve.appreciation_vie_scolaire.clone()));
    }
    lignes.push((false, String::new()));
    lignes.push((true, "Appréciation générale du conseil de classe".into()));
    lignes.push((
        false,
        if eleve.appreciation.is_empty() {
            "—".into()
        } else {
            eleve.appreciation.clone()
        },
    ));
    if let Some(mention) = eleve.mention {
        lignes.push((false, format!("Mention : {}", mention.libelle())));
    }
    if view.avec_orientation && !eleve.orientation.is_empty() {
        lignes.push((false, format!("Avis d'orientation : {}", eleve.orientation)));
    }
    lignes
}

/// The council's summary as CSV: per pupil her average in each subject, the moyenne générale,
/// the demi-journées and lateness, the mention and the general appreciation; the class's
/// averages on a last line.
pub fn csv(view: &ConseilView) -> Result<String, csv::Error> {
    crate::fichiers::tableur(|w| {
        let mut entete = vec!["Élève".to_owned()];
        entete.extend(view.matieres.iter().map(|m| m.matiere.clone()));
        entete.extend(
            [
                "Moyenne générale",
                "Demi-journées justifiées",
                "Demi-journées non justifiées",
                "Retards",
                "Mention",
                "Appréciation générale",
            ]
            .map(str::to_owned),
        );
        w.write_record(&entete)?;
        for e in &view.eleves {
            let mut ligne = vec![format!("{} {}", e.nom, e.prenom)];
            ligne.extend(view.matieres.iter().map(|m| {
                e.matieres
                    .iter()
                    .find(|l| l.service_id == m.service_id)
                    .and_then(|l| l.moyenne.clone())
                    .unwrap_or_default()
            }));
            let vs = &e.vie_scolaire;
            ligne.extend([
                e.generale.clone().unwrap_or_default(),
                vs.justifiees.to_string(),
                vs.injustifiees.to_string(),
                vs.retards.to_string(),
                e.mention
                    .map_or_else(String::new, |m| m.libelle().to_owned()),
                e.appreciation.clone(),
            ]);
            w.write_record(&ligne)?;
        }
        let mut classe = vec!["Moyenne de la classe".to_owned()];
        classe.extend(view.matieres.iter().map(|m| {
            m.classe
                .as_ref()
                .map_or_else(String::new, |c| c.moyenne.clone())
        }));
        classe.extend(std::iter::repeat_n(String::new(), 6));
        w.write_record(&classe)
    })
}

/// `AAAA-MM-JJ` as `JJ/MM/AAAA`.
fn jour(iso: &str) -> String {
    match iso.split('-').collect::<Vec<_>>().as_slice() {
        [a, m, j] => format!("{j}/{m}/{a}"),
        _ => iso.to_owned(),
    }
}
