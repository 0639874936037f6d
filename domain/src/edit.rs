//! The values a person edits, as (entity, field, value) triples: the unit that syncs.
//!
//! The wire carries JSON; `Edit::parse` is the one place that turns it back into a typed value, so
//! the central service and the replica reject the same bad input the same way.

use crate::absences::{self, Dispense, Justification, Rapport, Reglages};
use crate::competences::{Evaluation, Item, Niveau};
use crate::conseil::{Appreciation, Decision, EtatConseil};
use crate::devoir::Devoir;
use crate::faits::Fait;
use crate::notes::Note;
use crate::notifications::{Envoi, Notification};
use crate::presence::{AppelEtat, Presence};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

/// The kinds of mutable records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    /// A séance's roll call; id = the séance id.
    Appel,
    /// One pupil in a roll call; id = `<séance id>/<élève id>`. Two fields, two owners: the
    /// teacher's observation (`statut`) and the vie scolaire's fact (`fait`), see `faits.rs`.
    Presence,
    /// A division's class council for a period; id = `<période id>/<division id>`.
    Conseil,
    /// A pupil's appreciation in a service for a period; id = `<période>/<service>/<élève>`.
    Appreciation,
    /// A devoir of a service; id = `<service>/<devoir>` (the devoir id is made by the PC that
    /// creates it, unique on its own). Two fields: its definition and its deletion.
    Devoir,
    /// A pupil's mark in a devoir; id = `<service>/<devoir>/<élève>`.
    Note,
    /// A competency item of a service; id = `<service>/<item>`. Like a devoir: a definition
    /// and a deletion.
    Item,
    /// A pupil's level on an item in a devoir; id = `<service>/<devoir>/<item>/<élève>`.
    Evaluation,
    /// A pupil's positionnement in a service for a period; id = `<période>/<service>/<élève>`.
    Positionnement,
    /// An absence the vie scolaire records (a span, its justification, its deletion); id =
    /// `<élève>/<absence>` (made by the PC that creates it).
    Absence,
    /// A dispense on file; id = `<élève>/<dispense>`.
    Dispense,
    /// The school's vie scolaire settings; one record, id = `vie_scolaire`.
    Reglages,
    /// A family told of an absence; id = `<élève>/<AAAAMMJJ>` (one per pupil and day). Two
    /// fields: the message (the vie scolaire's) and its sending (the central's).
    Notification,
    /// What a class council decides for a pupil; id = `<période>/<division>/<élève>`. Four
    /// fields (`conseil::Decision`): the general appreciation, the mention, the avis
    /// d'orientation, and the CPE's vie scolaire appreciation.
    Decision,
}

/// The one id of the settings' record.
pub const REGLAGES_ID: &str = "vie_scolaire";

const KINDS: [EntityKind; 14] = [
    EntityKind::Appel,
    EntityKind::Presence,
    EntityKind::Conseil,
    EntityKind::Appreciation,
    EntityKind::Devoir,
    EntityKind::Note,
    EntityKind::Item,
    EntityKind::Evaluation,
    EntityKind::Positionnement,
    EntityKind::Absence,
    EntityKind::Dispense,
    EntityKind::Reglages,
    EntityKind::Notification,
    EntityKind::Decision,
];

impl EntityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Appel => "appel",
            EntityKind::Presence => "presence",
            EntityKind::Conseil => "conseil",
            EntityKind::Appreciation => "appreciation",
            EntityKind::Devoir => "devoir",
            EntityKind::Note => "note",
            EntityKind::Item => "item",
            EntityKind::Evaluation => "evaluation",
            EntityKind::Positionnement => "positionnement",
            EntityKind::Absence => "absence",
            EntityKind::Dispense => "dispense",
            EntityKind::Reglages => "reglages",
            EntityKind::Notification => "notification",
            EntityKind::Decision => "decision",
        }
    }

    pub fn parse(text: &str) -> Option<EntityKind> {
        KINDS.into_iter().find(|k| k.as_str() == text)
    }
}

/// An entity's id, parsed: what it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntityKey {
    Appel {
        seance_id: String,
    },
    Presence {
        seance_id: String,
        eleve_id: String,
    },
    Conseil {
        periode_id: String,
        division_id: String,
    },
    Appreciation {
        periode_id: String,
        service_id: String,
        eleve_id: String,
    },
    Devoir {
        service_id: String,
        devoir_id: String,
    },
    Note {
        service_id: String,
        devoir_id: String,
        eleve_id: String,
    },
    Item {
        service_id: String,
        item_id: String,
    },
    Evaluation {
        service_id: String,
        devoir_id: String,
        item_id: String,
        eleve_id: String,
    },
    Positionnement {
        periode_id: String,
        service_id: String,
        eleve_id: String,
    },
    Absence {
        eleve_id: String,
        absence_id: String,
    },
    Dispense {
        eleve_id: String,
        dispense_id: String,
    },
    Reglages,
    Notification {
        eleve_id: String,
        /// `AAAAMMJJ`.
        jour: String,
    },
    Decision {
        periode_id: String,
        division_id: String,
        eleve_id: String,
    },
}

impl EntityKey {
    pub fn kind(&self) -> EntityKind {
        match self {
            EntityKey::Appel { .. } => EntityKind::Appel,
            EntityKey::Presence { .. } => EntityKind::Presence,
            EntityKey::Conseil { .. } => EntityKind::Conseil,
            EntityKey::Appreciation { .. } => EntityKind::Appreciation,
            EntityKey::Devoir { .. } => EntityKind::Devoir,
            EntityKey::Note { .. } => EntityKind::Note,
            EntityKey::Item { .. } => EntityKind::Item,
            EntityKey::Evaluation { .. } => EntityKind::Evaluation,
            EntityKey::Positionnement { .. } => EntityKind::Positionnement,
            EntityKey::Absence { .. } => EntityKind::Absence,
            EntityKey::Dispense { .. } => EntityKind::Dispense,
            EntityKey::Reglages => EntityKind::Reglages,
            EntityKey::Notification { .. } => EntityKind::Notification,
            EntityKey::Decision { .. } => EntityKind::Decision,
        }
    }

    /// The id's text form, the one place it is written (`parse` reads it back); the replica's
    /// SQL calls it through functions registered on its connection.
    pub fn id(&self) -> String {
        match self {
            EntityKey::Appel { seance_id } => seance_id.clone(),
            EntityKey::Presence {
                seance_id,
                eleve_id,
            } => format!("{seance_id}/{eleve_id}"),
            EntityKey::Conseil {
                periode_id,
                division_id,
            } => format!("{periode_id}/{division_id}"),
            EntityKey::Appreciation {
                periode_id,
                service_id: parent,
                eleve_id,
            }
            | EntityKey::Decision {
                periode_id,
                division_id: parent,
                eleve_id,
            } => format!("{periode_id}/{parent}/{eleve_id}"),
            EntityKey::Devoir {
                service_id,
                devoir_id,
            } => format!("{service_id}/{devoir_id}"),
            EntityKey::Note {
                service_id,
                devoir_id,
                eleve_id,
            } => format!("{service_id}/{devoir_id}/{eleve_id}"),
            EntityKey::Item {
                service_id,
                item_id,
            } => format!("{service_id}/{item_id}"),
            EntityKey::Evaluation {
                service_id,
                devoir_id,
                item_id,
                eleve_id,
            } => format!("{service_id}/{devoir_id}/{item_id}/{eleve_id}"),
            EntityKey::Positionnement {
                periode_id,
                service_id,
                eleve_id,
            } => format!("{periode_id}/{service_id}/{eleve_id}"),
            EntityKey::Absence {
                eleve_id,
                absence_id: id,
            }
            | EntityKey::Dispense {
                eleve_id,
                dispense_id: id,
            }
            | EntityKey::Notification { eleve_id, jour: id } => format!("{eleve_id}/{id}"),
            EntityKey::Reglages => REGLAGES_ID.to_owned(),
        }
    }

    pub fn parse(kind: EntityKind, id: &str) -> Result<EntityKey, InvalidEdit> {
        let parts: Vec<&str> = id.split('/').collect();
        let bad = || InvalidEdit::BadId(id.to_owned());
        for part in &parts {
            check_id(part)?;
        }
        let owned = |i: usize| parts[i].to_owned();
        Ok(match (kind, parts.len()) {
            (EntityKind::Appel, 1) => EntityKey::Appel {
                seance_id: owned(0),
            },
            (EntityKind::Presence, 2) => EntityKey::Presence {
                seance_id: owned(0),
                eleve_id: owned(1),
            },
            (EntityKind::Conseil, 2) => EntityKey::Conseil {
                periode_id: owned(0),
                division_id: owned(1),
            },
            (EntityKind::Appreciation, 3) => EntityKey::Appreciation {
                periode_id: owned(0),
                service_id: owned(1),
                eleve_id: owned(2),
            },
            (EntityKind::Decision, 3) => EntityKey::Decision {
                periode_id: owned(0),
                division_id: owned(1),
                eleve_id: owned(2),
            },
            (EntityKind::Devoir, 2) => EntityKey::Devoir {
                service_id: owned(0),
                devoir_id: owned(1),
            },
            (EntityKind::Note, 3) => EntityKey::Note {
                service_id: owned(0),
                devoir_id: owned(1),
                eleve_id: owned(2),
            },
            (EntityKind::Item, 2) => EntityKey::Item {
                service_id: owned(0),
                item_id: owned(1),
            },
            (EntityKind::Evaluation, 4) => EntityKey::Evaluation {
                service_id: owned(0),
                devoir_id: owned(1),
                item_id: owned(2),
                eleve_id: owned(3),
            },
            (EntityKind::Positionnement, 3) => EntityKey::Positionnement {
                periode_id: owned(0),
                service_id: owned(1),
                eleve_id: owned(2),
            },
            (EntityKind::Absence, 2) => EntityKey::Absence {
                eleve_id: owned(0),
                absence_id: owned(1),
            },
            (EntityKind::Dispense, 2) => EntityKey::Dispense {
                eleve_id: owned(0),
                dispense_id: owned(1),
            },
            (EntityKind::Reglages, 1) if id == REGLAGES_ID => EntityKey::Reglages,
            (EntityKind::Notification, 2)
                if parts[1].len() == 8 && parts[1].bytes().all(|b| b.is_ascii_digit()) =>
            {
                EntityKey::Notification {
                    eleve_id: owned(0),
                    jour: owned(1),
                }
            }
            _ => return Err(bad()),
        })
    }

    /// The séance of a roll-call entity.
    pub fn seance_id(&self) -> Option<&str> {
        match self {
            EntityKey::Appel { seance_id } | EntityKey::Presence { seance_id, .. } => {
                Some(seance_id)
            }
            _ => None,
        }
    }

    /// The pupil an entity is about, if one.
    pub fn eleve_id(&self) -> Option<&str> {
        match self {
            EntityKey::Presence { eleve_id, .. }
            | EntityKey::Appreciation { eleve_id, .. }
            | EntityKey::Note { eleve_id, .. }
            | EntityKey::Evaluation { eleve_id, .. }
            | EntityKey::Positionnement { eleve_id, .. }
            | EntityKey::Absence { eleve_id, .. }
            | EntityKey::Dispense { eleve_id, .. }
            | EntityKey::Decision { eleve_id, .. }
            | EntityKey::Notification { eleve_id, .. } => Some(eleve_id),
            EntityKey::Appel { .. }
            | EntityKey::Conseil { .. }
            | EntityKey::Devoir { .. }
            | EntityKey::Item { .. }
            | EntityKey::Reglages => None,
        }
    }

    /// The service a record belongs to, if one (appreciations, devoirs, marks).
    pub fn service_id(&self) -> Option<&str> {
        match self {
            EntityKey::Appreciation { service_id, .. }
            | EntityKey::Devoir { service_id, .. }
            | EntityKey::Note { service_id, .. }
            | EntityKey::Item { service_id, .. }
            | EntityKey::Evaluation { service_id, .. }
            | EntityKey::Positionnement { service_id, .. } => Some(service_id),
            EntityKey::Appel { .. }
            | EntityKey::Presence { .. }
            | EntityKey::Conseil { .. }
            | EntityKey::Absence { .. }
            | EntityKey::Dispense { .. }
            | EntityKey::Reglages
            | EntityKey::Decision { .. }
            | EntityKey::Notification { .. } => None,
        }
    }

    /// The item an item's or an evaluation's record belongs to, as an item key.
    pub fn item(&self) -> Option<EntityKey> {
        match self {
            EntityKey::Item {
                service_id,
                item_id,
            }
            | EntityKey::Evaluation {
                service_id,
                item_id,
                ..
            } => Some(EntityKey::Item {
                service_id: service_id.clone(),
                item_id: item_id.clone(),
            }),
            _ => None,
        }
    }

    /// Whether the record is one of the vie scolaire's own (absences, dispenses, the settings,
    /// the families' notifications), which belong to no séance nor service.
    pub fn in_vie_scolaire(&self) -> bool {
        matches!(
            self,
            EntityKey::Absence { .. }
                | EntityKey::Dispense { .. }
                | EntityKey::Reglages
                | EntityKey::Notification { .. }
        )
    }

    /// Whether the record is the gradebook's (devoirs, marks, items, evaluations,
    /// positionnements).
    pub fn in_gradebook(&self) -> bool {
        matches!(
            self,
            EntityKey::Devoir { .. }
                | EntityKey::Note { .. }
                | EntityKey::Item { .. }
                | EntityKey::Evaluation { .. }
                | EntityKey::Positionnement { .. }
        )
    }

    /// A mark's id read in place as (service, devoir, pupil), without building a key: what a
    /// read of a whole year's marks needs (`parse` is the strict reading).
    pub fn note_parts(id: &str) -> Option<(&str, &str, &str)> {
        let mut parts = id.split('/');
        let parts = (parts.next()?, parts.next()?, parts.next()?, parts.next());
        match parts {
            (s, d, e, None) if [s, d, e].iter().all(|p| is_id(p)) => Some((s, d, e)),
            _ => None,
        }
    }

    /// The ids below `parent` (a service's devoirs and marks, a devoir's marks) as a range
    /// `[from, to)`: their ids begin with the parent's and a `/`, which no id part holds, and `0`
    /// follows `/` in ASCII.
    pub fn children_range(parent: &str) -> (String, String) {
        (format!("{parent}/"), format!("{parent}0"))
    }

    /// The devoir a devoir's or a mark's record belongs to, as a devoir key.
    pub fn devoir(&self) -> Option<EntityKey> {
        match self {
            EntityKey::Devoir {
                service_id,
                devoir_id,
            }
            | EntityKey::Note {
                service_id,
                devoir_id,
                ..
            }
            | EntityKey::Evaluation {
                service_id,
                devoir_id,
                ..
            } => Some(EntityKey::Devoir {
                service_id: service_id.clone(),
                devoir_id: devoir_id.clone(),
            }),
            _ => None,
        }
    }
}

/// A typed edit of one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    AppelEtat {
        seance_id: String,
        etat: AppelEtat,
    },
    Presence {
        seance_id: String,
        eleve_id: String,
        presence: Presence,
    },
    /// The vie scolaire's fact about a pupil in a séance (field `fait` of the presence record).
    Fait {
        seance_id: String,
        eleve_id: String,
        fait: Fait,
    },
    Conseil {
        periode_id: String,
        division_id: String,
        etat: EtatConseil,
    },
    /// What the council decides for a pupil, one field of four.
    Decision {
        periode_id: String,
        division_id: String,
        eleve_id: String,
        decision: Decision,
    },
    Appreciation {
        periode_id: String,
        service_id: String,
        eleve_id: String,
        texte: Appreciation,
    },
    /// A devoir's definition (created or edited).
    Devoir {
        service_id: String,
        devoir_id: String,
        devoir: Devoir,
    },
    /// A devoir deleted: its one value is `true`, and it never goes back.
    DevoirSupprime {
        service_id: String,
        devoir_id: String,
    },
    /// A pupil's mark in a devoir; `None` empties the cell.
    Note {
        service_id: String,
        devoir_id: String,
        eleve_id: String,
        note: Option<Note>,
    },
    /// A competency item's definition (created or edited).
    Item {
        service_id: String,
        item_id: String,
        item: Item,
    },
    /// An item deleted: like a devoir, it never comes back.
    ItemSupprime {
        service_id: String,
        item_id: String,
    },
    /// A pupil's level on an item in a devoir; `None` empties the cell.
    Evaluation {
        service_id: String,
        devoir_id: String,
        item_id: String,
        eleve_id: String,
        evaluation: Option<Evaluation>,
    },
    /// A positionnement the teacher typed; `None` clears it (the suggestion shows again).
    Positionnement {
        periode_id: String,
        service_id: String,
        eleve_id: String,
        niveau: Option<Niveau>,
    },
    /// The justification of a lateness (field `justification` of the roll-call record).
    RetardJustifie {
        seance_id: String,
        eleve_id: String,
        justification: Justification,
    },
    /// The teacher's report of an exclusion from class (field `rapport`); `None` withdraws it.
    Rapport {
        seance_id: String,
        eleve_id: String,
        rapport: Option<Rapport>,
    },
    /// An absence's span (created or corrected).
    Absence {
        eleve_id: String,
        absence_id: String,
        absence: absences::Absence,
    },
    /// An absence's justification.
    AbsenceJustifiee {
        eleve_id: String,
        absence_id: String,
        justification: Justification,
    },
    /// An absence deleted (entered by mistake): one-way, like a devoir.
    AbsenceSupprimee {
        eleve_id: String,
        absence_id: String,
    },
    Dispense {
        eleve_id: String,
        dispense_id: String,
        dispense: Dispense,
    },
    DispenseSupprimee {
        eleve_id: String,
        dispense_id: String,
    },
    /// The school's vie scolaire settings.
    Reglages {
        reglages: Reglages,
    },
    /// A family notification's message, written once.
    Notification {
        eleve_id: String,
        jour: String,
        notification: Notification,
    },
    /// What became of its sending: written by the central only.
    Envoi {
        eleve_id: String,
        jour: String,
        envoi: Envoi,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidEdit {
    #[error("champ inconnu « {field} » pour {kind:?}")]
    UnknownField { kind: EntityKind, field: String },
    #[error("identifiant invalide « {0} »")]
    BadId(String),
    #[error("valeur invalide pour {field} : {reason}")]
    BadValue { field: String, reason: String },
}

pub const FIELD_ETAT: &str = "etat";
pub const FIELD_STATUT: &str = "statut";
pub const FIELD_TEXTE: &str = "texte";
pub const FIELD_FAIT: &str = "fait";
pub const FIELD_DEFINITION: &str = "definition";
pub const FIELD_SUPPRIME: &str = "supprime";
pub const FIELD_VALEUR: &str = "valeur";
pub const FIELD_NIVEAU: &str = "niveau";
pub const FIELD_JUSTIFICATION: &str = "justification";
pub const FIELD_RAPPORT: &str = "rapport";
pub const FIELD_MESSAGE: &str = "message";
pub const FIELD_ENVOI: &str = "envoi";
pub const FIELD_APPRECIATION: &str = "appreciation";
pub const FIELD_MENTION: &str = "mention";
pub const FIELD_ORIENTATION: &str = "orientation";
pub const FIELD_VIE_SCOLAIRE: &str = "vie_scolaire";

impl Edit {
    pub fn kind(&self) -> EntityKind {
        match self {
            Edit::AppelEtat { .. } => EntityKind::Appel,
            Edit::Presence { .. }
            | Edit::Fait { .. }
            | Edit::RetardJustifie { .. }
            | Edit::Rapport { .. } => EntityKind::Presence,
            Edit::Conseil { .. } => EntityKind::Conseil,
            Edit::Appreciation { .. } => EntityKind::Appreciation,
            Edit::Devoir { .. } | Edit::DevoirSupprime { .. } => EntityKind::Devoir,
            Edit::Note { .. } => EntityKind::Note,
            Edit::Item { .. } | Edit::ItemSupprime { .. } => EntityKind::Item,
            Edit::Evaluation { .. } => EntityKind::Evaluation,
            Edit::Positionnement { .. } => EntityKind::Positionnement,
            Edit::Absence { .. }
            | Edit::AbsenceJustifiee { .. }
            | Edit::AbsenceSupprimee { .. } => EntityKind::Absence,
            Edit::Dispense { .. } | Edit::DispenseSupprimee { .. } => EntityKind::Dispense,
            Edit::Reglages { .. } => EntityKind::Reglages,
            Edit::Notification { .. } | Edit::Envoi { .. } => EntityKind::Notification,
            Edit::Decision { .. } => EntityKind::Decision,
        }
    }

    pub fn entity_id(&self) -> String {
        self.key().id()
    }

    /// The entity this edit is about. One line per variant: it reads as the table it is.
    #[rustfmt::skip]
    pub fn key(&self) -> EntityKey {
        let o = |s: &String| s.clone();
        match self {
            Edit::AppelEtat { seance_id, .. } => EntityKey::Appel { seance_id: o(seance_id) },
            Edit::Presence { seance_id, eleve_id, .. } | Edit::Fait { seance_id, eleve_id, .. }
            | Edit::RetardJustifie { seance_id, eleve_id, .. } | Edit::Rapport { seance_id, eleve_id, .. } =>
                EntityKey::Presence { seance_id: o(seance_id), eleve_id: o(eleve_id) },
            Edit::Conseil { periode_id, division_id, .. } =>
                EntityKey::Conseil { periode_id: o(periode_id), division_id: o(division_id) },
            Edit::Appreciation { periode_id, service_id, eleve_id, .. } => EntityKey::Appreciation {
                periode_id: o(periode_id), service_id: o(service_id), eleve_id: o(eleve_id),
            },
            Edit::Devoir { service_id, devoir_id, .. } | Edit::DevoirSupprime { service_id, devoir_id } =>
                EntityKey::Devoir { service_id: o(service_id), devoir_id: o(devoir_id) },
            Edit::Note { service_id, devoir_id, eleve_id, .. } => EntityKey::Note {
                service_id: o(service_id), devoir_id: o(devoir_id), eleve_id: o(eleve_id),
            },
            Edit::Item { service_id, item_id, .. } | Edit::ItemSupprime { service_id, item_id } =>
                EntityKey::Item { service_id: o(service_id), item_id: o(item_id) },
            Edit::Evaluation { service_id, devoir_id, item_id, eleve_id, .. } => EntityKey::Evaluation {
                service_id: o(service_id), devoir_id: o(devoir_id), item_id: o(item_id), eleve_id: o(eleve_id),
            },
            Edit::Positionnement { periode_id, service_id, eleve_id, .. } => EntityKey::Positionnement {
                periode_id: o(periode_id), service_id: o(service_id), eleve_id: o(eleve_id),
            },
            Edit::Absence { eleve_id, absence_id, .. } | Edit::AbsenceJustifiee { eleve_id, absence_id, .. }
            | Edit::AbsenceSupprimee { eleve_id, absence_id } =>
                EntityKey::Absence { eleve_id: o(eleve_id), absence_id: o(absence_id) },
            Edit::Dispense { eleve_id, dispense_id, .. } | Edit::DispenseSupprimee { eleve_id, dispense_id } =>
                EntityKey::Dispense { eleve_id: o(eleve_id), dispense_id: o(dispense_id) },
            Edit::Reglages { .. } => EntityKey::Reglages,
            Edit::Notification { eleve_id, jour, .. } | Edit::Envoi { eleve_id, jour, .. } =>
                EntityKey::Notification { eleve_id: o(eleve_id), jour: o(jour) },
            Edit::Decision { periode_id, division_id, eleve_id, .. } => EntityKey::Decision {
                periode_id: o(periode_id), division_id: o(division_id), eleve_id: o(eleve_id),
            },
        }
    }

    pub fn field(&self) -> &'static str {
        match self {
            Edit::AppelEtat { .. } | Edit::Conseil { .. } => FIELD_ETAT,
            Edit::Presence { .. } => FIELD_STATUT,
            Edit::Fait { .. } => FIELD_FAIT,
            Edit::Appreciation { .. } => FIELD_TEXTE,
            Edit::Devoir { .. }
            | Edit::Item { .. }
            | Edit::Absence { .. }
            | Edit::Dispense { .. } => FIELD_DEFINITION,
            Edit::DevoirSupprime { .. }
            | Edit::ItemSupprime { .. }
            | Edit::AbsenceSupprimee { .. }
            | Edit::DispenseSupprimee { .. } => FIELD_SUPPRIME,
            Edit::Note { .. } | Edit::Reglages { .. } => FIELD_VALEUR,
            Edit::RetardJustifie { .. } | Edit::AbsenceJustifiee { .. } => FIELD_JUSTIFICATION,
            Edit::Rapport { .. } => FIELD_RAPPORT,
            Edit::Notification { .. } => FIELD_MESSAGE,
            Edit::Envoi { .. } => FIELD_ENVOI,
            Edit::Evaluation { .. } | Edit::Positionnement { .. } => FIELD_NIVEAU,
            Edit::Decision { decision, .. } => match decision {
                Decision::Appreciation(_) => FIELD_APPRECIATION,
                Decision::Mention(_) => FIELD_MENTION,
                Decision::Orientation(_) => FIELD_ORIENTATION,
                Decision::VieScolaire(_) => FIELD_VIE_SCOLAIRE,
            },
        }
    }

    pub fn value(&self) -> Value {
        // Serializing these plain values cannot fail.
        match self {
            Edit::AppelEtat { etat, .. } => serde_json::to_value(etat),
            Edit::Presence { presence, .. } => serde_json::to_value(presence),
            Edit::Fait { fait, .. } => serde_json::to_value(fait),
            Edit::Conseil { etat, .. } => serde_json::to_value(etat),
            Edit::Appreciation { texte, .. } => serde_json::to_value(texte),
            Edit::Devoir { devoir, .. } => serde_json::to_value(devoir),
            Edit::DevoirSupprime { .. }
            | Edit::ItemSupprime { .. }
            | Edit::AbsenceSupprimee { .. }
            | Edit::DispenseSupprimee { .. } => Ok(Value::Bool(true)),
            Edit::Note { note, .. } => serde_json::to_value(note),
            Edit::Item { item, .. } => serde_json::to_value(item),
            Edit::Evaluation { evaluation, .. } => serde_json::to_value(evaluation),
            Edit::Positionnement { niveau, .. } => serde_json::to_value(niveau),
            Edit::RetardJustifie { justification, .. }
            | Edit::AbsenceJustifiee { justification, .. } => serde_json::to_value(justification),
            Edit::Rapport { rapport, .. } => serde_json::to_value(rapport),
            Edit::Absence { absence, .. } => serde_json::to_value(absence),
            Edit::Dispense { dispense, .. } => serde_json::to_value(dispense),
            Edit::Reglages { reglages } => serde_json::to_value(reglages),
            Edit::Notification { notification, .. } => serde_json::to_value(notification),
            Edit::Envoi { envoi, .. } => serde_json::to_value(envoi),
            Edit::Decision { decision, .. } => match decision {
                Decision::Appreciation(t) => serde_json::to_value(t),
                Decision::Mention(m) => serde_json::to_value(m),
                Decision::Orientation(t) => serde_json::to_value(t),
                Decision::VieScolaire(t) => serde_json::to_value(t),
            },
        }
        .unwrap_or(Value::Null)
    }

    /// Whether this edit deletes what its field held (an appreciation wiped out, a fact
    /// withdrawn, a cell emptied): its change is a tombstone, which the central keeps until no
    /// replica can still hold the old value. A devoir's deletion is not one: it stands for good,
    /// so that the central can refuse whatever still comes for the devoir.
    pub fn erases(&self) -> bool {
        match self {
            Edit::Appreciation { texte, .. } => texte.as_str().is_empty(),
            Edit::Fait { fait, .. } => *fait == Fait::Aucun,
            Edit::Note { note, .. } => note.is_none(),
            Edit::Evaluation { evaluation, .. } => evaluation.is_none(),
            Edit::Positionnement { niveau, .. } => niveau.is_none(),
            Edit::Rapport { rapport, .. } => rapport.is_none(),
            Edit::Decision { decision, .. } => decision.erases(),
            // An absence or a dispense deleted stands for good, like a devoir.
            Edit::RetardJustifie { .. }
            | Edit::Absence { .. }
            | Edit::AbsenceJustifiee { .. }
            | Edit::AbsenceSupprimee { .. }
            | Edit::Dispense { .. }
            | Edit::DispenseSupprimee { .. }
            | Edit::Reglages { .. }
            | Edit::Notification { .. }
            | Edit::Envoi { .. }
            | Edit::AppelEtat { .. }
            | Edit::Presence { .. }
            | Edit::Conseil { .. }
            | Edit::Devoir { .. }
            | Edit::DevoirSupprime { .. }
            | Edit::Item { .. }
            | Edit::ItemSupprime { .. } => false,
        }
    }

    /// Rebuilds a typed edit from its wire parts, rejecting anything malformed.
    pub fn parse(
        kind: EntityKind,
        entity_id: &str,
        field: &str,
        value: &Value,
    ) -> Result<Edit, InvalidEdit> {
        let key = EntityKey::parse(kind, entity_id)?;
        if key.in_gradebook() {
            return parse_gradebook(key, field, value);
        }
        if let Some(edit) = parse_vie_scolaire(&key, field, value) {
            return edit;
        }
        parse_roll_call_and_council(key, field, value)
    }
}

/// The roll call's and the council's edits, and appreciations, strictly read.
fn parse_roll_call_and_council(
    key: EntityKey,
    field: &str,
    value: &Value,
) -> Result<Edit, InvalidEdit> {
    let kind = key.kind();
    let unknown = || InvalidEdit::UnknownField {
        kind,
        field: field.to_owned(),
    };
    Ok(match (key, field) {
        (EntityKey::Appel { seance_id }, FIELD_ETAT) => {
            let etat = read(field, value)?;
            Edit::AppelEtat { seance_id, etat }
        }
        (
            EntityKey::Presence {
                seance_id,
                eleve_id,
            },
            FIELD_STATUT,
        ) => {
            let presence = read(field, value)?;
            Edit::Presence {
                seance_id,
                eleve_id,
                presence,
            }
        }
        (
            EntityKey::Presence {
                seance_id,
                eleve_id,
            },
            FIELD_FAIT,
        ) => {
            let fait = read(field, value)?;
            Edit::Fait {
                seance_id,
                eleve_id,
                fait,
            }
        }
        (
            EntityKey::Conseil {
                periode_id,
                division_id,
            },
            FIELD_ETAT,
        ) => {
            let etat = read_checked(field, value, EtatConseil::verifier)?;
            Edit::Conseil {
                periode_id,
                division_id,
                etat,
            }
        }
        (
            EntityKey::Appreciation {
                periode_id,
                service_id,
                eleve_id,
            },
            FIELD_TEXTE,
        ) => {
            let texte = read(field, value)?;
            Edit::Appreciation {
                periode_id,
                service_id,
                eleve_id,
                texte,
            }
        }
        (key @ EntityKey::Decision { .. }, _) => return parse_decision(key, field, value),
        _ => return Err(unknown()),
    })
}

/// A council's decision for a pupil, strictly read.
fn parse_decision(key: EntityKey, field: &str, value: &Value) -> Result<Edit, InvalidEdit> {
    let EntityKey::Decision {
        periode_id,
        division_id,
        eleve_id,
    } = key
    else {
        return Err(InvalidEdit::BadId(key.id()));
    };
    let decision = match field {
        FIELD_APPRECIATION => Decision::Appreciation(read(field, value)?),
        FIELD_MENTION => Decision::Mention(read(field, value)?),
        FIELD_ORIENTATION => Decision::Orientation(read(field, value)?),
        FIELD_VIE_SCOLAIRE => Decision::VieScolaire(read(field, value)?),
        _ => {
            return Err(InvalidEdit::UnknownField {
                kind: EntityKind::Decision,
                field: field.to_owned(),
            });
        }
    };
    Ok(Edit::Decision {
        periode_id,
        division_id,
        eleve_id,
        decision,
    })
}

/// The vie scolaire's edits (absences, dispenses, settings, a lateness's justification, an
/// exclusion report); `None` for a field they do not have.
fn parse_vie_scolaire(
    key: &EntityKey,
    field: &str,
    value: &Value,
) -> Option<Result<Edit, InvalidEdit>> {
    let o = |s: &String| s.clone();
    Some(match (key, field) {
        (
            EntityKey::Presence {
                seance_id,
                eleve_id,
            },
            FIELD_JUSTIFICATION,
        ) => read(field, value).map(|justification| Edit::RetardJustifie {
            seance_id: o(seance_id),
            eleve_id: o(eleve_id),
            justification,
        }),
        (
            EntityKey::Presence {
                seance_id,
                eleve_id,
            },
            FIELD_RAPPORT,
        ) => read(field, value).map(|rapport| Edit::Rapport {
            seance_id: o(seance_id),
            eleve_id: o(eleve_id),
            rapport,
        }),
        _ => return parse_vie_scolaire_records(key, field, value),
    })
}

/// Absences, dispenses and the settings, strictly read; `None` for another record.
fn parse_vie_scolaire_records(
    key: &EntityKey,
    field: &str,
    value: &Value,
) -> Option<Result<Edit, InvalidEdit>> {
    let o = |s: &String| s.clone();
    Some(match (key, field) {
        (
            EntityKey::Absence {
                eleve_id,
                absence_id,
            },
            FIELD_DEFINITION,
        ) => read_checked(field, value, absences::Absence::verifier).map(|absence| Edit::Absence {
            eleve_id: o(eleve_id),
            absence_id: o(absence_id),
            absence,
        }),
        (
            EntityKey::Absence {
                eleve_id,
                absence_id,
            },
            FIELD_JUSTIFICATION,
        ) => read(field, value).map(|justification| Edit::AbsenceJustifiee {
            eleve_id: o(eleve_id),
            absence_id: o(absence_id),
            justification,
        }),
        (
            EntityKey::Absence {
                eleve_id,
                absence_id,
            },
            FIELD_SUPPRIME,
        ) => deleted(field, value).map(|()| Edit::AbsenceSupprimee {
            eleve_id: o(eleve_id),
            absence_id: o(absence_id),
        }),
        (
            EntityKey::Dispense {
                eleve_id,
                dispense_id,
            },
            FIELD_DEFINITION,
        ) => read_checked(field, value, Dispense::verifier).map(|dispense| Edit::Dispense {
            eleve_id: o(eleve_id),
            dispense_id: o(dispense_id),
            dispense,
        }),
        (
            EntityKey::Dispense {
                eleve_id,
                dispense_id,
            },
            FIELD_SUPPRIME,
        ) => deleted(field, value).map(|()| Edit::DispenseSupprimee {
            eleve_id: o(eleve_id),
            dispense_id: o(dispense_id),
        }),
        (EntityKey::Reglages, FIELD_VALEUR) => read_checked(field, value, Reglages::verifier)
            .map(|reglages| Edit::Reglages { reglages }),
        (EntityKey::Notification { .. }, FIELD_MESSAGE | FIELD_ENVOI) => {
            return parse_notification(key, field, value);
        }
        (
            EntityKey::Absence { .. }
            | EntityKey::Dispense { .. }
            | EntityKey::Reglages
            | EntityKey::Notification { .. },
            _,
        ) => Err(InvalidEdit::UnknownField {
            kind: key.kind(),
            field: field.to_owned(),
        }),
        _ => return None,
    })
}

/// A family notification's message or sending, strictly read.
fn parse_notification(
    key: &EntityKey,
    field: &str,
    value: &Value,
) -> Option<Result<Edit, InvalidEdit>> {
    let o = |s: &String| s.clone();
    Some(match (key, field) {
        (EntityKey::Notification { eleve_id, jour }, FIELD_MESSAGE) => {
            read_checked(field, value, Notification::verifier).map(|notification| {
                Edit::Notification {
                    eleve_id: o(eleve_id),
                    jour: o(jour),
                    notification,
                }
            })
        }
        (EntityKey::Notification { eleve_id, jour }, FIELD_ENVOI) => {
            read(field, value).map(|envoi| Edit::Envoi {
                eleve_id: o(eleve_id),
                jour: o(jour),
                envoi,
            })
        }
        _ => return None,
    })
}

/// A field's value, strictly read, then checked by its type's own rule.
fn read_checked<T: serde::de::DeserializeOwned>(
    field: &str,
    value: &Value,
    check: impl Fn(&T) -> Result<(), String>,
) -> Result<T, InvalidEdit> {
    let v: T = read(field, value)?;
    check(&v).map_err(|reason| bad_value(field, reason))?;
    Ok(v)
}

fn bad_value(field: &str, reason: String) -> InvalidEdit {
    InvalidEdit::BadValue {
        field: field.to_owned(),
        reason,
    }
}

/// A deletion's one value, `true`: what is deleted does not come back.
fn deleted(field: &str, value: &Value) -> Result<(), InvalidEdit> {
    if value == &Value::Bool(true) {
        Ok(())
    } else {
        Err(bad_value(
            field,
            "ce qui est supprimé ne revient pas (seule valeur : true)".into(),
        ))
    }
}

/// The gradebook's edits (a devoir's definition or deletion, a mark), strictly read.
fn parse_gradebook(key: EntityKey, field: &str, value: &Value) -> Result<Edit, InvalidEdit> {
    let unknown = InvalidEdit::UnknownField {
        kind: key.kind(),
        field: field.to_owned(),
    };
    let deleted = || deleted(field, value);
    Ok(match (key, field) {
        (
            EntityKey::Devoir {
                service_id,
                devoir_id,
            },
            FIELD_DEFINITION,
        ) => {
            let devoir = read(field, value)?;
            Edit::Devoir {
                service_id,
                devoir_id,
                devoir,
            }
        }
        (
            EntityKey::Devoir {
                service_id,
                devoir_id,
            },
            FIELD_SUPPRIME,
        ) => {
            deleted()?;
            Edit::DevoirSupprime {
                service_id,
                devoir_id,
            }
        }
        (
            EntityKey::Note {
                service_id,
                devoir_id,
                eleve_id,
            },
            FIELD_VALEUR,
        ) => {
            let note = read(field, value)?;
            Edit::Note {
                service_id,
                devoir_id,
                eleve_id,
                note,
            }
        }
        (key, field) => return parse_competences(key, field, value, deleted).ok_or(unknown)?,
    })
}

/// The competencies' edits (an item's definition or deletion, an evaluation, a
/// positionnement); `None` for a field they do not have.
fn parse_competences(
    key: EntityKey,
    field: &str,
    value: &Value,
    deleted: impl Fn() -> Result<(), InvalidEdit>,
) -> Option<Result<Edit, InvalidEdit>> {
    Some(match (key, field) {
        (
            EntityKey::Item {
                service_id,
                item_id,
            },
            FIELD_DEFINITION,
        ) => read(field, value).map(|item| Edit::Item {
            service_id,
            item_id,
            item,
        }),
        (
            EntityKey::Item {
                service_id,
                item_id,
            },
            FIELD_SUPPRIME,
        ) => deleted().map(|()| Edit::ItemSupprime {
            service_id,
            item_id,
        }),
        (
            EntityKey::Evaluation {
                service_id,
                devoir_id,
                item_id,
                eleve_id,
            },
            FIELD_NIVEAU,
        ) => read(field, value).map(|evaluation| Edit::Evaluation {
            service_id,
            devoir_id,
            item_id,
            eleve_id,
            evaluation,
        }),
        (
            EntityKey::Positionnement {
                periode_id,
                service_id,
                eleve_id,
            },
            FIELD_NIVEAU,
        ) => read(field, value).map(|niveau| Edit::Positionnement {
            periode_id,
            service_id,
            eleve_id,
            niveau,
        }),
        _ => return None,
    })
}

/// A field's value, strictly read.
fn read<T: serde::de::DeserializeOwned>(field: &str, value: &Value) -> Result<T, InvalidEdit> {
    T::deserialize(value).map_err(|e| InvalidEdit::BadValue {
        field: field.to_owned(),
        reason: e.to_string(),
    })
}

/// Ids are short printable tokens; anything else is hostile or broken input.
pub(crate) fn is_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

fn check_id(id: &str) -> Result<&str, InvalidEdit> {
    is_id(id)
        .then_some(id)
        .ok_or_else(|| InvalidEdit::BadId(id.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_a_wiped_appreciation_erases() {
        let cases = [
            (EntityKind::Appreciation, "texte", json!(""), true),
            (EntityKind::Appreciation, "texte", json!("  \n"), true),
            (EntityKind::Appreciation, "texte", json!("Bien."), false),
            (
                EntityKind::Presence,
                "statut",
                json!({"statut": "absent"}),
                false,
            ),
            (EntityKind::Appel, "etat", json!("non_fait"), false),
            (EntityKind::Presence, "fait", json!({"fait": "aucun"}), true),
            (
                EntityKind::Presence,
                "fait",
                json!({"fait": "depart"}),
                false,
            ),
            (EntityKind::Conseil, "etat", json!("preparation"), false),
            (EntityKind::Note, "valeur", json!(null), true),
            (EntityKind::Note, "valeur", json!({"points": 1250}), false),
            (EntityKind::Note, "valeur", json!("abs"), false),
            // A deleted devoir stands for good: the central must go on refusing its marks.
            (EntityKind::Devoir, "supprime", json!(true), false),
            (EntityKind::Item, "supprime", json!(true), false),
            (EntityKind::Evaluation, "niveau", json!(null), true),
            (EntityKind::Evaluation, "niveau", json!("nr"), false),
            (EntityKind::Positionnement, "niveau", json!(null), true),
            (EntityKind::Positionnement, "niveau", json!(3), false),
            (EntityKind::Presence, "rapport", json!(null), true),
            (
                EntityKind::Presence,
                "rapport",
                json!("A lancé une chaise."),
                false,
            ),
            // A deleted absence stands for good: nothing more comes for it.
            (EntityKind::Absence, "supprime", json!(true), false),
            (EntityKind::Dispense, "supprime", json!(true), false),
            (EntityKind::Decision, "appreciation", json!(""), true),
            (
                EntityKind::Decision,
                "appreciation",
                json!("Bon trimestre."),
                false,
            ),
            (EntityKind::Decision, "mention", json!(null), true),
            (
                EntityKind::Decision,
                "mention",
                json!("felicitations"),
                false,
            ),
            (EntityKind::Decision, "orientation", json!(""), true),
            (
                EntityKind::Decision,
                "vie_scolaire",
                json!("Assidu."),
                false,
            ),
        ];
        let ids = |kind| match kind {
            EntityKind::Appreciation | EntityKind::Note | EntityKind::Positionnement => "T1/SV1/E1",
            EntityKind::Presence => "S-1/E1",
            EntityKind::Appel => "S-1",
            EntityKind::Conseil | EntityKind::Devoir | EntityKind::Item => "T1/D6A",
            EntityKind::Evaluation => "SV1/D1/I1/E1",
            EntityKind::Absence | EntityKind::Dispense => "E1/a1",
            EntityKind::Reglages => REGLAGES_ID,
            EntityKind::Notification => "E1/20261130",
            EntityKind::Decision => "T1/D6A/E1",
        };
        for (kind, field, value, erases) in cases {
            let edit = Edit::parse(kind, ids(kind), field, &value).expect("valid edit");
            assert_eq!(edit.erases(), erases, "{kind:?} {value}");
        }
    }

    #[test]
    fn a_mark_s_id_reads_in_place_as_parse_reads_it() {
        let key = EntityKey::Note {
            service_id: "SV1".into(),
            devoir_id: "d-1".into(),
            eleve_id: "E1".into(),
        };
        assert_eq!(EntityKey::note_parts(&key.id()), Some(("SV1", "d-1", "E1")));
        for bad in ["SV1/d-1", "SV1/d-1/E1/x", "SV1//E1", "SV 1/d/E"] {
            assert_eq!(EntityKey::note_parts(bad), None, "{bad}");
            assert!(EntityKey::parse(EntityKind::Note, bad).is_err());
        }
    }

    #[test]
    fn children_lie_in_their_parent_s_range() {
        let (from, to) = EntityKey::children_range("SV1");
        let mark = EntityKey::Note {
            service_id: "SV1".into(),
            devoir_id: "d-1".into(),
            eleve_id: "E1".into(),
        };
        let inside = |id: &str| from.as_str() <= id && id < to.as_str();
        assert!(inside(&mark.id()));
        assert!(inside(&mark.devoir().expect("a devoir").id()));
        for other in ["SV10/d/E1", "SV1", "SV", "SV1.2/d", "SV2/d"] {
            assert!(!inside(other), "{other}");
        }
    }

    #[test]
    fn round_trip_through_parts() {
        let edits = [
            Edit::AppelEtat {
                seance_id: "S-1".into(),
                etat: AppelEtat::Fait,
            },
            Edit::Presence {
                seance_id: "S-1".into(),
                eleve_id: "E42".into(),
                presence: Presence::Absent,
            },
            Edit::Conseil {
                periode_id: "T1".into(),
                division_id: "D6A".into(),
                etat: EtatConseil::simple(crate::ConseilEtat::Clos),
            },
            Edit::Conseil {
                periode_id: "T1".into(),
                division_id: "D6A".into(),
                etat: EtatConseil::simple(crate::ConseilEtat::Clos)
                    .rouvert("Une note de SVT manquait.")
                    .expect("reopened"),
            },
            Edit::Decision {
                periode_id: "T1".into(),
                division_id: "D6A".into(),
                eleve_id: "E42".into(),
                decision: Decision::Appreciation(
                    crate::conseil::AppreciationGenerale::new("Trimestre sérieux, continuez !")
                        .expect("valid"),
                ),
            },
            Edit::Decision {
                periode_id: "T1".into(),
                division_id: "D6A".into(),
                eleve_id: "E42".into(),
                decision: Decision::Mention(Some(crate::conseil::Mention::MiseEnGardeAssiduite)),
            },
            Edit::Decision {
                periode_id: "T1".into(),
                division_id: "D6A".into(),
                eleve_id: "E42".into(),
                decision: Decision::Orientation(
                    crate::conseil::AvisOrientation::new("Favorable à la 2de GT").expect("valid"),
                ),
            },
            Edit::Decision {
                periode_id: "T1".into(),
                division_id: "D6A".into(),
                eleve_id: "E42".into(),
                decision: Decision::VieScolaire(
                    Appreciation::new("Élève ponctuel.").expect("valid"),
                ),
            },
            Edit::Fait {
                seance_id: "S-1".into(),
                eleve_id: "E42".into(),
                fait: Fait::Infirmerie,
            },
            Edit::Appreciation {
                periode_id: "T1".into(),
                service_id: "SV1".into(),
                eleve_id: "E42".into(),
                texte: Appreciation::new("Bon trimestre.").expect("valid"),
            },
            Edit::Devoir {
                service_id: "SV1".into(),
                devoir_id: "0f3a".into(),
                devoir: serde_json::from_value(json!({"titre": "DS 1", "date": "2026-10-05",
                    "periode_id": "T1", "coefficient_centiemes": 200, "bareme_centiemes": 1000,
                    "compte": false}))
                .expect("valid"),
            },
            Edit::DevoirSupprime {
                service_id: "SV1".into(),
                devoir_id: "0f3a".into(),
            },
            Edit::Note {
                service_id: "SV1".into(),
                devoir_id: "0f3a".into(),
                eleve_id: "E42".into(),
                note: Some(crate::Note::Valeur(crate::Centiemes(1250))),
            },
            Edit::Note {
                service_id: "SV1".into(),
                devoir_id: "0f3a".into(),
                eleve_id: "E42".into(),
                note: Some(crate::Note::Nr),
            },
            Edit::Note {
                service_id: "SV1".into(),
                devoir_id: "0f3a".into(),
                eleve_id: "E42".into(),
                note: None,
            },
            Edit::Item {
                service_id: "SV1".into(),
                item_id: "it1".into(),
                item: serde_json::from_value(
                    json!({"libelle": "Rédiger", "composante": "CPD_FRA"}),
                )
                .expect("valid"),
            },
            Edit::ItemSupprime {
                service_id: "SV1".into(),
                item_id: "it1".into(),
            },
            Edit::Evaluation {
                service_id: "SV1".into(),
                devoir_id: "0f3a".into(),
                item_id: "it1".into(),
                eleve_id: "E42".into(),
                evaluation: Some(crate::Evaluation::Niveau(crate::Niveau::MaitriseFragile)),
            },
            Edit::Positionnement {
                periode_id: "T1".into(),
                service_id: "SV1".into(),
                eleve_id: "E42".into(),
                niveau: Some(crate::Niveau::TresBonneMaitrise),
            },
            Edit::Positionnement {
                periode_id: "T1".into(),
                service_id: "SV1".into(),
                eleve_id: "E42".into(),
                niveau: None,
            },
            Edit::RetardJustifie {
                seance_id: "S-1".into(),
                eleve_id: "E42".into(),
                justification: serde_json::from_value(json!({"etat": "justifiee",
                    "motif": "TRANSPORT", "billet": {"date": "2026-11-30", "moyen": "carnet"},
                    "commentaire": null}))
                .expect("valid"),
            },
            Edit::Rapport {
                seance_id: "S-1".into(),
                eleve_id: "E42".into(),
                rapport: Some(Rapport::try_from("Insultes répétées.".to_owned()).expect("valid")),
            },
            Edit::Absence {
                eleve_id: "E42".into(),
                absence_id: "a-1".into(),
                absence: serde_json::from_value(json!({"debut": {"date": "2026-11-30",
                    "heure": "08:00"}, "fin": {"date": "2026-12-01", "heure": "17:00"},
                    "prevenu": true}))
                .expect("valid"),
            },
            Edit::AbsenceJustifiee {
                eleve_id: "E42".into(),
                absence_id: "a-1".into(),
                justification: serde_json::from_value(json!({"etat": "non_recevable",
                    "motif": "AUTRE", "billet": null, "commentaire": "Départ en vacances"}))
                .expect("valid"),
            },
            Edit::AbsenceSupprimee {
                eleve_id: "E42".into(),
                absence_id: "a-1".into(),
            },
            Edit::Dispense {
                eleve_id: "E42".into(),
                dispense_id: "d-1".into(),
                dispense: serde_json::from_value(json!({"du": "2026-11-02", "au": "2026-12-18",
                    "matiere": "100100", "presence_obligatoire": true}))
                .expect("valid"),
            },
            Edit::DispenseSupprimee {
                eleve_id: "E42".into(),
                dispense_id: "d-1".into(),
            },
            Edit::Reglages {
                reglages: Reglages::default(),
            },
            Edit::Notification {
                eleve_id: "E42".into(),
                jour: "20261130".into(),
                notification: crate::notifications::message(
                    "Collège",
                    "Léa DUPONT",
                    chrono::NaiveDate::from_ymd_opt(2026, 11, 30).expect("date"),
                    "08:00 Français",
                    vec!["famille@example.org".into()],
                ),
            },
            Edit::Envoi {
                eleve_id: "E42".into(),
                jour: "20261130".into(),
                envoi: Envoi {
                    etat: crate::notifications::EtatEnvoi::Envoyee,
                    tentatives: 1,
                    erreur: None,
                    message_id: "<n-1@pupitre>".into(),
                },
            },
        ];
        for edit in edits {
            assert_eq!(
                EntityKey::parse(edit.kind(), &edit.entity_id()),
                Ok(edit.key())
            );
            let back = Edit::parse(edit.kind(), &edit.entity_id(), edit.field(), &edit.value());
            assert_eq!(back, Ok(edit));
        }
    }

    #[test]
    fn rejects_malformed_parts() {
        let cases: [(EntityKind, &str, &str, Value); 41] = [
            (
                EntityKind::Notification,
                "E1/2026-11-30",
                "message",
                json!(null),
            ),
            (
                EntityKind::Notification,
                "E1/20261130",
                "message",
                json!({"date": "2026-11-30",
                "destinataires": ["pas une adresse"], "objet": "x", "corps": "y"}),
            ),
            (
                EntityKind::Presence,
                "S-1/E1",
                "rapport",
                json!("x".repeat(1001)),
            ),
            (
                EntityKind::Absence,
                "E1/a1",
                "definition",
                json!({"debut": {"date": "2026-12-01", "heure": "10:00"},
                    "fin": {"date": "2026-12-01", "heure": "09:00"}, "prevenu": false}),
            ),
            (EntityKind::Absence, "E1/a1", "supprime", json!(false)),
            (EntityKind::Absence, "E1", "supprime", json!(true)),
            (
                EntityKind::Dispense,
                "E1/d1",
                "definition",
                json!({"du": "2026-12-01", "au": "2026-11-01", "matiere": null,
                    "presence_obligatoire": false}),
            ),
            (EntityKind::Reglages, "autre", "valeur", json!(null)),
            (EntityKind::Absence, "E1/a1", "etat", json!("justifiee")),
            (
                EntityKind::Evaluation,
                "SV1/D1/I1/E1",
                "niveau",
                json!({"niveau": 5}),
            ),
            (EntityKind::Evaluation, "SV1/D1/E1", "niveau", json!("abs")),
            (EntityKind::Positionnement, "T1/SV1/E1", "niveau", json!(0)),
            (
                EntityKind::Item,
                "SV1/I1",
                "definition",
                json!({"libelle": "", "composante": "CPD_FRA"}),
            ),
            (EntityKind::Item, "SV1/I1", "supprime", json!(false)),
            (
                EntityKind::Note,
                "SV1/D1/E1",
                "valeur",
                json!({"points": -1}),
            ),
            (
                EntityKind::Note,
                "SV1/D1/E1",
                "valeur",
                json!({"points": 12.5}),
            ),
            (EntityKind::Note, "SV1/D1/E1", "valeur", json!("absent")),
            (EntityKind::Note, "SV1/D1/E1", "valeur", json!("12")),
            (EntityKind::Note, "SV1/D1", "valeur", json!("abs")),
            (EntityKind::Devoir, "SV1/D1", "supprime", json!(false)),
            (
                EntityKind::Devoir,
                "SV1/D1",
                "definition",
                json!({"titre": "x"}),
            ),
            (EntityKind::Devoir, "SV1/D1/E1", "supprime", json!(true)),
            (EntityKind::Conseil, "T1/D6A", "etat", json!("ouvert")),
            (EntityKind::Conseil, "T1", "etat", json!("clos")),
            (
                EntityKind::Conseil,
                "T1/D6A",
                "etat",
                json!({"etat": "en_seance", "reouvertures": 1, "motif": null}),
            ),
            (
                EntityKind::Conseil,
                "T1/D6A",
                "etat",
                json!({"etat": "en_seance", "reouvertures": 1, "motif": " "}),
            ),
            (EntityKind::Decision, "T1/D6A/E1", "mention", json!("bravo")),
            (
                EntityKind::Decision,
                "T1/D6A/E1",
                "appreciation",
                json!("x".repeat(1001)),
            ),
            (EntityKind::Decision, "T1/D6A/E1", "avis", json!("oui")),
            (EntityKind::Decision, "T1/E1", "mention", json!(null)),
            (EntityKind::Appreciation, "T1/SV1/E1", "texte", json!(12)),
            (
                EntityKind::Appreciation,
                "T1/SV1/E1",
                "texte",
                json!("x".repeat(601)),
            ),
            (
                EntityKind::Appreciation,
                "T1/SV1/E1/X",
                "texte",
                json!("ok"),
            ),
            (EntityKind::Appel, "S-1", "statut", json!("fait")),
            (EntityKind::Appel, "S-1", "etat", json!("fini")),
            (EntityKind::Appel, "", "etat", json!("fait")),
            (
                EntityKind::Presence,
                "S-1",
                "statut",
                json!({"statut": "absent"}),
            ),
            (
                EntityKind::Presence,
                "S-1/E 1",
                "statut",
                json!({"statut": "absent"}),
            ),
            (EntityKind::Presence, "S-1/E1", "statut", json!(12)),
            (
                EntityKind::Presence,
                "S-1/E1",
                "fait",
                json!({"statut": "absent"}),
            ),
            (
                EntityKind::Presence,
                "S-1/E1",
                "motif",
                json!({"fait": "depart"}),
            ),
        ];
        for (kind, id, field, value) in cases {
            assert!(
                Edit::parse(kind, id, field, &value).is_err(),
                "{kind:?} {id} {field} {value}"
            );
        }
    }
}
