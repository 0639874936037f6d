//! The vie scolaire's records (GUIDE §2): absences with their motif and justification, dispenses,
//! a teacher's exclusion report, and the school's vie scolaire settings.
//!
//! No health detail is ever stored: a motif is a choice from the school's list, never free text,
//! and the one short comment a justification may carry is refused beside a health motif.

use crate::demi_journees::RegleDemiJournee;
use crate::heure::Heure;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The longest exclusion report (a teacher's account of what happened).
pub const RAPPORT_MAX_CHARS: usize = 1000;
/// The longest comment on a justification (administrative words only).
pub const COMMENTAIRE_MAX_CHARS: usize = 200;
/// Bounds of the settings' list of motifs.
pub const MOTIFS_MAX: usize = 40;
pub const MOTIF_LIBELLE_MAX_CHARS: usize = 120;
/// The longest roll-call grace delay a school may set, in minutes.
pub const DELAI_APPEL_MAX: u16 = 120;
/// An absence spans at most this many days (a longer one is several records, or a departure).
pub const ABSENCE_MAX_JOURS: i64 = 366;

/// Where a justification stands. An absence no one has justified yet is `NonJustifiee`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum EtatJustification {
    NonJustifiee,
    Justifiee,
    /// An excuse was given and refused: it counts as unjustified (L131-8).
    NonRecevable,
}

impl EtatJustification {
    pub fn libelle(self) -> &'static str {
        match self {
            EtatJustification::NonJustifiee => "Non justifiée",
            EtatJustification::Justifiee => "Justifiée",
            EtatJustification::NonRecevable => "Non recevable",
        }
    }
}

/// How a billet (the family's written excuse) reached the vie scolaire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MoyenBillet {
    Carnet,
    Courrier,
    Telephone,
    Mail,
}

impl MoyenBillet {
    pub fn libelle(self) -> &'static str {
        match self {
            MoyenBillet::Carnet => "Carnet de liaison",
            MoyenBillet::Courrier => "Courrier",
            MoyenBillet::Telephone => "Téléphone",
            MoyenBillet::Mail => "Courriel",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct Billet {
    #[ts(type = "string")]
    pub date: NaiveDate,
    pub moyen: MoyenBillet,
}

/// A motif of the school's list. `legitime`: one of the reasons L131-8 names; `sante`: about
/// health, so no comment may go with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct Motif {
    pub code: String,
    pub libelle: String,
    pub legitime: bool,
    pub sante: bool,
    /// A motif no longer offered; the absences that use it keep it.
    pub actif: bool,
}

/// The list a school starts with: the legitimate reasons of L131-8, then the usual others.
pub fn motifs_par_defaut() -> Vec<Motif> {
    let m = |code: &str, libelle: &str, legitime, sante| Motif {
        code: code.into(),
        libelle: libelle.into(),
        legitime,
        sante,
        actif: true,
    };
    vec![
        m("MALADIE", "Maladie de l'enfant", true, true),
        m(
            "CONTAGION",
            "Maladie transmissible ou contagieuse d'un membre de la famille",
            true,
            true,
        ),
        m("FAMILLE", "Réunion solennelle de famille", true, false),
        m(
            "TRANSPORT",
            "Empêchement résultant de la difficulté accidentelle des communications",
            true,
            false,
        ),
        m(
            "VOYAGE",
            "Absence temporaire des personnes responsables, que l'enfant suit",
            true,
            false,
        ),
        m("RDV_MEDICAL", "Rendez-vous médical", false, true),
        m(
            "CONVOCATION",
            "Convocation officielle (examen, tribunal, préfecture)",
            false,
            false,
        ),
        m("AUTRE", "Autre motif", false, false),
    ]
}

/// What the vie scolaire says of an absence or a lateness.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct Justification {
    pub etat: EtatJustification,
    /// A code of the settings' motifs; required to justify.
    pub motif: Option<String>,
    pub billet: Option<Billet>,
    /// Administrative words only, never beside a health motif.
    pub commentaire: Option<String>,
}

impl Justification {
    /// The checks against the school's motifs (`motifs`), in the words a CPE reads.
    pub fn verifier(&self, motifs: &[Motif]) -> Result<(), String> {
        let motif =
            match &self.motif {
                Some(code) => Some(motifs.iter().find(|m| &m.code == code).ok_or_else(|| {
                    format!("le motif « {code} » n'existe pas dans les réglages")
                })?),
                None => None,
            };
        if self.etat == EtatJustification::Justifiee && motif.is_none() {
            return Err("une absence justifiée doit avoir un motif".into());
        }
        if let Some(c) = &self.commentaire {
            if c.trim().is_empty() {
                return Err("le commentaire est vide : retirez-le".into());
            }
            if c.chars().count() > COMMENTAIRE_MAX_CHARS {
                return Err(format!(
                    "le commentaire dépasse {COMMENTAIRE_MAX_CHARS} caractères"
                ));
            }
            if let Some(m) = motif.filter(|m| m.sante) {
                return Err(format!(
                    "aucun commentaire avec le motif « {} » : aucun détail de santé n'est enregistré",
                    m.libelle
                ));
            }
        }
        Ok(())
    }

    /// "Justifiée (FAMILLE, courrier du 30/11)": how a notice names it.
    pub fn libelle(&self) -> String {
        let mut parts = Vec::new();
        if let Some(m) = &self.motif {
            parts.push(m.clone());
        }
        if let Some(b) = self.billet {
            parts.push(format!(
                "{} du {}",
                b.moyen.libelle().to_lowercase(),
                jour(b.date)
            ));
        }
        match parts.is_empty() {
            true => self.etat.libelle().to_owned(),
            false => format!("{} ({})", self.etat.libelle(), parts.join(", ")),
        }
    }

    /// Whether this justification excuses what it is attached to.
    pub fn justifie(&self) -> bool {
        self.etat == EtatJustification::Justifiee
    }
}

/// An instant of the school's timetable: a day and a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct Moment {
    #[ts(type = "string")]
    pub date: NaiveDate,
    #[ts(type = "string")]
    pub heure: Heure,
}

/// An absence's span, entered by the vie scolaire ahead (a family called) or from roll calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct Absence {
    pub debut: Moment,
    pub fin: Moment,
    /// The family warned the school.
    pub prevenu: bool,
}

/// "30/11": a day as lists write it.
pub fn jour(date: NaiveDate) -> String {
    date.format("%d/%m").to_string()
}

impl Moment {
    pub fn libelle(self) -> String {
        format!("{} à {}", jour(self.date), self.heure)
    }
}

impl Absence {
    pub fn libelle(&self) -> String {
        format!(
            "absence du {} au {}",
            self.debut.libelle(),
            self.fin.libelle()
        )
    }

    pub fn verifier(&self) -> Result<(), String> {
        if self.fin <= self.debut {
            return Err("la fin de l'absence doit suivre son début".into());
        }
        if (self.fin.date - self.debut.date).num_days() > ABSENCE_MAX_JOURS {
            return Err(format!(
                "une absence dure au plus {ABSENCE_MAX_JOURS} jours : saisissez-en plusieurs"
            ));
        }
        Ok(())
    }

    /// Whether the absence covers a séance of `date` from `debut` to `fin` (any overlap).
    pub fn couvre(&self, date: NaiveDate, debut: Heure, fin: Heure) -> bool {
        let (d, f) = (Moment { date, heure: debut }, Moment { date, heure: fin });
        self.debut < f && d < self.fin
    }

    /// Whether two spans overlap.
    pub fn chevauche(&self, other: &Absence) -> bool {
        self.debut < other.fin && other.debut < self.fin
    }
}

/// A dispense on file: from a subject (by its code) or from all, over days both included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct Dispense {
    #[ts(type = "string")]
    pub du: NaiveDate,
    #[ts(type = "string")]
    pub au: NaiveDate,
    /// `None`: every subject.
    pub matiere: Option<String>,
    /// She must attend the lesson all the same (she is then expected at it).
    pub presence_obligatoire: bool,
}

impl Dispense {
    pub fn libelle(&self) -> String {
        format!(
            "dispense {} du {} au {}{}",
            self.matiere
                .as_deref()
                .map_or("de toutes les matières".to_owned(), |m| format!("de {m}")),
            jour(self.du),
            jour(self.au),
            if self.presence_obligatoire {
                ", présence obligatoire"
            } else {
                ""
            }
        )
    }

    pub fn verifier(&self) -> Result<(), String> {
        if self.au < self.du {
            return Err("la fin de la dispense précède son début".into());
        }
        Ok(())
    }

    /// Whether it applies to a séance of `matiere` on `date`.
    pub fn couvre(&self, date: NaiveDate, matiere: &str) -> bool {
        self.du <= date && date <= self.au && self.matiere.as_deref().is_none_or(|m| m == matiere)
    }
}

/// A teacher's report of an exclusion from class: what happened, at most 1000 characters. Who
/// and when are the change's own (author, reception by the central).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(try_from = "String", into = "String")]
#[ts(type = "string")]
pub struct Rapport(String);

impl Rapport {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Rapport {
    type Error = String;

    fn try_from(texte: String) -> Result<Self, Self::Error> {
        let n = texte.chars().count();
        if n > RAPPORT_MAX_CHARS {
            return Err(format!(
                "le rapport d'exclusion fait {n} caractères, au plus {RAPPORT_MAX_CHARS}"
            ));
        }
        Ok(Rapport(texte))
    }
}

impl From<Rapport> for String {
    fn from(r: Rapport) -> String {
        r.0
    }
}

/// The school's vie scolaire settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct Reglages {
    /// The cut between morning and afternoon.
    #[ts(type = "string")]
    pub coupure: Heure,
    pub regle: RegleDemiJournee,
    /// Minutes after a séance's start before its missing roll call is listed.
    pub delai_appel: u16,
    /// The time of day after which a still unjustified absence is told to the family.
    #[ts(type = "string")]
    pub heure_notification: Heure,
    pub motifs: Vec<Motif>,
    /// Days the school declared off after the timetable was set (a closure, a strike, a day
    /// of training): their séances did not take place, so no roll call is missing and nothing
    /// is counted.
    pub jours_sans_cours: Vec<JourSansCours>,
    /// Minutes without a gesture before a session locks on its PC (a classroom PC left on).
    #[serde(default = "verrouillage_par_defaut")]
    pub verrouillage_minutes: u16,
    /// Days a replica may still be unlocked offline after its owner's last online login; past
    /// them, an account disabled or a password changed at the central would go unnoticed.
    #[serde(default = "grace_par_defaut")]
    pub grace_hors_ligne_jours: u16,
    /// Days the vie scolaire's details (roll calls, absences, dispenses, notifications) are
    /// kept after the school year's last period ends; then the central erases them, and every
    /// PC with it (`conservation`).
    #[serde(default = "conservation_par_defaut")]
    pub conservation_vie_scolaire_jours: u16,
}

fn conservation_par_defaut() -> u16 {
    // Through the summer: appeals of the year's decisions, and the last reports.
    62
}

fn verrouillage_par_defaut() -> u16 {
    5
}

fn grace_par_defaut() -> u16 {
    14
}

/// The longest a school may leave a PC unlocked without a gesture, and unlocked offline.
pub const VERROUILLAGE_MAX_MINUTES: u16 = 120;
pub const GRACE_MAX_JOURS: u16 = 90;
/// The longest the vie scolaire's details are kept after the school year (a year: beyond, they
/// are no longer what the year needs, GUIDE §2).
pub const CONSERVATION_MAX_JOURS: u16 = 365;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct JourSansCours {
    #[ts(type = "string")]
    pub date: NaiveDate,
    pub libelle: String,
}

/// The most days off a school's settings hold.
pub const JOURS_SANS_COURS_MAX: usize = 60;

const MIDI: Heure = Heure::hm(12, 0);
const DIX_HEURES: Heure = Heure::hm(10, 0);

impl Default for Reglages {
    fn default() -> Self {
        Reglages {
            coupure: MIDI,
            regle: RegleDemiJournee::UneSeance,
            delai_appel: 10,
            heure_notification: DIX_HEURES,
            motifs: motifs_par_defaut(),
            jours_sans_cours: Vec::new(),
            verrouillage_minutes: verrouillage_par_defaut(),
            grace_hors_ligne_jours: grace_par_defaut(),
            conservation_vie_scolaire_jours: conservation_par_defaut(),
        }
    }
}

impl Reglages {
    pub fn verifier(&self) -> Result<(), String> {
        if self.delai_appel > DELAI_APPEL_MAX {
            return Err(format!(
                "le délai de l'appel est d'au plus {DELAI_APPEL_MAX} minutes"
            ));
        }
        if !(1..=VERROUILLAGE_MAX_MINUTES).contains(&self.verrouillage_minutes) {
            return Err(format!(
                "le verrouillage après inactivité est de 1 à {VERROUILLAGE_MAX_MINUTES} minutes"
            ));
        }
        if !(1..=GRACE_MAX_JOURS).contains(&self.grace_hors_ligne_jours) {
            return Err(format!(
                "l'ouverture hors ligne est permise de 1 à {GRACE_MAX_JOURS} jours après la dernière connexion en ligne"
            ));
        }
        if !(1..=CONSERVATION_MAX_JOURS).contains(&self.conservation_vie_scolaire_jours) {
            return Err(format!(
                "les données de vie scolaire sont conservées de 1 à {CONSERVATION_MAX_JOURS} jours après la fin de l'année scolaire"
            ));
        }
        if self.motifs.is_empty() || self.motifs.len() > MOTIFS_MAX {
            return Err(format!("entre 1 et {MOTIFS_MAX} motifs"));
        }
        if self.jours_sans_cours.len() > JOURS_SANS_COURS_MAX
            || self
                .jours_sans_cours
                .iter()
                .any(|j| j.libelle.chars().count() > MOTIF_LIBELLE_MAX_CHARS)
        {
            return Err(format!(
                "au plus {JOURS_SANS_COURS_MAX} jours sans cours, chacun avec un libellé d'au plus {MOTIF_LIBELLE_MAX_CHARS} caractères"
            ));
        }
        for (i, m) in self.motifs.iter().enumerate() {
            if !crate::edit::is_id(&m.code) {
                return Err(format!(
                    "code de motif invalide « {} » : lettres, chiffres, - et _",
                    m.code
                ));
            }
            let n = m.libelle.trim().chars().count();
            if n == 0 || n > MOTIF_LIBELLE_MAX_CHARS {
                return Err(format!(
                    "le libellé du motif « {} » doit avoir de 1 à {MOTIF_LIBELLE_MAX_CHARS} caractères",
                    m.code
                ));
            }
            if self.motifs[..i].iter().any(|o| o.code == m.code) {
                return Err(format!("le motif « {} » est en double", m.code));
            }
        }
        Ok(())
    }

    /// Whether the school declared `date` a day off.
    pub fn sans_cours(&self, date: NaiveDate) -> bool {
        self.jours_sans_cours.iter().any(|j| j.date == date)
    }

    pub fn motif(&self, code: &str) -> Option<&Motif> {
        self.motifs.iter().find(|m| m.code == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, j: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, j).expect("date")
    }

    fn at(m: u32, j: u32, heure: &str) -> Moment {
        Moment {
            date: d(m, j),
            heure: heure.parse().expect("heure"),
        }
    }

    fn justification(
        etat: EtatJustification,
        motif: Option<&str>,
        commentaire: Option<&str>,
    ) -> Justification {
        Justification {
            etat,
            motif: motif.map(str::to_owned),
            billet: None,
            commentaire: commentaire.map(str::to_owned),
        }
    }

    #[test]
    fn justifications_by_hand() {
        use EtatJustification::*;
        let motifs = motifs_par_defaut();
        let long = "x".repeat(COMMENTAIRE_MAX_CHARS + 1);
        // (justification, accepted)
        let cases = [
            (justification(NonJustifiee, None, None), true),
            (justification(Justifiee, None, None), false),
            (justification(Justifiee, Some("FAMILLE"), None), true),
            (justification(Justifiee, Some("INVENTE"), None), false),
            (
                justification(Justifiee, Some("AUTRE"), Some("Convocation au permis")),
                true,
            ),
            (
                justification(Justifiee, Some("MALADIE"), Some("grippe")),
                false,
            ),
            (
                justification(NonRecevable, Some("RDV_MEDICAL"), Some("dentiste")),
                false,
            ),
            (justification(Justifiee, Some("AUTRE"), Some(&long)), false),
            (justification(Justifiee, Some("AUTRE"), Some("  ")), false),
            (justification(NonRecevable, Some("AUTRE"), None), true),
        ];
        for (j, ok) in cases {
            assert_eq!(j.verifier(&motifs).is_ok(), ok, "{j:?}");
        }
    }

    #[test]
    fn no_free_text_slips_into_a_justification() {
        for bad in [
            r#"{"etat":"justifiee","motif":"MALADIE","billet":null,"commentaire":null,"diagnostic":"grippe"}"#,
            r#"{"etat":"guerie","motif":null,"billet":null,"commentaire":null}"#,
            r#"{"etat":"justifiee","motif":"FAMILLE","billet":{"date":"2026-11-30","moyen":"pigeon"},"commentaire":null}"#,
        ] {
            assert!(serde_json::from_str::<Justification>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn spans_cover_and_overlap() {
        let a = Absence {
            debut: at(11, 30, "08:00"),
            fin: at(12, 1, "12:00"),
            prevenu: true,
        };
        assert!(a.verifier().is_ok());
        let h = |t: &str| t.parse::<Heure>().expect("heure");
        assert!(a.couvre(d(11, 30), h("15:00"), h("16:00")));
        assert!(a.couvre(d(12, 1), h("11:00"), h("12:00")));
        assert!(!a.couvre(d(12, 1), h("12:00"), h("13:00")));
        assert!(!a.couvre(d(11, 27), h("08:00"), h("09:00")));
        let later = Absence {
            debut: at(12, 1, "12:00"),
            fin: at(12, 1, "17:00"),
            prevenu: false,
        };
        assert!(!a.chevauche(&later) && !later.chevauche(&a));
        let inside = Absence {
            debut: at(12, 1, "09:00"),
            fin: at(12, 1, "10:00"),
            prevenu: false,
        };
        assert!(a.chevauche(&inside) && inside.chevauche(&a));
        let backwards = Absence {
            debut: at(12, 1, "10:00"),
            fin: at(12, 1, "09:00"),
            prevenu: false,
        };
        assert!(backwards.verifier().is_err());
    }

    #[test]
    fn dispenses_cover_their_subject_and_days() {
        let eps = Dispense {
            du: d(11, 2),
            au: d(11, 30),
            matiere: Some("EPS".into()),
            presence_obligatoire: false,
        };
        assert!(eps.couvre(d(11, 2), "EPS") && eps.couvre(d(11, 30), "EPS"));
        assert!(!eps.couvre(d(12, 1), "EPS") && !eps.couvre(d(11, 10), "FRANC"));
        let toutes = Dispense {
            matiere: None,
            ..eps.clone()
        };
        assert!(toutes.couvre(d(11, 10), "FRANC"));
        assert!(
            Dispense {
                au: d(11, 1),
                ..eps
            }
            .verifier()
            .is_err()
        );
    }

    #[test]
    fn a_report_has_at_most_1000_characters() {
        assert!(Rapport::try_from("é".repeat(RAPPORT_MAX_CHARS)).is_ok());
        assert!(Rapport::try_from("é".repeat(RAPPORT_MAX_CHARS + 1)).is_err());
    }

    #[test]
    fn settings_are_checked() {
        let ok = Reglages::default();
        assert!(ok.verifier().is_ok());
        assert_eq!(ok.coupure.to_string(), "12:00");
        let mut twice = ok.clone();
        twice.motifs.push(twice.motifs[0].clone());
        assert!(twice.verifier().is_err());
        let mut none = ok.clone();
        none.motifs.clear();
        assert!(none.verifier().is_err());
        let mut bad_code = ok.clone();
        bad_code.motifs[0].code = "a/b".into();
        assert!(bad_code.verifier().is_err());
        // (lock after minutes, offline days, accepted)
        let timings = [
            (5, 14, true),
            (1, 1, true),
            (VERROUILLAGE_MAX_MINUTES, GRACE_MAX_JOURS, true),
            (0, 14, false),
            (VERROUILLAGE_MAX_MINUTES + 1, 14, false),
            (5, 0, false),
            (5, GRACE_MAX_JOURS + 1, false),
        ];
        for (minutes, jours, accepted) in timings {
            let r = Reglages {
                verrouillage_minutes: minutes,
                grace_hors_ligne_jours: jours,
                ..ok.clone()
            };
            assert_eq!(
                r.verifier().is_ok(),
                accepted,
                "{minutes} min, {jours} jours"
            );
        }
        // Days the vie scolaire is kept after the year: (days, accepted).
        for (jours, accepted) in [(62, true), (1, true), (365, true), (0, false), (366, false)] {
            let r = Reglages {
                conservation_vie_scolaire_jours: jours,
                ..ok.clone()
            };
            assert_eq!(r.verifier().is_ok(), accepted, "kept {jours} days");
        }
        // Settings written before these three existed read with their defaults.
        let mut old = serde_json::to_value(&ok).expect("json");
        let fields = old.as_object_mut().expect("object");
        fields.remove("verrouillage_minutes");
        fields.remove("grace_hors_ligne_jours");
        fields.remove("conservation_vie_scolaire_jours");
        let read: Reglages = serde_json::from_value(old).expect("older settings");
        assert_eq!(
            (
                read.verrouillage_minutes,
                read.grace_hors_ligne_jours,
                read.conservation_vie_scolaire_jours
            ),
            (5, 14, 62)
        );
        let slow = Reglages {
            delai_appel: DELAI_APPEL_MAX + 1,
            ..ok
        };
        assert!(slow.verifier().is_err());
        // The legitimate reasons of L131-8 are all there.
        assert_eq!(motifs_par_defaut().iter().filter(|m| m.legitime).count(), 5);
    }
}
