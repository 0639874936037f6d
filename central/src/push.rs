//! Processing a push: each change is re-validated and re-authorized, ordered, merged by its
//! field's rule and recorded with its outcome, all in one transaction.

use crate::db::{log, school};
use crate::error::CentralError;
use pupitre_domain::{Cible, Edit, Fonction, Personnel};
use pupitre_sync_protocol::change::Effect;
use pupitre_sync_protocol::wire::{PushOutcome, PushResult};
use pupitre_sync_protocol::{
    Change, ClientId, Current, Decision, Hlc, Incoming, ServerChange, decide, rule_for,
};
use rusqlite::Connection;

fn refused(code: &str, message: impl Into<String>) -> PushResult {
    PushResult::Refused {
        code: code.to_owned(),
        message: message.into(),
    }
}

/// Processes a batch for `who` from replica `client`. `clock` gives each accepted change its
/// place in the server's clock; `offset_ms` is the client's clock offset to record.
pub fn push(
    conn: &mut Connection,
    who: &Personnel,
    client: &ClientId,
    changes: &[Change],
    offset_ms: i64,
) -> Result<Vec<PushOutcome>, CentralError> {
    let tx = conn.transaction()?;
    let mut last = log::last_seq(&tx, client)?;
    let mut outcomes = Vec::with_capacity(changes.len());
    for change in changes {
        let result = if change.client_seq == 0 {
            refused("sequence", "Numéro de séquence invalide (0).")
        } else if change.client_seq <= last {
            match log::recorded_op(&tx, client, change.client_seq)? {
                Some((op, result)) if op == change.op_id.0.to_string() => result,
                _ => refused(
                    "sequence_reutilisee",
                    "Ce numéro de séquence a déjà servi à une autre modification.",
                ),
            }
        } else if change.client_seq > last + 1 {
            refused(
                "sequence_manquante",
                format!(
                    "Modification {} reçue avant la {} : elle sera renvoyée.",
                    change.client_seq,
                    last + 1
                ),
            )
        } else {
            let result = apply(&tx, who, client, change)?;
            log::record_op(
                &tx,
                client,
                change.client_seq,
                &change.op_id,
                &result,
                offset_ms,
            )?;
            last = change.client_seq;
            result
        };
        outcomes.push(PushOutcome {
            op_id: change.op_id,
            client_seq: change.client_seq,
            result,
        });
    }
    tx.commit()?;
    Ok(outcomes)
}

fn apply(
    conn: &Connection,
    who: &Personnel,
    client: &ClientId,
    change: &Change,
) -> Result<PushResult, CentralError> {
    let edit = match Edit::parse(
        change.entity.kind,
        &change.entity.id,
        &change.field,
        &change.value,
    ) {
        Ok(edit) => edit,
        Err(e) => {
            return Ok(refused(
                "valeur_invalide",
                format!("Modification refusée : {e}."),
            ));
        }
    };
    let owner = school::seance_owner(conn, edit.seance_id())?;
    let eleve_ok = match &edit {
        Edit::Presence { eleve_id, .. } => match &owner {
            Some((cible, _)) => Some(school::eleve_in(conn, eleve_id, cible)?),
            None => Some(false),
        },
        Edit::AppelEtat { .. } => None,
    };
    let cible = match authorize(who, owner.as_ref(), eleve_ok) {
        Ok(cible) => cible,
        Err(refusal) => return Ok(refusal),
    };

    let current = log::current(conn, &change.entity, &change.field)?;
    let decision = decide(
        rule_for(change.entity.kind, &change.field),
        current
            .as_ref()
            .map(|c| Current {
                version: c.server_seq,
                hlc: c.hlc,
                client_id: &c.client_id,
                value: &c.value,
            })
            .as_ref(),
        &Incoming {
            base_version: change.base_version,
            hlc: change.hlc,
            client_id: client,
            value: &change.value,
        },
    );
    let logged = ServerChange {
        server_seq: 0,
        op_id: change.op_id,
        client_id: client.clone(),
        author_id: who.id.clone(),
        entity: change.entity.clone(),
        field: change.field.clone(),
        value: edit.value(),
        hlc: change.hlc,
        effect: match decision {
            Decision::Apply => Effect::Applied,
            Decision::Keep => Effect::Superseded,
        },
    };
    let server_seq = log::append(conn, &logged, change.base_version, &cible.key())?;
    Ok(PushResult::Accepted { server_seq })
}

/// Who may write a séance's roll call: its teacher, the CPE and the direction. The pupil must
/// belong to the séance's division or group.
fn authorize(
    who: &Personnel,
    owner: Option<&(Cible, String)>,
    eleve_ok: Option<bool>,
) -> Result<Cible, PushResult> {
    let Some((cible, teacher)) = owner else {
        return Err(refused(
            "seance_inconnue",
            "Cette séance n'existe pas (ou plus) au service central.",
        ));
    };
    let allowed = match who.fonction {
        Fonction::Enseignant => teacher == &who.id,
        Fonction::Cpe | Fonction::Direction => true,
    };
    if !allowed {
        return Err(refused(
            "hors_perimetre",
            "Vous n'êtes pas l'enseignant de cette séance : l'appel ne peut pas être modifié.",
        ));
    }
    if eleve_ok == Some(false) {
        return Err(refused(
            "eleve_inconnu",
            "Cet élève n'appartient pas à la classe ou au groupe de la séance.",
        ));
    }
    Ok(cible.clone())
}

/// How far ahead (positive) or behind the client clock is.
pub fn clock_offset_ms(client: Hlc, server_now_ms: u64) -> i64 {
    client.wall_ms as i64 - server_now_ms as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(id: &str, fonction: Fonction) -> Personnel {
        Personnel {
            id: id.into(),
            civilite: "M.".into(),
            nom: "X".into(),
            prenom: "Y".into(),
            fonction,
        }
    }

    #[test]
    fn authorization_table() {
        let owner = (Cible::Division("D5A".into()), "P1".to_string());
        let cases = [
            (
                person("P1", Fonction::Enseignant),
                Some(&owner),
                Some(true),
                true,
            ),
            (
                person("P2", Fonction::Enseignant),
                Some(&owner),
                Some(true),
                false,
            ),
            (
                person("P1", Fonction::Enseignant),
                Some(&owner),
                Some(false),
                false,
            ),
            (person("P1", Fonction::Enseignant), None, None, false),
            (person("C", Fonction::Cpe), Some(&owner), None, true),
            (
                person("D", Fonction::Direction),
                Some(&owner),
                Some(true),
                true,
            ),
        ];
        for (who, owner, eleve_ok, ok) in cases {
            assert_eq!(
                authorize(&who, owner, eleve_ok).is_ok(),
                ok,
                "{who:?} {owner:?} {eleve_ok:?}"
            );
        }
    }
}
