//! The timetable, from the CSV a timetable program exports or a spreadsheet saves (`tableur`;
//! README « L'emploi du temps »): one weekly slot a line,
//! `Jour;Début;Fin;Matière;Professeur;Classe;Groupe;Salle;Semaine`, laid out over the school
//! year's periods into séances, skipping the holidays (pure).
//!
//! A slot names its service as the school says it: the teacher (`NOM Prénom`, or her STS-Web
//! id), the subject (its code, management code or label) and the class, or the group when
//! the lesson is a group's. `Semaine` is empty (every week), `A` or `B`: weeks alternate from
//! the year's first week (A), counting only weeks with a school day, as schools number them.
//! A séance's id is its service, day and start: the same slot laid out again gives the same
//! séance, so a re-import changes only what changed.

use super::ErreurImport;
use super::calendrier::Vacances;
use super::tableur::{self, normal};
use chrono::{Datelike, Duration, NaiveDate, Weekday};
use pupitre_domain::{Cible, Heure, School, Seance};

const COLONNES: [&str; 9] = [
    "jour",
    "debut",
    "fin",
    "matiere",
    "professeur",
    "classe",
    "groupe",
    "salle",
    "semaine",
];

/// Which weeks a slot is taught.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Semaine {
    Toutes,
    A,
    B,
}

/// One weekly slot, as the file says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Creneau {
    pub ligne: u32,
    pub jour: Weekday,
    pub debut: Heure,
    pub fin: Heure,
    pub matiere: String,
    pub professeur: String,
    pub classe: String,
    pub groupe: String,
    pub salle: String,
    pub semaine: Semaine,
}

/// The slots of a timetable CSV; `None` when its header is not one.
pub fn lire(nom: &str, octets: &[u8]) -> Option<Result<Vec<Creneau>, ErreurImport>> {
    let (texte, premiere) = tableur::entete(octets);
    (premiere == "jour").then(|| creneaux(nom, &texte))
}

fn creneaux(nom: &str, texte: &str) -> Result<Vec<Creneau>, ErreurImport> {
    let mut out = Vec::new();
    for (n, l) in tableur::lignes(nom, texte, &COLONNES)? {
        let erreur = |m: String| ErreurImport::new(nom, "", n, m);
        let (debut, fin) = (heure(&l[1]).map_err(erreur)?, heure(&l[2]).map_err(erreur)?);
        if fin <= debut {
            return Err(erreur(format!(
                "le cours finit à {fin}, avant son début {debut}"
            )));
        }
        if l[3].is_empty() || l[4].is_empty() || (l[5].is_empty() && l[6].is_empty()) {
            return Err(erreur(
                "la matière, le professeur et la classe ou le groupe sont obligatoires".into(),
            ));
        }
        out.push(Creneau {
            ligne: n,
            jour: jour(&l[0]).map_err(erreur)?,
            debut,
            fin,
            matiere: l[3].clone(),
            professeur: l[4].clone(),
            classe: l[5].clone(),
            groupe: l[6].clone(),
            salle: l[7].clone(),
            semaine: semaine(&l[8]).map_err(erreur)?,
        });
    }
    Ok(out)
}

fn jour(texte: &str) -> Result<Weekday, String> {
    Ok(match normal(texte).as_str() {
        "lundi" | "lun" | "1" => Weekday::Mon,
        "mardi" | "mar" | "2" => Weekday::Tue,
        "mercredi" | "mer" | "3" => Weekday::Wed,
        "jeudi" | "jeu" | "4" => Weekday::Thu,
        "vendredi" | "ven" | "5" => Weekday::Fri,
        "samedi" | "sam" | "6" => Weekday::Sat,
        _ => return Err(format!("jour « {texte} » : attendu lundi … samedi")),
    })
}

/// `08:00`, `8:00`, `8h00` or `8h`.
fn heure(texte: &str) -> Result<Heure, String> {
    let bad = || format!("heure « {texte} » : attendu HH:MM, par exemple 08:00");
    let t = texte.trim().to_lowercase().replace('h', ":");
    let (h, m) = t.split_once(':').ok_or_else(bad)?;
    let m = if m.is_empty() { "00" } else { m };
    match (h.parse::<u16>(), m.parse::<u16>()) {
        (Ok(h), Ok(m)) if m < 60 => Heure::new(h, m).ok_or_else(bad),
        _ => Err(bad()),
    }
}

fn semaine(texte: &str) -> Result<Semaine, String> {
    match normal(texte).as_str() {
        "" => Ok(Semaine::Toutes),
        "a" | "semainea" | "sa" => Ok(Semaine::A),
        "b" | "semaineb" | "sb" => Ok(Semaine::B),
        _ => Err(format!("semaine « {texte} » : laissez vide, ou A ou B")),
    }
}

/// The service a slot is a lesson of, in `school` (after the same import's STS-Web).
pub fn service_de(school: &School, c: &Creneau) -> Result<String, String> {
    let prof = normal(&c.professeur);
    let enseignant = school
        .personnels
        .iter()
        .find(|p| {
            p.id == c.professeur
                || normal(&format!("{}{}", p.nom, p.prenom)) == prof
                || normal(&format!("{}{}", p.prenom, p.nom)) == prof
        })
        .ok_or_else(|| format!("professeur « {} » inconnu (STS-Web)", c.professeur))?;
    let matiere = normal(&c.matiere);
    let matiere = school
        .matieres
        .iter()
        .find(|m| {
            [&m.code, &m.code_gestion, &m.libelle]
                .iter()
                .any(|x| normal(x) == matiere)
        })
        .ok_or_else(|| format!("matière « {} » inconnue (Nomenclature)", c.matiere))?;
    let cible = if c.groupe.is_empty() {
        let d = school.divisions.iter().find(|d| d.code == c.classe);
        Cible::Division(
            d.ok_or_else(|| format!("classe « {} » inconnue", c.classe))?
                .id
                .clone(),
        )
    } else {
        let g = school.groupes.iter().find(|g| g.code == c.groupe);
        Cible::Groupe(
            g.ok_or_else(|| format!("groupe « {} » inconnu", c.groupe))?
                .id
                .clone(),
        )
    };
    school
        .services
        .iter()
        .find(|s| {
            s.enseignant_id == enseignant.id && s.matiere_code == matiere.code && s.cible == cible
        })
        .map(|s| s.id.clone())
        .ok_or_else(|| {
            format!(
                "aucun service de {} {} en {} pour {} dans STS-Web",
                enseignant.prenom,
                enseignant.nom,
                matiere.libelle,
                if c.groupe.is_empty() {
                    &c.classe
                } else {
                    &c.groupe
                }
            )
        })
}

/// Two slots of one teacher at the same time, the same weeks: the first line of the second.
pub fn chevauchement(creneaux: &[(String, &Creneau, String)]) -> Option<(u32, u32)> {
    for (i, (_, a, prof_a)) in creneaux.iter().enumerate() {
        for (_, b, prof_b) in &creneaux[i + 1..] {
            let memes_semaines = a.semaine == b.semaine
                || a.semaine == Semaine::Toutes
                || b.semaine == Semaine::Toutes;
            if prof_a == prof_b
                && a.jour == b.jour
                && memes_semaines
                && a.debut < b.fin
                && b.debut < a.fin
            {
                return Some((a.ligne, b.ligne));
            }
        }
    }
    None
}

/// The séance of `service` on `date` at `debut`: the same whenever the slot is laid out.
pub fn seance_id(service: &str, date: NaiveDate, debut: Heure) -> String {
    format!(
        "SE-{service}-{}-{:04}",
        date.format("%Y%m%d"),
        debut.minutes()
    )
}

/// The séances of `creneaux` (each with its service) from `du` to `au`, no lesson on a
/// holiday; weeks A and B alternate over the weeks that have a school day.
pub fn developper(
    creneaux: &[(String, &Creneau)],
    du: NaiveDate,
    au: NaiveDate,
    vacances: &[Vacances],
) -> Vec<Seance> {
    let ouvre = |d: NaiveDate| {
        du <= d && d <= au && d.weekday() != Weekday::Sun && !vacances.iter().any(|v| v.contient(d))
    };
    let mut seances = Vec::new();
    let mut lundi = du - Duration::days(i64::from(du.weekday().num_days_from_monday()));
    let mut semaines_ouvrees = 0u32;
    while lundi <= au {
        let jours: Vec<NaiveDate> = (0..6)
            .map(|k| lundi + Duration::days(k))
            .filter(|d| ouvre(*d))
            .collect();
        if !jours.is_empty() {
            let cette = if semaines_ouvrees.is_multiple_of(2) {
                Semaine::A
            } else {
                Semaine::B
            };
            semaines_ouvrees += 1;
            for date in jours {
                for (service, c) in creneaux {
                    if c.jour == date.weekday()
                        && (c.semaine == Semaine::Toutes || c.semaine == cette)
                    {
                        seances.push(Seance {
                            id: seance_id(service, date, c.debut),
                            service_id: service.clone(),
                            date,
                            debut: c.debut,
                            fin: c.fin,
                            salle: c.salle.clone(),
                            remplacant_id: None,
                        });
                    }
                }
            }
        }
        lundi += Duration::days(7);
    }
    seances
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
    }

    fn creneau(jour: Weekday, h: u16, semaine: Semaine) -> Creneau {
        Creneau {
            ligne: 2,
            jour,
            debut: Heure::new(h, 0).expect("h"),
            fin: Heure::new(h + 1, 0).expect("h"),
            matiere: "FRANC".into(),
            professeur: "P".into(),
            classe: "6A".into(),
            groupe: String::new(),
            salle: "B12".into(),
            semaine,
        }
    }

    #[test]
    fn a_year_laid_out_by_hand() {
        // Three weeks from Monday 2026-09-07; the second is all holidays; a slot every
        // Monday, one on Tuesdays of week A, one on Wednesdays of week B.
        let lundi = creneau(Weekday::Mon, 8, Semaine::Toutes);
        let mardi_a = creneau(Weekday::Tue, 9, Semaine::A);
        let mercredi_b = creneau(Weekday::Wed, 10, Semaine::B);
        let slots = [
            ("S1".to_owned(), &lundi),
            ("S1".to_owned(), &mardi_a),
            ("S2".to_owned(), &mercredi_b),
        ];
        let vacances = [Vacances {
            libelle: "Toussaint".into(),
            debut: d("2026-09-12"),
            fin: d("2026-09-20"),
        }];
        let seances = developper(&slots, d("2026-09-07"), d("2026-09-27"), &vacances);
        let vues: Vec<(String, &str)> = seances
            .iter()
            .map(|s| (s.date.to_string(), s.service_id.as_str()))
            .collect();
        assert_eq!(
            vues,
            [
                // Week 1 (A): Monday, Tuesday A.
                ("2026-09-07".to_owned(), "S1"),
                ("2026-09-08".to_owned(), "S1"),
                // Week 2: holidays from Saturday 12 to Sunday 20, nothing, and it does not
                // count. Week 3 (B): Monday, Wednesday B.
                ("2026-09-21".to_owned(), "S1"),
                ("2026-09-23".to_owned(), "S2"),
            ]
        );
        // Laid out again, the same ids.
        let again = developper(&slots, d("2026-09-07"), d("2026-09-27"), &vacances);
        assert_eq!(seances, again);
        assert_eq!(seances[0].id, "SE-S1-20260907-0480");
    }

    #[test]
    fn the_year_s_bounds_cut_its_first_and_last_weeks() {
        let lundi = creneau(Weekday::Mon, 8, Semaine::Toutes);
        let vendredi = creneau(Weekday::Fri, 8, Semaine::Toutes);
        let slots = [("S".to_owned(), &lundi), ("S".to_owned(), &vendredi)];
        // From a Wednesday to the next Monday: that Friday and that Monday.
        let seances = developper(&slots, d("2026-09-02"), d("2026-09-07"), &[]);
        let dates: Vec<String> = seances.iter().map(|s| s.date.to_string()).collect();
        assert_eq!(dates, ["2026-09-04", "2026-09-07"]);
    }

    #[test]
    fn cells_as_spreadsheets_write_them() {
        for (texte, attendu) in [
            ("08:00", (8, 0)),
            ("8h30", (8, 30)),
            ("14h", (14, 0)),
            (" 9:05 ", (9, 5)),
        ] {
            assert_eq!(
                heure(texte),
                Ok(Heure::new(attendu.0, attendu.1).expect("h")),
                "{texte}"
            );
        }
        for bad in ["", "25:00", "huit", "8h70"] {
            assert!(heure(bad).is_err(), "{bad}");
        }
        assert_eq!(jour("Lundi"), Ok(Weekday::Mon));
        assert_eq!(jour("SAMEDI"), Ok(Weekday::Sat));
        assert!(jour("dimanche").is_err());
        assert_eq!(semaine(" a "), Ok(Semaine::A));
        assert_eq!(semaine("Semaine B"), Ok(Semaine::B));
        assert!(semaine("C").is_err());
    }

    #[test]
    fn a_teacher_in_two_places_at_once_is_found() {
        let a = creneau(Weekday::Mon, 8, Semaine::A);
        let mut b = creneau(Weekday::Mon, 8, Semaine::B);
        b.ligne = 3;
        let mut c = creneau(Weekday::Mon, 8, Semaine::Toutes);
        c.ligne = 4;
        let p = || "P1".to_owned();
        // A and B the same hour: no clash; every week against week A: a clash.
        assert_eq!(
            chevauchement(&[("S".into(), &a, p()), ("S".into(), &b, p())]),
            None
        );
        assert_eq!(
            chevauchement(&[("S".into(), &a, p()), ("S".into(), &c, p())]),
            Some((2, 4))
        );
        assert_eq!(
            chevauchement(&[("S".into(), &a, p()), ("S".into(), &c, "P2".into())]),
            None
        );
    }
}
