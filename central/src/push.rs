//! Processing a push: each change is re-validated and re-authorized, ordered, merged by its
//! field's rule and recorded with its outcome, all in one transaction.

use crate::db::{log, school};
use crate::error::CentralError;
use pupitre_domain::{Cible, ConseilEtat, Edit, EntityKind, Personnel, may_write};
use pupitre_sync_protocol::change::Effect;
use pupitre_sync_protocol::wire::{PushOutcome, PushResult};
use pupitre_sync_protocol::{
    Change, ClientId, Current, Decision, Incoming, ServerChange, clock_suspect, decide, rule_for,
};
use rusqlite::Connection;

fn refused(code: &str, message: impl Into<String>) -> PushResult {
    PushResult::Refused {
        code: code.to_owned(),
        message: message.into(),
    }
}

/// Processes a batch for `who` from replica `client`, received at `now_ms` (the central's
/// clock); `offset_ms` is the client's clock offset to record.
pub fn push(
    conn: &mut Connection,
    who: &Personnel,
    client: &ClientId,
    changes: &[Change],
    offset_ms: i64,
    now_ms: u64,
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
            let result = apply(&tx, who, client, change, clock_suspect(offset_ms), now_ms)?;
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
    clock_suspect: bool,
    now_ms: u64,
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
    let cible = match owner_of(conn, &edit)? {
        Ok(owner) => match authorize(who, edit.kind(), &owner) {
            Ok(()) => owner.cible,
            Err(refusal) => return Ok(refusal),
        },
        Err(refusal) => return Ok(refusal),
    };
    if let Some(refusal) = closed_period(conn, &edit)? {
        return Ok(refusal);
    }
    if let Some(upto) = change.resolves
        && !log::is_conflict_of(conn, upto, &change.entity, &change.field)?
    {
        return Ok(refused(
            "conflit_inconnu",
            "Ce conflit n'existe pas au service central : la résolution n'a pas été enregistrée.",
        ));
    }

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
            clock_suspect,
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
            Decision::Conflict => Effect::Conflict,
        },
        scope_key: cible.key(),
        resolves: change.resolves,
    };
    let arrival = log::Arrival {
        base_version: change.base_version,
        received_ms: now_ms,
        erases: edit.erases(),
    };
    let server_seq = log::append(conn, &logged, arrival)?;
    Ok(PushResult::Accepted { server_seq })
}

/// Whom an edited record belongs to: its division or group, its teacher, and whether its pupil
/// is in that division or group.
#[derive(Debug, Clone)]
struct Owner {
    cible: Cible,
    /// The teacher of the séance or service (none for a council).
    teacher: Option<String>,
    eleve_ok: bool,
}

/// Looks up the owner of an edit's record, or the refusal when the record does not exist.
fn owner_of(conn: &Connection, edit: &Edit) -> Result<Result<Owner, PushResult>, CentralError> {
    let unknown = |code: &str, message: &str| Ok(Err(refused(code, message)));
    let with_pupil = |owner: Option<(Cible, String)>, eleve: Option<&str>| {
        let Some((cible, teacher)) = owner else {
            return Ok(None);
        };
        let eleve_ok = match eleve {
            Some(e) => school::eleve_in(conn, e, &cible)?,
            None => true,
        };
        Ok::<_, CentralError>(Some(Owner {
            cible,
            teacher: Some(teacher),
            eleve_ok,
        }))
    };
    let owner = match edit {
        Edit::AppelEtat { seance_id, .. } => {
            with_pupil(school::seance_owner(conn, seance_id)?, None)?
        }
        Edit::Presence {
            seance_id,
            eleve_id,
            ..
        } => with_pupil(school::seance_owner(conn, seance_id)?, Some(eleve_id))?,
        Edit::Appreciation {
            periode_id,
            service_id,
            eleve_id,
            ..
        } => {
            if school::periode_libelle(conn, periode_id)?.is_none() {
                return unknown(
                    "periode_inconnue",
                    "Cette période n'existe pas au service central.",
                );
            }
            with_pupil(school::service_owner(conn, service_id)?, Some(eleve_id))?
        }
        Edit::Conseil {
            periode_id,
            division_id,
            ..
        } => {
            if school::periode_libelle(conn, periode_id)?.is_none()
                || school::division_code(conn, division_id)?.is_none()
            {
                return unknown(
                    "conseil_inconnu",
                    "Ce conseil de classe n'existe pas au service central.",
                );
            }
            Some(Owner {
                cible: Cible::Division(division_id.clone()),
                teacher: None,
                eleve_ok: true,
            })
        }
    };
    match owner {
        Some(owner) => Ok(Ok(owner)),
        None if edit.seance_id().is_some() => unknown(
            "seance_inconnue",
            "Cette séance n'existe pas (ou plus) au service central.",
        ),
        None => unknown(
            "service_inconnu",
            "Ce service (enseignant, matière, classe) n'existe pas (ou plus) au service central.",
        ),
    }
}

/// Who may write what (`pupitre_domain::may_write`); the pupil must belong to the record's
/// division or group.
fn authorize(who: &Personnel, kind: EntityKind, owner: &Owner) -> Result<(), PushResult> {
    let is_teacher = owner.teacher.as_deref() == Some(who.id.as_str());
    may_write(who.fonction, kind, is_teacher)
        .map_err(|reason| refused("hors_perimetre", reason))?;
    if !owner.eleve_ok {
        return Err(refused(
            "eleve_inconnu",
            "Cet élève n'appartient pas à la classe ou au groupe concerné.",
        ));
    }
    Ok(())
}

/// An appreciation of a period whose council is closed for the pupil's division is refused.
fn closed_period(conn: &Connection, edit: &Edit) -> Result<Option<PushResult>, CentralError> {
    let Edit::Appreciation {
        periode_id,
        eleve_id,
        ..
    } = edit
    else {
        return Ok(None);
    };
    let Some(division) = school::eleve_division(conn, eleve_id)? else {
        return Ok(None);
    };
    if log::conseil_etat(conn, periode_id, &division)? != ConseilEtat::Clos {
        return Ok(None);
    }
    let periode = school::periode_libelle(conn, periode_id)?.unwrap_or_default();
    let classe = school::division_code(conn, &division)?.unwrap_or_default();
    Ok(Some(refused(
        "periode_close",
        format!(
            "Le conseil de classe de {classe} ({periode}) est clos : l'appréciation ne peut plus être modifiée. Voyez avec la direction."
        ),
    )))
}

/// How far ahead (positive) or behind the client's physical clock is.
pub fn clock_offset_ms(client_wall_ms: u64, server_now_ms: u64) -> i64 {
    client_wall_ms as i64 - server_now_ms as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use pupitre_domain::Fonction;

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
    fn authorization_checks_the_person_and_the_pupil() {
        let owner = |teacher: Option<&str>, eleve_ok| Owner {
            cible: Cible::Division("D5A".into()),
            teacher: teacher.map(str::to_owned),
            eleve_ok,
        };
        let (p1, p2) = (
            person("P1", Fonction::Enseignant),
            person("P2", Fonction::Enseignant),
        );
        let dir = person("D", Fonction::Direction);
        use EntityKind::{Appreciation, Conseil, Presence};
        let cases = [
            (&p1, Presence, owner(Some("P1"), true), true),
            (&p2, Presence, owner(Some("P1"), true), false),
            (&p1, Presence, owner(Some("P1"), false), false),
            (&p1, Appreciation, owner(Some("P1"), true), true),
            (&dir, Appreciation, owner(Some("P1"), false), false),
            (&dir, Conseil, owner(None, true), true),
            (&p1, Conseil, owner(None, true), false),
        ];
        for (who, kind, owner, ok) in cases {
            assert_eq!(
                authorize(who, kind, &owner).is_ok(),
                ok,
                "{who:?} {kind:?} {owner:?}"
            );
        }
    }
}
