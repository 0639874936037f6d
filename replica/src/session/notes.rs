//! What a teacher does in her gradebook: devoirs created, edited and deleted, marks typed or
//! pasted. Each is checked here against what this PC knows (rights, the devoir's period and
//! barème, the pupil's dates, a closed council), in French, before anything is written; the
//! central checks the same again (`pupitre_central::gradebook`).

use super::Session;
use crate::carnet::{CarnetView, DevoirRow, EleveRow, Gradebook, MoyennesPeriode};
use crate::clock::now_ms;
use crate::competences::{BilanView, CompetencesView};
use crate::error::ReplicaError;
use crate::sync::lock;
use chrono::NaiveDate;
use pupitre_domain::edit::FIELD_DEFINITION;
use pupitre_domain::notes::Centiemes;
use pupitre_domain::{
    Composante, Devoir, DevoirBrut, Edit, EntityKind, Evaluation, Item, ItemBrut, Note, Periode,
    may_write,
};
use pupitre_sync_protocol::OpId;
use serde::Deserialize;
use ts_rs::TS;
use uuid::Uuid;

/// A devoir as the teacher fills its form: numbers as she types them (`0,5`, `20`).
#[derive(Debug, Clone, Deserialize, TS)]
pub struct DevoirSaisie {
    pub titre: String,
    /// `YYYY-MM-DD`; the period is the one it falls in.
    pub date: String,
    pub coefficient: String,
    pub bareme: String,
    pub compte: bool,
    /// The competency items it evaluates (ids of the service's items).
    #[serde(default)]
    pub items: Vec<String>,
}

/// At most this many lines in one paste (a class is about 35).
pub const COLLER_MAX_LIGNES: usize = 200;

fn invalid(message: impl Into<String>) -> ReplicaError {
    ReplicaError::Invalid(message.into())
}

impl DevoirSaisie {
    /// The devoir it defines, in the period its date falls in.
    fn devoir(&self, annee: &[Periode]) -> Result<Devoir, ReplicaError> {
        let date: NaiveDate = self.date.parse().map_err(|_| {
            invalid(format!(
                "date « {} » illisible : choisissez-la dans le calendrier",
                self.date
            ))
        })?;
        let quantity = |text: &str, what: &str| {
            Centiemes::parse(text).map(|c| i64::from(c.0)).ok_or_else(|| {
                invalid(format!(
                    "{what} « {} » illisible : un nombre positif, avec au plus deux décimales (ex. 0,5)",
                    text.trim()
                ))
            })
        };
        // A date in no period gets a period id no school has, which `dans_sa_periode` words
        // as "in no period of the year".
        let periode =
            Periode::of(annee, date).map_or_else(|| "hors-annee".into(), |p| p.id.clone());
        let devoir = Devoir::new(DevoirBrut {
            titre: self.titre.clone(),
            date,
            periode_id: periode,
            coefficient_centiemes: quantity(&self.coefficient, "coefficient")?,
            bareme_centiemes: quantity(&self.bareme, "barème")?,
            compte: self.compte,
            items: self.items.clone(),
        })
        .map_err(|e| invalid(e.to_string()))?;
        devoir
            .dans_sa_periode(annee)
            .map_err(|e| invalid(e.to_string()))?;
        Ok(devoir)
    }
}

/// A competency item as the teacher fills its form.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct ItemSaisie {
    pub libelle: String,
    /// The LSU code of its component (`CPD_FRA`, …).
    pub composante: String,
}

impl Session {
    pub fn competences(
        &self,
        service_id: &str,
        periode_id: &str,
    ) -> Result<CompetencesView, ReplicaError> {
        Ok(self.gradebook(service_id)?.competences(periode_id))
    }

    /// A pupil's competencies for a period, as a parent reads them.
    pub fn bilan(&self, eleve_id: &str, periode_id: &str) -> Result<BilanView, ReplicaError> {
        lock(&self.store)
            .bilan(eleve_id, periode_id)?
            .ok_or_else(|| invalid("cet élève n'est pas sur ce poste"))
    }

    /// Creates a competency item of the service; returns its id.
    pub fn creer_item(
        &self,
        service_id: &str,
        saisie: &ItemSaisie,
    ) -> Result<String, ReplicaError> {
        let composante: Composante = serde_json::from_value(serde_json::Value::String(
            saisie.composante.clone(),
        ))
        .map_err(|_| {
            invalid(format!(
                "composante du socle inconnue « {} »",
                saisie.composante
            ))
        })?;
        let item = Item::new(ItemBrut {
            libelle: saisie.libelle.clone(),
            composante,
        })
        .map_err(|e| invalid(e.to_string()))?;
        let item_id = Uuid::new_v4().simple().to_string();
        {
            let mut store = lock(&self.store);
            self.writable(&mut store, service_id)?;
            let edit = Edit::Item {
                service_id: service_id.into(),
                item_id: item_id.clone(),
                item,
            };
            store.edit(&edit, &self.me.id, OpId(Uuid::new_v4()), now_ms())?;
        }
        self.after_edit()?;
        Ok(item_id)
    }

    /// Deletes a competency item for good; devoirs stop evaluating it.
    pub fn supprimer_item(&self, service_id: &str, item_id: &str) -> Result<(), ReplicaError> {
        {
            let mut store = lock(&self.store);
            let book = self.writable(&mut store, service_id)?;
            book.item(item_id)
                .ok_or_else(|| invalid("cette compétence n'existe pas (ou plus) sur ce poste"))?;
            let edit = Edit::ItemSupprime {
                service_id: service_id.into(),
                item_id: item_id.into(),
            };
            store.edit(&edit, &self.me.id, OpId(Uuid::new_v4()), now_ms())?;
        }
        self.after_edit()
    }

    /// Records a level (`1`–`4`, or a code; empty clears the cell) on an item in a devoir.
    pub fn saisir_evaluation(
        &self,
        service_id: &str,
        devoir_id: &str,
        item_id: &str,
        eleve_id: &str,
        texte: &str,
    ) -> Result<(), ReplicaError> {
        {
            let mut store = lock(&self.store);
            let book = self.writable(&mut store, service_id)?;
            let devoir = book.devoir(devoir_id).ok_or_else(gone)?;
            if !devoir.devoir.items().iter().any(|i| i == item_id) || book.item(item_id).is_none() {
                return Err(invalid("cette compétence n'est pas évaluée dans ce devoir"));
            }
            let eleve = eleve_of(&book, eleve_id)?;
            let evaluation = match texte.trim() {
                "" => None,
                typed => Some(Evaluation::parse(typed).map_err(|e| invalid(e.to_string()))?),
            };
            if evaluation.is_some() {
                present(eleve, devoir)?;
            }
            self.open_period(&book, devoir.devoir.periode_id(), &store.annee()?)?;
            if book.evaluation(devoir_id, item_id, eleve_id) == evaluation {
                return Ok(());
            }
            let edit = Edit::Evaluation {
                service_id: service_id.into(),
                devoir_id: devoir_id.into(),
                item_id: item_id.into(),
                eleve_id: eleve_id.into(),
                evaluation,
            };
            store.edit(&edit, &self.me.id, OpId(Uuid::new_v4()), now_ms())?;
        }
        self.after_edit()
    }

    /// Records the positionnement a teacher types (`1`–`4`; empty clears it, and the proposal
    /// shows again). The proposal itself is never stored: it cannot overwrite what she typed.
    pub fn positionner(
        &self,
        service_id: &str,
        periode_id: &str,
        eleve_id: &str,
        texte: &str,
    ) -> Result<(), ReplicaError> {
        {
            let mut store = lock(&self.store);
            let book = self.writable(&mut store, service_id)?;
            eleve_of(&book, eleve_id)?;
            let annee = store.annee()?;
            if !annee.iter().any(|p| p.id == periode_id) {
                return Err(invalid("cette période n'existe pas"));
            }
            let niveau = match texte.trim() {
                "" => None,
                typed => match Evaluation::parse(typed) {
                    Ok(Evaluation::Niveau(n)) => Some(n),
                    _ => {
                        return Err(invalid(format!(
                            "« {} » : un positionnement est un niveau de 1 à 4",
                            typed
                        )));
                    }
                },
            };
            self.open_period(&book, periode_id, &annee)?;
            if book.positionnement(periode_id, eleve_id) == niveau {
                return Ok(());
            }
            let edit = Edit::Positionnement {
                periode_id: periode_id.into(),
                service_id: service_id.into(),
                eleve_id: eleve_id.into(),
                niveau,
            };
            store.edit(&edit, &self.me.id, OpId(Uuid::new_v4()), now_ms())?;
        }
        self.after_edit()
    }

    pub fn carnet(&self, service_id: &str, periode_id: &str) -> Result<CarnetView, ReplicaError> {
        Ok(self.gradebook(service_id)?.view(periode_id))
    }

    /// Every average of a period on this PC (councils, bulletins; the benchmark's measure).
    pub fn moyennes(&self, periode_id: &str) -> Result<MoyennesPeriode, ReplicaError> {
        let mut all = lock(&self.store).moyennes(&[periode_id.to_owned()])?;
        all.pop()
            .ok_or_else(|| ReplicaError::Corrupt("moyennes sans période".into()))
    }

    /// Creates a devoir; returns its id.
    pub fn creer_devoir(
        &self,
        service_id: &str,
        saisie: &DevoirSaisie,
    ) -> Result<String, ReplicaError> {
        let devoir_id = Uuid::new_v4().simple().to_string();
        self.definir_devoir(service_id, &devoir_id, saisie, true)?;
        Ok(devoir_id)
    }

    pub fn modifier_devoir(
        &self,
        service_id: &str,
        devoir_id: &str,
        saisie: &DevoirSaisie,
    ) -> Result<(), ReplicaError> {
        self.definir_devoir(service_id, devoir_id, saisie, false)
    }

    fn definir_devoir(
        &self,
        service_id: &str,
        devoir_id: &str,
        saisie: &DevoirSaisie,
        nouveau: bool,
    ) -> Result<(), ReplicaError> {
        {
            let mut store = lock(&self.store);
            let book = self.writable(&mut store, service_id)?;
            let devoir = saisie.devoir(&store.annee()?)?;
            if let Some(unknown) = devoir.items().iter().find(|i| book.item(i).is_none()) {
                return Err(invalid(format!(
                    "compétence « {unknown} » inconnue sur ce poste : créez-la d'abord"
                )));
            }
            self.open_period(&book, devoir.periode_id(), &store.annee()?)?;
            if !nouveau {
                let before = book.devoir(devoir_id).ok_or_else(gone)?;
                self.open_period(&book, before.devoir.periode_id(), &store.annee()?)?;
                let over = book
                    .notes
                    .iter()
                    .filter(|n| n.devoir_id == devoir_id)
                    .filter(|n| {
                        n.note
                            .and_then(Note::points)
                            .is_some_and(|p| p > devoir.bareme())
                    })
                    .count();
                if over > 0 {
                    return Err(invalid(format!(
                        "{over} note(s) déjà saisie(s) dépassent {} : corrigez-les avant de baisser le barème",
                        devoir.bareme()
                    )));
                }
                if before.devoir == devoir {
                    return Ok(());
                }
            }
            let edit = Edit::Devoir {
                service_id: service_id.into(),
                devoir_id: devoir_id.into(),
                devoir,
            };
            store.edit(&edit, &self.me.id, OpId(Uuid::new_v4()), now_ms())?;
        }
        self.after_edit()
    }

    /// Deletes a devoir for good (its marks go with it): it never comes back.
    pub fn supprimer_devoir(&self, service_id: &str, devoir_id: &str) -> Result<(), ReplicaError> {
        {
            let mut store = lock(&self.store);
            let book = self.writable(&mut store, service_id)?;
            let devoir = book.devoir(devoir_id).ok_or_else(gone)?;
            self.open_period(&book, devoir.devoir.periode_id(), &store.annee()?)?;
            let edit = Edit::DevoirSupprime {
                service_id: service_id.into(),
                devoir_id: devoir_id.into(),
            };
            store.edit(&edit, &self.me.id, OpId(Uuid::new_v4()), now_ms())?;
        }
        self.after_edit()
    }

    /// Records a cell as typed (`12,5`, `abs`, empty to clear it). A value the cell cannot take
    /// is refused with the reason, and nothing is written.
    pub fn saisir_note(
        &self,
        service_id: &str,
        devoir_id: &str,
        eleve_id: &str,
        texte: &str,
    ) -> Result<(), ReplicaError> {
        {
            let mut store = lock(&self.store);
            // Only what this cell is checked against: typing stays as fast as a spreadsheet.
            let book = store
                .gradebook_cell(service_id, devoir_id, eleve_id)?
                .ok_or_else(|| invalid("ce service n'est pas sur ce poste"))?;
            self.may_edit(&book)?;
            let Some(edit) = self.cell(&book, devoir_id, eleve_id, texte, &store.annee()?)? else {
                return Ok(());
            };
            store.edit(&edit, &self.me.id, OpId(Uuid::new_v4()), now_ms())?;
        }
        self.after_edit()
    }

    /// Pastes a column (one cell per line, as a spreadsheet copies it) from pupil
    /// `depuis_eleve_id` down the grid's order, skipping pupils who take no mark in the devoir.
    /// Every line is checked first: one bad line refuses the whole paste, naming it. Returns how
    /// many cells changed.
    pub fn coller_notes(
        &self,
        service_id: &str,
        devoir_id: &str,
        depuis_eleve_id: &str,
        texte: &str,
    ) -> Result<u32, ReplicaError> {
        let lignes: Vec<&str> = texte.trim_end_matches(['\n', '\r']).lines().collect();
        if lignes.len() > COLLER_MAX_LIGNES {
            return Err(invalid(format!(
                "{} lignes collées : au plus {COLLER_MAX_LIGNES}",
                lignes.len()
            )));
        }
        let changed = {
            let mut store = lock(&self.store);
            let book = self.writable(&mut store, service_id)?;
            let annee = store.annee()?;
            let devoir = book.devoir(devoir_id).ok_or_else(gone)?;
            let start = book
                .eleves
                .iter()
                .position(|e| e.eleve_id == depuis_eleve_id)
                .ok_or_else(not_in_class)?;
            let targets = book.eleves[start..]
                .iter()
                .filter(|e| e.inscrit_le(devoir.devoir.date()));
            let mut edits = Vec::new();
            let mut pairs = 0;
            for (n, (ligne, eleve)) in lignes.iter().zip(targets).enumerate() {
                pairs += 1;
                let cell = ligne.split('\t').next().unwrap_or_default();
                match self.cell(&book, devoir_id, &eleve.eleve_id, cell, &annee) {
                    Ok(Some(edit)) => edits.push((edit, OpId(Uuid::new_v4()))),
                    Ok(None) => {}
                    Err(e) => {
                        return Err(invalid(format!(
                            "ligne {} ({} {}) : {e} — rien n'a été collé",
                            n + 1,
                            eleve.nom,
                            eleve.prenom
                        )));
                    }
                }
            }
            if pairs < lignes.len() {
                return Err(invalid(format!(
                    "{} lignes collées pour {pairs} élève(s) à partir de celui-ci : rien n'a été collé",
                    lignes.len()
                )));
            }
            store.edit_all(&edits, &self.me.id, now_ms())?;
            edits.len() as u32
        };
        self.after_edit()?;
        Ok(changed)
    }

    /// The edit a typed cell makes, `None` when it changes nothing.
    fn cell(
        &self,
        book: &Gradebook,
        devoir_id: &str,
        eleve_id: &str,
        texte: &str,
        annee: &[Periode],
    ) -> Result<Option<Edit>, ReplicaError> {
        let devoir = book.devoir(devoir_id).ok_or_else(gone)?;
        let eleve = eleve_of(book, eleve_id)?;
        let note = match texte.trim() {
            "" => None,
            typed => Some(
                Note::parse(typed, devoir.devoir.bareme()).map_err(|e| invalid(e.to_string()))?,
            ),
        };
        if note.is_some() {
            present(eleve, devoir)?;
        }
        self.open_period(book, devoir.devoir.periode_id(), annee)?;
        if book.note(devoir_id, eleve_id) == note {
            return Ok(None);
        }
        Ok(Some(Edit::Note {
            service_id: book.service.service_id.clone(),
            devoir_id: devoir_id.into(),
            eleve_id: eleve_id.into(),
            note,
        }))
    }

    /// The service's gradebook, if this person may write in it.
    fn writable(
        &self,
        store: &mut crate::store::Store,
        service_id: &str,
    ) -> Result<Gradebook, ReplicaError> {
        let book = store
            .gradebook(service_id)?
            .ok_or_else(|| invalid("ce service n'est pas sur ce poste"))?;
        self.may_edit(&book)?;
        Ok(book)
    }

    /// Whether this person may write in the service's gradebook (`may_write`).
    fn may_edit(&self, book: &Gradebook) -> Result<(), ReplicaError> {
        let teaches = book.service.enseignant_id == self.me.id;
        may_write(
            self.me.fonction,
            EntityKind::Devoir,
            FIELD_DEFINITION,
            teaches,
        )
        .map_err(invalid)
    }

    pub(super) fn gradebook(&self, service_id: &str) -> Result<Gradebook, ReplicaError> {
        lock(&self.store)
            .gradebook(service_id)?
            .ok_or_else(|| invalid("ce service n'est pas sur ce poste"))
    }

    /// Refuses an edit in a period whose council is closed for one of the service's divisions.
    fn open_period(
        &self,
        book: &Gradebook,
        periode_id: &str,
        annee: &[Periode],
    ) -> Result<(), ReplicaError> {
        let Some(division) = book.verrouille(periode_id) else {
            return Ok(());
        };
        let periode = annee
            .iter()
            .find(|p| p.id == periode_id)
            .map_or(periode_id, |p| p.libelle.as_str());
        Err(invalid(pupitre_domain::conseil::motif_verrou(
            division, periode,
        )))
    }
}

fn not_in_class() -> ReplicaError {
    invalid("cet élève n'est pas dans cette classe ou ce groupe")
}

/// The pupil of the service's class a cell is for.
fn eleve_of<'a>(book: &'a Gradebook, eleve_id: &str) -> Result<&'a EleveRow, ReplicaError> {
    book.eleve(eleve_id).ok_or_else(not_in_class)
}

/// Refuses a value for a pupil who was not in the class on the devoir's date (arrived later,
/// left before).
fn present(eleve: &EleveRow, devoir: &DevoirRow) -> Result<(), ReplicaError> {
    if eleve.inscrit_le(devoir.devoir.date()) {
        return Ok(());
    }
    Err(invalid(format!(
        "{} {} n'était pas dans cette classe le {} (arrivée après, ou partie avant) : rien à saisir pour ce devoir",
        eleve.nom,
        eleve.prenom,
        devoir.devoir.date().format("%d/%m/%Y")
    )))
}

fn gone() -> ReplicaError {
    invalid("ce devoir n'existe pas (ou plus) sur ce poste")
}
