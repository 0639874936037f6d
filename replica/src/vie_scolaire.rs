//! The vie scolaire's desk: the rows the store reads, and the pure assembly of what the CPE works
//! on (GUIDE §2): every pupil's séances with what became of her there, the missed séances no
//! absence covers yet (joined into spans), the recorded absences, lateness, exclusions, the
//! demi-journées per month (`pupitre_domain::demi_journees`) and the L131-8 monitor.
//!
//! A séance is missed when the roll call says so (the teacher's mark and the vie scolaire's fact
//! combined), or when a recorded absence covers it and no roll call says otherwise. It is
//! justified when a recorded absence that covers it is justified.

use crate::views::EtatSync;
use chrono::{Datelike, NaiveDate};
use pupitre_domain::absences::{
    Absence, Dispense, EtatJustification, Justification, Moment, Rapport, Reglages, jour,
};
use pupitre_domain::demi_journees::{self, Mois, SeanceEleve, Statut};
use pupitre_domain::notifications::{Envoi, EtatEnvoi, Notification};
use pupitre_domain::{Cible, Fait, Presence, School, combiner};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use ts_rs::TS;

/// One pupil's roll-call record as stored: the two sources, the lateness's justification, the
/// exclusion report.
#[derive(Debug, Clone, Default)]
pub struct PresenceRow {
    pub statut: Option<Presence>,
    pub fait: Option<Fait>,
    pub justification: Option<Justification>,
    pub rapport: Option<Rapport>,
}

/// An absence as stored (deleted ones are not read).
#[derive(Debug, Clone)]
pub struct AbsenceRow {
    pub eleve_id: String,
    pub absence_id: String,
    pub absence: Absence,
    pub justification: Option<Justification>,
    pub sync: EtatSync,
}

#[derive(Debug, Clone)]
pub struct DispenseRow {
    pub eleve_id: String,
    pub dispense_id: String,
    pub dispense: Dispense,
}

/// What the desk is assembled from, read in one transaction.
pub struct Rows {
    pub school: School,
    /// By séance, then pupil.
    pub presences: HashMap<String, HashMap<String, PresenceRow>>,
    pub absences: Vec<AbsenceRow>,
    pub dispenses: Vec<DispenseRow>,
    pub reglages: Reglages,
}

/// A séance of one pupil and what became of her there.
#[derive(Debug, Clone)]
pub struct Passage<'a> {
    pub seance: &'a pupitre_domain::Seance,
    pub matiere: &'a str,
    pub vu: Presence,
    pub presence: Option<&'a PresenceRow>,
    pub dispense: Option<&'a DispenseRow>,
    /// The recorded absence that covers it, if any.
    pub absence: Option<&'a AbsenceRow>,
    pub manquee: bool,
}

impl Passage<'_> {
    fn statut(&self) -> Statut {
        if self.manquee {
            Statut::Absente {
                justifiee: self
                    .absence
                    .and_then(|a| a.justification.as_ref())
                    .is_some_and(Justification::justifie),
            }
        } else if self
            .dispense
            .is_some_and(|d| !d.dispense.presence_obligatoire)
        {
            Statut::NonAttendue
        } else {
            Statut::Presente
        }
    }

    fn debut(&self) -> Moment {
        Moment {
            date: self.seance.date,
            heure: self.seance.debut,
        }
    }

    fn fin(&self) -> Moment {
        Moment {
            date: self.seance.date,
            heure: self.seance.fin,
        }
    }
}

/// The séances of each class or group, and each service's subject: built once per assembly.
pub struct Index<'a> {
    par_cible: HashMap<&'a Cible, Vec<(&'a pupitre_domain::Seance, &'a str)>>,
}

impl Rows {
    pub fn index(&self) -> Index<'_> {
        let services: HashMap<&str, (&Cible, &str)> = self
            .school
            .services
            .iter()
            .map(|s| (s.id.as_str(), (&s.cible, s.matiere_code.as_str())))
            .collect();
        let mut par_cible: HashMap<&Cible, Vec<(&pupitre_domain::Seance, &str)>> = HashMap::new();
        for s in &self.school.seances {
            if let Some((cible, matiere)) = services.get(s.service_id.as_str()) {
                par_cible.entry(cible).or_default().push((s, matiere));
            }
        }
        Index { par_cible }
    }

    /// Every séance of `eleve_id` from `du` to `au` (both included) that took place (not on a
    /// day the school declared off), in time order, with what became of her.
    pub fn passages<'a>(
        &'a self,
        index: &Index<'a>,
        eleve_id: &str,
        du: NaiveDate,
        au: NaiveDate,
    ) -> Vec<Passage<'a>> {
        let Some(eleve) = self.school.eleves.iter().find(|e| e.id == eleve_id) else {
            return Vec::new();
        };
        let absences: Vec<&AbsenceRow> = self
            .absences
            .iter()
            .filter(|a| a.eleve_id == eleve_id)
            .collect();
        let dispenses: Vec<&DispenseRow> = self
            .dispenses
            .iter()
            .filter(|d| d.eleve_id == eleve_id)
            .collect();
        // Her classes this year: every division she stayed in, and her groups.
        let cibles = eleve
            .divisions_de_l_annee()
            .map(|d| Cible::Division(d.to_owned()))
            .chain(eleve.groupe_ids.iter().map(|g| Cible::Groupe(g.clone())));
        let mut out: Vec<Passage<'a>> = Vec::new();
        for cible in cibles {
            for &(s, matiere) in index.par_cible.get(&cible).into_iter().flatten() {
                if s.date < du || au < s.date || self.reglages.sans_cours(s.date) {
                    continue;
                }
                if !eleve.dans_la_cible_le(&cible, s.date) {
                    continue;
                }
                out.push(self.passage(s, matiere, eleve_id, &absences, &dispenses));
            }
        }
        out.sort_by_key(|p| (p.seance.date, p.seance.debut));
        out
    }

    fn passage<'a>(
        &'a self,
        s: &'a pupitre_domain::Seance,
        matiere: &'a str,
        eleve_id: &str,
        absences: &[&'a AbsenceRow],
        dispenses: &[&'a DispenseRow],
    ) -> Passage<'a> {
        let presence = self.presences.get(&s.id).and_then(|p| p.get(eleve_id));
        let vu = combiner(
            presence.and_then(|p| p.statut),
            presence.and_then(|p| p.fait).unwrap_or(Fait::Aucun),
        )
        .vu;
        let absence = absences
            .iter()
            .copied()
            .find(|a| a.absence.couvre(s.date, s.debut, s.fin));
        let dispense = dispenses
            .iter()
            .copied()
            .find(|d| d.dispense.couvre(s.date, matiere));
        // No roll call says otherwise: no mark of the teacher, no fact.
        let silent = presence.is_none_or(|p| p.statut.is_none() && p.fait.is_none());
        let manquee = vu == Presence::Absent || (absence.is_some() && silent);
        Passage {
            seance: s,
            matiere,
            vu,
            presence,
            dispense,
            absence,
            manquee,
        }
    }

    /// The demi-journées a pupil's séances count, by the school's settings.
    pub fn demi_journees(&self, passages: &[Passage<'_>]) -> Vec<demi_journees::DemiJournee> {
        let seances: Vec<SeanceEleve> = passages
            .iter()
            .map(|p| SeanceEleve {
                date: p.seance.date,
                debut: p.seance.debut,
                fin: p.seance.fin,
                statut: p.statut(),
            })
            .collect();
        demi_journees::demi_journees(&seances, self.reglages.coupure, self.reglages.regle)
    }
}

/// Missed séances that no recorded absence covers, joined while consecutive in her timetable
/// (no séance attended between them, whatever the days between): one span per absence to treat.
pub fn a_traiter<'a>(passages: &[Passage<'a>]) -> Vec<Vec<Passage<'a>>> {
    let mut spans: Vec<Vec<Passage<'a>>> = Vec::new();
    let mut current: Vec<Passage<'a>> = Vec::new();
    for p in passages {
        let open = p.manquee && p.absence.is_none();
        if open {
            current.push(p.clone());
        } else if p.statut() != Statut::NonAttendue && !current.is_empty() {
            spans.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        spans.push(current);
    }
    spans
}

/// A missed span no absence covers yet: what the CPE turns into an absence.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ATraiterView {
    pub eleve_id: String,
    pub eleve: String,
    pub division: String,
    pub debut: Moment,
    pub fin: Moment,
    /// e.g. "30/11 08:00 Français, 30/11 09:00 Mathématiques".
    pub seances: String,
    pub nb_seances: u32,
}

/// A recorded absence as the desk lists it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AbsenceRecordView {
    pub id: String,
    pub eleve_id: String,
    pub eleve: String,
    pub division: String,
    pub debut: Moment,
    pub fin: Moment,
    pub prevenu: bool,
    pub etat: EtatJustification,
    pub justification: Option<Justification>,
    /// e.g. "Justifiée (Réunion solennelle de famille, courrier du 30/11)".
    pub libelle: String,
    pub sync: EtatSync,
}

/// A pupil at one séance, as the desk's lists name her.
#[derive(Debug, Clone, Serialize, TS)]
pub struct EleveEnSeance {
    pub seance_id: String,
    pub eleve_id: String,
    pub eleve: String,
    pub division: String,
    pub date: String,
    pub debut: String,
    pub matiere: String,
}

/// A lateness, with its justification.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RetardView {
    #[serde(flatten)]
    pub qui: EleveEnSeance,
    /// The arrival time, as the roll call or the billet says.
    pub arrivee: String,
    pub etat: EtatJustification,
    pub libelle: String,
}

/// An exclusion from class, with the teacher's report.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ExclusionView {
    #[serde(flatten)]
    pub qui: EleveEnSeance,
    pub rapport: Option<String>,
}

/// A month's demi-journées of one pupil.
#[derive(Debug, Clone, Serialize, TS)]
pub struct MoisView {
    /// "2026-11".
    pub mois: String,
    pub justifiees: u32,
    pub injustifiees: u32,
    /// The L131-8 threshold reached.
    pub absenteisme: bool,
}

/// A pupil's file for the year.
#[derive(Debug, Clone, Serialize, TS)]
pub struct DossierView {
    pub eleve_id: String,
    pub eleve: String,
    pub division: String,
    pub a_traiter: Vec<ATraiterView>,
    pub absences: Vec<AbsenceRecordView>,
    pub retards: Vec<RetardView>,
    pub exclusions: Vec<ExclusionView>,
    pub dispenses: Vec<String>,
    pub mois: Vec<MoisView>,
    /// Her legal guardians and how to reach them (the vie scolaire's replicas only).
    pub responsables: Vec<ResponsableView>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct ResponsableView {
    /// "Mme Hélène DUPONT (Mère)".
    pub nom: String,
    pub telephone: Option<String>,
    pub mail: Option<String>,
}

/// A pupil at or above the L131-8 threshold in a month.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AbsenteisteView {
    pub eleve_id: String,
    pub eleve: String,
    pub division: String,
    pub justifiees: u32,
    pub injustifiees: u32,
}

struct Nom {
    eleve: String,
    division: String,
}

fn nom(school: &School, eleve_id: &str) -> Nom {
    let e = school.eleves.iter().find(|e| e.id == eleve_id);
    let division = e
        .and_then(|e| school.divisions.iter().find(|d| d.id == e.division_id))
        .map_or_else(String::new, |d| d.code.clone());
    Nom {
        eleve: e.map_or_else(
            || eleve_id.to_owned(),
            |e| format!("{} {}", e.nom, e.prenom),
        ),
        division,
    }
}

fn matiere_libelle<'a>(school: &'a School, code: &'a str) -> &'a str {
    school
        .matieres
        .iter()
        .find(|m| m.code == code)
        .map_or(code, |m| m.libelle.as_str())
}

fn a_traiter_view(rows: &Rows, eleve_id: &str, span: &[Passage<'_>]) -> Option<ATraiterView> {
    let (first, last) = (span.first()?, span.last()?);
    let n = nom(&rows.school, eleve_id);
    Some(ATraiterView {
        eleve_id: eleve_id.to_owned(),
        eleve: n.eleve,
        division: n.division,
        debut: first.debut(),
        fin: last.fin(),
        seances: span
            .iter()
            .map(|p| {
                format!(
                    "{} {} {}",
                    jour(p.seance.date),
                    p.seance.debut,
                    matiere_libelle(&rows.school, p.matiere)
                )
            })
            .collect::<Vec<_>>()
            .join(", "),
        nb_seances: span.len() as u32,
    })
}

pub fn absence_view(rows: &Rows, a: &AbsenceRow) -> AbsenceRecordView {
    let n = nom(&rows.school, &a.eleve_id);
    let libelle = match &a.justification {
        Some(j) => libelle_justification(&rows.reglages, j),
        None => EtatJustification::NonJustifiee.libelle().to_owned(),
    };
    AbsenceRecordView {
        id: a.absence_id.clone(),
        eleve_id: a.eleve_id.clone(),
        eleve: n.eleve,
        division: n.division,
        debut: a.absence.debut,
        fin: a.absence.fin,
        prevenu: a.absence.prevenu,
        etat: a
            .justification
            .as_ref()
            .map_or(EtatJustification::NonJustifiee, |j| j.etat),
        justification: a.justification.clone(),
        libelle,
        sync: a.sync,
    }
}

/// "Justifiée (Réunion solennelle de famille, courrier du 30/11)", the motif by its label.
fn libelle_justification(reglages: &Reglages, j: &Justification) -> String {
    let with_label = Justification {
        motif: j.motif.as_ref().map(|code| {
            reglages
                .motif(code)
                .map_or(code.clone(), |m| m.libelle.clone())
        }),
        ..j.clone()
    };
    with_label.libelle()
}

fn en_seance(rows: &Rows, eleve_id: &str, p: &Passage<'_>) -> EleveEnSeance {
    let n = nom(&rows.school, eleve_id);
    EleveEnSeance {
        seance_id: p.seance.id.clone(),
        eleve_id: eleve_id.to_owned(),
        eleve: n.eleve,
        division: n.division,
        date: p.seance.date.to_string(),
        debut: p.seance.debut.to_string(),
        matiere: matiere_libelle(&rows.school, p.matiere).to_owned(),
    }
}

fn retard_view(rows: &Rows, eleve_id: &str, p: &Passage<'_>) -> Option<RetardView> {
    let arrivee = match (p.presence?.fait, p.presence?.statut) {
        (Some(Fait::Retard { arrivee }), _) | (_, Some(Presence::Retard { arrivee })) => arrivee,
        _ => return None,
    };
    let j = p.presence?.justification.as_ref();
    Some(RetardView {
        qui: en_seance(rows, eleve_id, p),
        arrivee: arrivee.to_string(),
        etat: j.map_or(EtatJustification::NonJustifiee, |j| j.etat),
        libelle: j.map_or_else(
            || EtatJustification::NonJustifiee.libelle().to_owned(),
            |j| libelle_justification(&rows.reglages, j),
        ),
    })
}

fn exclusion_view(rows: &Rows, eleve_id: &str, p: &Passage<'_>) -> Option<ExclusionView> {
    let presence = p.presence?;
    if presence.statut != Some(Presence::Exclu) {
        return None;
    }
    Some(ExclusionView {
        qui: en_seance(rows, eleve_id, p),
        rapport: presence.rapport.as_ref().map(|r| r.as_str().to_owned()),
    })
}

fn mois_views(par_mois: BTreeMap<(i32, u32), Mois>) -> Vec<MoisView> {
    par_mois
        .into_iter()
        .map(|((y, m), c)| MoisView {
            mois: format!("{y}-{m:02}"),
            justifiees: c.justifiees,
            injustifiees: c.injustifiees,
            absenteisme: c.absenteisme(),
        })
        .collect()
}

/// What a bulletin says of a pupil's vie scolaire over `du`..`au`: demi-journées missed
/// justified and not (the school's counting rule), and her lateness.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, TS)]
pub struct BilanVieScolaire {
    pub justifiees: u32,
    pub injustifiees: u32,
    pub retards: u32,
}

pub fn bilan_vie_scolaire(
    rows: &Rows,
    index: &Index<'_>,
    eleve_id: &str,
    du: NaiveDate,
    au: NaiveDate,
) -> BilanVieScolaire {
    let passages = rows.passages(index, eleve_id, du, au);
    let mut bilan = BilanVieScolaire {
        retards: passages
            .iter()
            .filter(|p| retard_view(rows, eleve_id, p).is_some())
            .count() as u32,
        ..BilanVieScolaire::default()
    };
    for m in demi_journees::par_mois(&rows.demi_journees(&passages)).values() {
        bilan.justifiees += m.justifiees;
        bilan.injustifiees += m.injustifiees;
    }
    bilan
}

/// A pupil's file over the school year `du`..`au`.
pub fn dossier(rows: &Rows, eleve_id: &str, du: NaiveDate, au: NaiveDate) -> DossierView {
    let index = rows.index();
    let passages = rows.passages(&index, eleve_id, du, au);
    let n = nom(&rows.school, eleve_id);
    let mut absences: Vec<AbsenceRecordView> = rows
        .absences
        .iter()
        .filter(|a| a.eleve_id == eleve_id)
        .map(|a| absence_view(rows, a))
        .collect();
    absences.sort_by_key(|a| a.debut);
    DossierView {
        eleve_id: eleve_id.to_owned(),
        eleve: n.eleve,
        division: n.division,
        a_traiter: a_traiter(&passages)
            .iter()
            .filter_map(|span| a_traiter_view(rows, eleve_id, span))
            .collect(),
        absences,
        retards: passages
            .iter()
            .filter_map(|p| retard_view(rows, eleve_id, p))
            .collect(),
        exclusions: passages
            .iter()
            .filter_map(|p| exclusion_view(rows, eleve_id, p))
            .collect(),
        dispenses: rows
            .dispenses
            .iter()
            .filter(|d| d.eleve_id == eleve_id)
            .map(|d| d.dispense.libelle())
            .collect(),
        mois: mois_views(demi_journees::par_mois(&rows.demi_journees(&passages))),
        responsables: rows
            .school
            .responsables
            .iter()
            .filter(|r| r.eleve_id == eleve_id)
            .map(|r| ResponsableView {
                nom: format!("{} {} {} ({})", r.civilite, r.prenom, r.nom, r.lien),
                telephone: r.telephone.clone(),
                mail: r.mail.clone(),
            })
            .collect(),
    }
}

/// What the school already knows of a séance's pupils before the teacher starts.
pub struct Signalements {
    pub matiere: String,
    /// Per pupil, her latest earlier séance of the day and what was seen of her there.
    pub precedentes: HashMap<String, (String, Presence)>,
    pub absences: Vec<AbsenceRow>,
    pub dispenses: Vec<DispenseRow>,
}

/// Adds to each row of a roll call what the school knows (a dispense, an absence the vie
/// scolaire recorded, an absence at the previous séance of the day) and the mark it suggests,
/// for a row the teacher has not marked.
pub fn signaler(view: &mut crate::views::AppelView, s: &Signalements) -> Result<(), String> {
    let seance = &view.seance;
    let date: NaiveDate = seance
        .date
        .parse()
        .map_err(|_| format!("date {}", seance.date))?;
    let heure = |t: &str| {
        t.parse::<pupitre_domain::Heure>()
            .map_err(|e| e.to_string())
    };
    let (debut, fin) = (heure(&seance.debut)?, heure(&seance.fin)?);
    for ligne in &mut view.eleves {
        let mut proposition = None;
        if let Some(d) = s
            .dispenses
            .iter()
            .find(|d| d.eleve_id == ligne.eleve_id && d.dispense.couvre(date, &s.matiere))
        {
            ligne
                .signalements
                .push(pupitre_domain::avis::capitalised(&d.dispense.libelle()));
            if !d.dispense.presence_obligatoire {
                proposition = Some(Presence::Dispense);
            }
        }
        if let Some(a) = s
            .absences
            .iter()
            .find(|a| a.eleve_id == ligne.eleve_id && a.absence.couvre(date, debut, fin))
        {
            let prevenu = if a.absence.prevenu {
                " (famille prévenue)"
            } else {
                ""
            };
            ligne.signalements.push(format!(
                "Absence signalée par la vie scolaire{prevenu}, du {} au {}",
                a.absence.debut.libelle(),
                a.absence.fin.libelle()
            ));
            proposition = Some(Presence::Absent);
        }
        if let Some((avant, Presence::Absent)) = s.precedentes.get(&ligne.eleve_id) {
            ligne
                .signalements
                .push(format!("Absent(e) à la séance de {avant}"));
        }
        ligne.proposition = proposition.filter(|_| !ligne.marque);
    }
    Ok(())
}

/// The roll calls not taken on `date`: séances that took place (the school did not declare the
/// day off), started at least the school's grace delay before `maintenant` when `date` is
/// `aujourdhui` (every séance of an earlier day), whose roll call is not done.
pub fn appels_non_faits(
    seances: Vec<crate::views::SeanceView>,
    date: NaiveDate,
    aujourdhui: NaiveDate,
    maintenant: pupitre_domain::Heure,
    reglages: &Reglages,
) -> Vec<crate::views::SeanceView> {
    if date > aujourdhui || reglages.sans_cours(date) {
        return Vec::new();
    }
    let limite = maintenant.minutes().saturating_sub(reglages.delai_appel);
    seances
        .into_iter()
        .filter(|s| s.appel != pupitre_domain::AppelEtat::Fait)
        .filter(|s| {
            date < aujourdhui
                || s.debut
                    .parse::<pupitre_domain::Heure>()
                    .is_ok_and(|d| d.minutes() <= limite)
        })
        .collect()
}

/// The pupils and subjects the desk's forms offer.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ReferentielView {
    /// (id, "NOM Prénom", division code), by division then name.
    pub eleves: Vec<(String, String, String)>,
    /// (code, label).
    pub matieres: Vec<(String, String)>,
}

pub fn referentiel(school: &School) -> ReferentielView {
    let mut eleves: Vec<(String, String, String)> = school
        .eleves
        .iter()
        .map(|e| {
            let n = nom(school, &e.id);
            (e.id.clone(), n.eleve, n.division)
        })
        .collect();
    eleves.sort_by(|a, b| (&a.2, &a.1).cmp(&(&b.2, &b.1)));
    ReferentielView {
        eleves,
        matieres: school
            .matieres
            .iter()
            .map(|m| (m.code.clone(), m.libelle.clone()))
            .collect(),
    }
}

/// A notification as stored: its message and, once the central has tried, its sending.
#[derive(Debug, Clone)]
pub struct NotificationRow {
    pub eleve_id: String,
    /// `AAAAMMJJ`.
    pub jour: String,
    pub message: Notification,
    pub envoi: Option<Envoi>,
    pub sync: EtatSync,
}

/// A notification as the desk lists it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct NotificationView {
    pub eleve_id: String,
    pub eleve: String,
    pub division: String,
    pub date: String,
    pub destinataires: String,
    /// `None`: not yet at the central (on this PC only, or sent without answer).
    pub etat: Option<EtatEnvoi>,
    /// e.g. "Envoyée", "En attente : serveur de courriel injoignable".
    pub libelle: String,
    pub sync: EtatSync,
}

pub fn notification_views(
    school: &School,
    mut rows: Vec<NotificationRow>,
) -> Vec<NotificationView> {
    rows.sort_by(|a, b| b.jour.cmp(&a.jour).then(a.eleve_id.cmp(&b.eleve_id)));
    rows.into_iter()
        .map(|r| {
            let n = nom(school, &r.eleve_id);
            let libelle = match &r.envoi {
                None => "Préparée, pas encore au service central".to_owned(),
                Some(Envoi {
                    etat,
                    erreur: Some(e),
                    ..
                }) => format!("{} : {e}", etat.libelle()),
                Some(e) => e.etat.libelle().to_owned(),
            };
            NotificationView {
                eleve_id: r.eleve_id,
                eleve: n.eleve,
                division: n.division,
                date: r.message.date.to_string(),
                destinataires: r.message.destinataires.join(", "),
                etat: r.envoi.as_ref().map(|e| e.etat),
                libelle,
                sync: r.sync,
            }
        })
        .collect()
}

/// What the desk shows for a range of days: the spans to treat, the recorded absences and the
/// lateness of every pupil here.
#[derive(Debug, Clone, Serialize, TS)]
pub struct BureauView {
    pub a_traiter: Vec<ATraiterView>,
    pub absences: Vec<AbsenceRecordView>,
    pub retards: Vec<RetardView>,
    pub exclusions: Vec<ExclusionView>,
}

pub fn bureau(rows: &Rows, du: NaiveDate, au: NaiveDate) -> BureauView {
    let mut view = BureauView {
        a_traiter: Vec::new(),
        absences: Vec::new(),
        retards: Vec::new(),
        exclusions: Vec::new(),
    };
    let index = rows.index();
    for eleve in &rows.school.eleves {
        let passages = rows.passages(&index, &eleve.id, du, au);
        view.a_traiter.extend(
            a_traiter(&passages)
                .iter()
                .filter_map(|span| a_traiter_view(rows, &eleve.id, span)),
        );
        view.retards.extend(
            passages
                .iter()
                .filter_map(|p| retard_view(rows, &eleve.id, p)),
        );
        view.exclusions.extend(
            passages
                .iter()
                .filter_map(|p| exclusion_view(rows, &eleve.id, p)),
        );
    }
    let within = |a: &AbsenceRow| a.absence.debut.date <= au && du <= a.absence.fin.date;
    view.absences = rows
        .absences
        .iter()
        .filter(|a| within(a))
        .map(|a| absence_view(rows, a))
        .collect();
    let key = |division: &str, eleve: &str| (division.to_owned(), eleve.to_owned());
    view.a_traiter
        .sort_by_key(|a| (key(&a.division, &a.eleve), a.debut));
    view.absences
        .sort_by_key(|a| (key(&a.division, &a.eleve), a.debut));
    view
}

/// The pupils at or above the L131-8 threshold in the calendar month of `mois` (any day of it).
pub fn absenteisme(rows: &Rows, mois: NaiveDate) -> Vec<AbsenteisteView> {
    let du = mois.with_day(1).unwrap_or(mois);
    let au = du
        .checked_add_months(chrono::Months::new(1))
        .and_then(|d| d.pred_opt())
        .unwrap_or(du);
    let index = rows.index();
    let mut out: Vec<AbsenteisteView> = rows
        .school
        .eleves
        .iter()
        .filter_map(|e| {
            let passages = rows.passages(&index, &e.id, du, au);
            let m = demi_journees::par_mois(&rows.demi_journees(&passages))
                .remove(&(du.year(), du.month()))?;
            m.absenteisme().then(|| {
                let n = nom(&rows.school, &e.id);
                AbsenteisteView {
                    eleve_id: e.id.clone(),
                    eleve: n.eleve,
                    division: n.division,
                    justifiees: m.justifiees,
                    injustifiees: m.injustifiees,
                }
            })
        })
        .collect();
    out.sort_by(|a, b| (&a.division, &a.eleve).cmp(&(&b.division, &b.eleve)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::views::SeanceView;
    use pupitre_domain::absences::JourSansCours;
    use pupitre_domain::{AppelEtat, Heure};

    fn seance(id: &str, debut: &str, appel: AppelEtat) -> SeanceView {
        SeanceView {
            id: id.into(),
            date: "2026-11-30".into(),
            debut: debut.into(),
            fin: "18:00".into(),
            salle: "B12".into(),
            matiere: "Français".into(),
            cible: "6A".into(),
            enseignant: "Mme Martin".into(),
            appel,
            nb_eleves: 25,
            nb_absents: 0,
            nb_retards: 0,
            sync: EtatSync::Aucun,
            remplacement: false,
        }
    }

    #[test]
    fn roll_calls_not_taken_wait_for_the_grace_delay_and_skip_days_off() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 30).expect("date");
        let next = day.succ_opt().expect("date");
        let h = |t: &str| t.parse::<Heure>().expect("heure");
        let seances = || {
            vec![
                seance("a", "08:00", AppelEtat::NonFait),
                seance("b", "09:00", AppelEtat::EnCours),
                seance("c", "09:00", AppelEtat::Fait),
                seance("d", "10:00", AppelEtat::NonFait),
            ]
        };
        let ids = |v: Vec<SeanceView>| v.into_iter().map(|s| s.id).collect::<Vec<_>>();
        let reglages = Reglages::default();
        // (now, listed): 10 minutes of grace by default.
        for (now, listed) in [
            ("07:59", vec![]),
            ("08:09", vec![]),
            ("08:10", vec!["a"]),
            ("09:10", vec!["a", "b"]),
            ("12:00", vec!["a", "b", "d"]),
        ] {
            let got = appels_non_faits(seances(), day, day, h(now), &reglages);
            assert_eq!(ids(got), listed, "at {now}");
        }
        // An earlier day: every one not done; a later day: none yet.
        assert_eq!(
            ids(appels_non_faits(
                seances(),
                day,
                next,
                h("07:00"),
                &reglages
            )),
            ["a", "b", "d"]
        );
        assert!(appels_non_faits(seances(), next, day, h("12:00"), &reglages).is_empty());
        // A longer delay, and a day the school declared off.
        let longer = Reglages {
            delai_appel: 30,
            ..reglages.clone()
        };
        assert_eq!(
            ids(appels_non_faits(seances(), day, day, h("08:20"), &longer)),
            Vec::<String>::new()
        );
        let off = Reglages {
            jours_sans_cours: vec![JourSansCours {
                date: day,
                libelle: "Journée pédagogique".into(),
            }],
            ..reglages
        };
        assert!(appels_non_faits(seances(), day, next, h("12:00"), &off).is_empty());
    }
}
