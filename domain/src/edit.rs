//! The values a person edits, as (entity, field, value) triples: the unit that syncs.
//!
//! The wire carries JSON; `Edit::parse` is the one place that turns it back into a typed value, so
//! the central service and the replica reject the same bad input the same way.

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
    /// One pupil's mark in a roll call; id = `<séance id>/<élève id>`.
    Presence,
}

impl EntityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Appel => "appel",
            EntityKind::Presence => "presence",
        }
    }

    pub fn parse(text: &str) -> Option<EntityKind> {
        match text {
            "appel" => Some(EntityKind::Appel),
            "presence" => Some(EntityKind::Presence),
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

impl Edit {
    /// The séance this edit belongs to: what decides who may write it and who may see it.
    pub fn seance_id(&self) -> &str {
        match self {
            Edit::AppelEtat { seance_id, .. } | Edit::Presence { seance_id, .. } => seance_id,
        }
    }

    pub fn kind(&self) -> EntityKind {
        match self {
            Edit::AppelEtat { .. } => EntityKind::Appel,
            Edit::Presence { .. } => EntityKind::Presence,
        }
    }

    pub fn entity_id(&self) -> String {
        match self {
            Edit::AppelEtat { seance_id, .. } => seance_id.clone(),
            Edit::Presence {
                seance_id,
                eleve_id,
                ..
            } => presence_id(seance_id, eleve_id),
        }
    }

    pub fn field(&self) -> &'static str {
        match self {
            Edit::AppelEtat { .. } => FIELD_ETAT,
            Edit::Presence { .. } => FIELD_STATUT,
        }
    }

    pub fn value(&self) -> Value {
        // Serializing these plain enums cannot fail.
        match self {
            Edit::AppelEtat { etat, .. } => serde_json::to_value(etat),
            Edit::Presence { presence, .. } => serde_json::to_value(presence),
        }
        .unwrap_or(Value::Null)
    }

    /// Rebuilds a typed edit from its wire parts, rejecting anything malformed.
    pub fn parse(
        kind: EntityKind,
        entity_id: &str,
        field: &str,
        value: &Value,
    ) -> Result<Edit, InvalidEdit> {
        let bad_value = |e: serde_json::Error| InvalidEdit::BadValue {
            field: field.to_owned(),
            reason: e.to_string(),
        };
        match (kind, field) {
            (EntityKind::Appel, FIELD_ETAT) => Ok(Edit::AppelEtat {
                seance_id: check_id(entity_id)?.to_owned(),
                etat: AppelEtat::deserialize(value).map_err(bad_value)?,
            }),
            (EntityKind::Presence, FIELD_STATUT) => {
                let (seance_id, eleve_id) = entity_id
                    .split_once('/')
                    .ok_or_else(|| InvalidEdit::BadId(entity_id.to_owned()))?;
                Ok(Edit::Presence {
                    seance_id: check_id(seance_id)?.to_owned(),
                    eleve_id: check_id(eleve_id)?.to_owned(),
                    presence: Presence::deserialize(value).map_err(bad_value)?,
                })
            }
            _ => Err(InvalidEdit::UnknownField {
                kind,
                field: field.to_owned(),
            }),
        }
    }
}

pub fn presence_id(seance_id: &str, eleve_id: &str) -> String {
    format!("{seance_id}/{eleve_id}")
}

/// Ids are short printable tokens; anything else is hostile or broken input.
fn check_id(id: &str) -> Result<&str, InvalidEdit> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    ok.then_some(id)
        .ok_or_else(|| InvalidEdit::BadId(id.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
        ];
        for edit in edits {
            let back = Edit::parse(edit.kind(), &edit.entity_id(), edit.field(), &edit.value());
            assert_eq!(back, Ok(edit));
        }
    }

    #[test]
    fn rejects_malformed_parts() {
        let cases: [(EntityKind, &str, &str, Value); 6] = [
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
        ];
        for (kind, id, field, value) in cases {
            assert!(
                Edit::parse(kind, id, field, &value).is_err(),
                "{kind:?} {id} {field} {value}"
            );
        }
    }
}
