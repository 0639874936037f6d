//! Processing a push: each change is re-validated and re-authorized, ordered, merged by its
//! field's rule and recorded with its outcome, all in one transaction.

use crate::db::{audit, envois, identity, log, school};
use crate::error::CentralError;
use crate::{conseil, gradebook, quand, vie_scolaire};
use pupitre_domain::avis::{self, Contexte};
use pupitre_domain::edit::{FIELD_FAIT, FIELD_STATUT};
use pupitre_domain::{
    Cible, Edit, EntityKey, EntityKind, Fait, Heure, Issue, Personnel, Presence, combiner,
    may_write,
};
use pupitre_sync_protocol::change::Effect;
use pupitre_sync_protocol::wire::{LogRef, Outcome, PushOutcome, PushResult, Refusal};
use pupitre_sync_protocol::{
    Change, ClientId, Current, Decision, EntityRef, FieldRule, Incoming, ServerChange,
    decide_after_restore, rule_for,
};
use rusqlite::{Connection, Transaction};

pub(crate) fn refused(code: Refusal, message: impl Into<String>) -> PushResult {
    PushResult::Refused {
        code,
        message: message.into(),
    }
}

/// A push that is refused as a whole, before any change is looked at.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    /// The replica is synced with another log or an earlier epoch: the central was restored.
    /// It must rebase, then resend.
    #[error(
        "Le service central a été restauré : ce poste se resynchronise, puis renvoie ses saisies."
    )]
    LogChanged,
    /// An epoch (or log) this central never had.
    #[error("Ce poste parle d'une époque du journal que ce service central n'a jamais eue.")]
    UnknownEpoch,
    #[error(transparent)]
    Central(#[from] CentralError),
}

impl From<rusqlite::Error> for PushError {
    fn from(e: rusqlite::Error) -> Self {
        PushError::Central(e.into())
    }
}

/// Processes a batch for `who` from replica `client` synced with `log_ref`, received at
/// `now_ms` (the central's clock); `offset_ms` is the client's clock offset to record (shown to
/// people, never used to merge).
pub fn push(
    conn: &mut Connection,
    who: &Personnel,
    client: &ClientId,
    log_ref: &LogRef,
    changes: &[Change],
    offset_ms: i64,
    now_ms: u64,
) -> Result<Vec<PushOutcome>, PushError> {
    let tx = conn.transaction()?;
    let id = identity::read(&tx)?;
    if log_ref.log_id == id.log.log_id && log_ref.epoch > id.log.epoch {
        return Err(PushError::UnknownEpoch);
    }
    if *log_ref != id.log {
        return Err(PushError::LogChanged);
    }
    if identity::client_enters_epoch(&tx, client, id.log.epoch)?
        && let Some(first) = changes.first()
    {
        // Its first push since a restore: the sequences it no longer holds were refused before
        // (never applied), so its sequence restarts at the first one it resends.
        identity::restart_client_at(&tx, client, first.client_seq.saturating_sub(1))?;
    }
    let ctx = Ctx {
        who,
        client,
        now_ms,
        head_before: log::head(&tx)?,
        restore_floor: id.restore_floor,
    };
    let mut last = log::last_seq(&tx, client)?;
    let mut outcomes = Vec::with_capacity(changes.len());
    for change in changes {
        outcomes.push(PushOutcome {
            op_id: change.op_id,
            client_seq: change.client_seq,
            result: in_sequence(&tx, &ctx, change, &mut last, offset_ms)?,
        });
    }
    tx.commit()?;
    Ok(outcomes)
}

/// One change, in its client's sequence: a retry gets its first answer again, a gap waits for
/// the missing change, the next one is applied (or refused) and recorded.
fn in_sequence(
    tx: &Transaction<'_>,
    ctx: &Ctx<'_>,
    change: &Change,
    last: &mut u64,
    offset_ms: i64,
) -> Result<PushResult, PushError> {
    if change.client_seq == 0 {
        return Ok(refused(
            Refusal::Sequence,
            "Numéro de séquence invalide (0).",
        ));
    }
    if change.client_seq <= *last {
        return Ok(match log::recorded_op(tx, ctx.client, change.client_seq)? {
            Some((op, result)) if op == change.op_id.0.to_string() => result,
            _ => refused(
                Refusal::SequenceReutilisee,
                "Ce numéro de séquence a déjà servi à une autre modification.",
            ),
        });
    }
    if change.client_seq > *last + 1 {
        return Ok(refused(
            Refusal::SequenceManquante,
            format!(
                "Modification {} reçue avant la {} : elle sera renvoyée.",
                change.client_seq,
                *last + 1
            ),
        ));
    }
    let result = if change.void {
        refused(
            Refusal::DejaRefusee,
            "Modification déjà refusée avant la restauration du service central.",
        )
    } else {
        apply(tx, ctx, change)?
    };
    let (seq, op) = (change.client_seq, &change.op_id);
    log::record_op(tx, ctx.client, seq, op, &result, offset_ms)?;
    *last = change.client_seq;
    Ok(result)
}

/// What every change of one push is processed with.
struct Ctx<'a> {
    who: &'a Personnel,
    client: &'a ClientId,
    now_ms: u64,
    /// The head when the push began: no author can have seen a later version.
    head_before: u64,
    restore_floor: u64,
}

/// Causal metadata that names what the central never issued is refused (GUIDE §3).
fn check_causality(ctx: &Ctx<'_>, change: &Change) -> Option<PushResult> {
    if change.hlc.wall_ms > i64::MAX as u64 {
        // Stored as data and shown to people; no clock reads that far.
        return Some(refused(
            Refusal::HorodatageInvalide,
            "L'horloge de ce poste donne une date impossible : corrigez la date du poste.",
        ));
    }
    if change.base_version > ctx.head_before {
        return Some(refused(
            Refusal::VersionInconnue,
            format!(
                "Cette modification dit avoir vu la version {} d'une donnée, que le service central n'a jamais donnée (dernière : {}).",
                change.base_version, ctx.head_before
            ),
        ));
    }
    if change.base_own.is_some_and(|own| own >= change.client_seq) {
        return Some(refused(
            Refusal::CausaliteInvalide,
            "Cette modification dit en remplacer une autre de ce poste qui lui est postérieure.",
        ));
    }
    if change
        .acked_as
        .is_some_and(|seq| seq == 0 || seq > ctx.restore_floor)
    {
        return Some(refused(
            Refusal::VersionInconnue,
            "Cette modification dit avoir été reçue avant une restauration, sous un numéro que le service central n'a pas donné.",
        ));
    }
    None
}

/// The checks a change passes before the merge rules see it: a valid value, the author's right
/// to write it, an open period, causal metadata the central gave, a known conflict, a synced
/// field. `Err` holds the refusal.
fn admit(
    conn: &Connection,
    ctx: &Ctx<'_>,
    change: &Change,
) -> Result<Result<(Edit, Cible, FieldRule), PushResult>, CentralError> {
    let edit = match Edit::parse(
        change.entity.kind,
        &change.entity.id,
        &change.field,
        &change.value,
    ) {
        Ok(edit) => edit,
        Err(e) => {
            return Ok(Err(refused(
                Refusal::ValeurInvalide,
                format!("Modification refusée : {e}."),
            )));
        }
    };
    let cible = match owner_of(conn, &edit)? {
        Ok(owner) => match authorize(ctx.who, &edit, &owner) {
            Ok(()) => owner.cible,
            Err(refusal) => return Ok(Err(refusal)),
        },
        Err(refusal) => return Ok(Err(refusal)),
    };
    if let Some(refusal) = quand::check(conn, &edit, ctx.now_ms)? {
        return Ok(Err(refusal));
    }
    if let Some(refusal) = closed_period(conn, &edit)? {
        return Ok(Err(refusal));
    }
    if let Some(refusal) = conseil::check(conn, ctx.who, &edit)? {
        return Ok(Err(refusal));
    }
    if let Some(refusal) = gradebook::check(conn, &edit, &cible)? {
        return Ok(Err(refusal));
    }
    if let Some(refusal) = vie_scolaire::check(conn, &edit)? {
        return Ok(Err(refusal));
    }
    if let Some(refusal) = check_causality(ctx, change) {
        return Ok(Err(refusal));
    }
    if let Some(upto) = change.resolves
        && !log::is_conflict_of(conn, upto, &change.entity, &change.field)?
    {
        return Ok(Err(refused(
            Refusal::ConflitInconnu,
            "Ce conflit n'existe pas au service central : la résolution n'a pas été enregistrée.",
        )));
    }
    let Some(rule) = rule_for(change.entity.kind, &change.field) else {
        return Ok(Err(refused(
            Refusal::ValeurInvalide,
            "Ce champ ne se synchronise pas.",
        )));
    };
    Ok(Ok((edit, cible, rule)))
}

/// Applies an admitted change by its field's rule, logs it, and says what became of it.
fn apply(conn: &Connection, ctx: &Ctx<'_>, change: &Change) -> Result<PushResult, CentralError> {
    let (edit, cible, rule) = match admit(conn, ctx, change)? {
        Ok(admitted) => admitted,
        Err(refusal) => return Ok(refusal),
    };

    let current = log::current_with_prior(conn, &change.entity, &change.field)?;
    let decision = decide_after_restore(
        rule,
        current
            .as_ref()
            .map(|(c, prior)| Current {
                version: c.server_seq,
                op: Some(&c.op_id),
                client_id: &c.client_id,
                client_seq: c.client_seq,
                prior_version: *prior,
                value: &c.value,
            })
            .as_ref(),
        &Incoming {
            client_id: ctx.client,
            base_version: change.base_version,
            base_own: change.base_own,
            base_op: change.base_op.as_ref(),
            value: &change.value,
        },
        ctx.restore_floor,
    );
    let logged = ServerChange {
        server_seq: 0,
        op_id: change.op_id,
        client_id: ctx.client.clone(),
        client_seq: change.client_seq,
        author_id: ctx.who.id.clone(),
        entity: change.entity.clone(),
        field: change.field.clone(),
        value: edit.value(),
        hlc: change.hlc,
        received_ms: ctx.now_ms,
        effect: match decision {
            Decision::Apply => Effect::Applied,
            Decision::Keep | Decision::Same => Effect::Superseded,
            Decision::Conflict => Effect::Conflict,
        },
        scope_key: cible.key(),
        resolves: change.resolves,
    };
    let arrival = log::Arrival {
        base_version: change.base_version,
        base_own: change.base_own,
        base_op: change.base_op,
        prior_seq: change.acked_as,
        received_ms: ctx.now_ms,
        erases: edit.erases(),
    };
    let server_seq = log::append(conn, &logged, arrival)?;
    // A family notification the central now holds: queued for sending, in this transaction.
    if let Edit::Notification { notification, .. } = &edit
        && logged.effect == Effect::Applied
    {
        envois::enqueue(
            conn,
            &change.entity.id,
            notification,
            &logged.scope_key,
            ctx.now_ms,
        )?;
    }
    let standing = current.map(|(c, _)| c);
    let (outcome, reason) = outcome_of(conn, decision, &edit, standing.as_ref())?;
    Ok(PushResult::Accepted {
        server_seq,
        effect: logged.effect,
        outcome,
        reason,
    })
}

/// What became of an accepted change, in its author's words.
fn outcome_of(
    conn: &Connection,
    decision: Decision,
    edit: &Edit,
    standing: Option<&ServerChange>,
) -> Result<(Outcome, Option<String>), CentralError> {
    let by = |c: &ServerChange| school::signature(conn, &c.author_id);
    let standing_value = |c: &ServerChange| {
        Edit::parse(c.entity.kind, &c.entity.id, &c.field, &c.value)
            .map(|e| avis::libelle_valeur(&e))
            .unwrap_or_default()
    };
    let mine = avis::libelle_valeur(edit);
    Ok(match (decision, standing) {
        (Decision::Apply, _) => return roll_call_outcome(conn, edit),
        (Decision::Same, Some(c)) => (
            Outcome::Same,
            Some(format!(
                "{} avait déjà noté la même chose ({mine}).",
                by(c)?
            )),
        ),
        (Decision::Keep, Some(c)) if matches!(edit, Edit::Notification { .. }) => (
            Outcome::NotStood,
            Some(format!(
                "{} avait déjà préparé la notification de ce jour pour cette famille : elle n'est envoyée qu'une fois.",
                by(c)?
            )),
        ),
        (Decision::Keep, Some(c)) => (
            Outcome::NotStood,
            Some(format!(
                "Votre saisie {mine} n'a pas été retenue : {} a déjà noté {} (un état qui ne revient pas en arrière).",
                by(c)?,
                standing_value(c)
            )),
        ),
        (Decision::Conflict, Some(c)) => (
            Outcome::Conflict,
            Some(format!(
                "Votre saisie {mine} et celle de {} ({}) ont été faites en même temps : les deux sont gardées jusqu'à ce qu'une personne choisisse.",
                by(c)?,
                standing_value(c)
            )),
        ),
        // Without a current value, every decision is Apply.
        (_, None) => (Outcome::Applied, None),
    })
}

/// An applied roll-call entry, combined with the other source of the same record: the
/// teacher's observation with the vie scolaire's fact, or the other way round.
fn roll_call_outcome(
    conn: &Connection,
    edit: &Edit,
) -> Result<(Outcome, Option<String>), CentralError> {
    let key = edit.key();
    let EntityKey::Presence {
        seance_id,
        eleve_id,
    } = &key
    else {
        return Ok((Outcome::Applied, None));
    };
    let entity = EntityRef {
        kind: EntityKind::Presence,
        id: edit.entity_id(),
    };
    let read = |field: &str| log::current(conn, &entity, field);
    let (observation, fait) = (read(FIELD_STATUT)?, read(FIELD_FAIT)?);
    let parse_obs = |c: &ServerChange| serde_json::from_value::<Presence>(c.value.clone()).ok();
    let parse_fait = |c: &ServerChange| serde_json::from_value::<Fait>(c.value.clone()).ok();
    let (Some(obs_change), Some(fait_change)) = (observation, fait) else {
        return Ok((Outcome::Applied, None));
    };
    let (Some(obs), Some(f)) = (parse_obs(&obs_change), parse_fait(&fait_change)) else {
        return Ok((Outcome::Applied, None));
    };
    let combinaison = combiner(Some(obs), f);
    let outcome = match (edit, combinaison.issue) {
        (_, Issue::Retenue) => return Ok((Outcome::Applied, None)),
        (_, Issue::AVerifier) => Outcome::Conflict,
        (Edit::Presence { .. }, Issue::NonRetenue) => Outcome::NotStood,
        _ => Outcome::Combined,
    };
    let Some((eleve, classe, debut)) = school::presence_context(conn, seance_id, eleve_id)? else {
        return Ok((outcome, None));
    };
    let debut: Heure = debut
        .parse()
        .map_err(|e| CentralError::Invalid(format!("séance {seance_id} : {e}")))?;
    let ctx = Contexte {
        eleve: &eleve,
        classe: &classe,
        debut,
    };
    let signature = |c: &ServerChange| -> Result<String, CentralError> {
        Ok(school::personnel(conn, &c.author_id)?
            .map_or_else(|| c.author_id.clone(), |p| p.signature()))
    };
    let at = log::received_label(conn, fait_change.server_seq)?;
    let reason = avis::avis_combinaison(obs, f, combinaison, &ctx, &signature(&fait_change)?, &at);
    Ok((outcome, reason))
}

/// Whom an edited record belongs to: its division or group, its teacher, and whether its pupil
/// is in that division or group.
#[derive(Debug, Clone)]
pub(crate) struct Owner {
    pub cible: Cible,
    /// The teacher of the séance or service; for a council, its division's professeur
    /// principal (who runs it with the head).
    pub teacher: Option<String>,
    pub eleve_ok: bool,
}

/// Looks up the owner of an edit's record, or the refusal when the record does not exist.
fn owner_of(conn: &Connection, edit: &Edit) -> Result<Result<Owner, PushResult>, CentralError> {
    let unknown = |code: Refusal, message: &str| Ok(Err(refused(code, message)));
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
    let key = edit.key();
    let owner = if let Some(service_id) = key.service_id() {
        // A service's records (appreciations and the gradebook), of a period that must exist
        // when they name one.
        if let Edit::Appreciation { periode_id, .. } | Edit::Positionnement { periode_id, .. } =
            edit
            && school::periode_libelle(conn, periode_id)?.is_none()
        {
            return unknown(
                Refusal::PeriodeInconnue,
                "Cette période n'existe pas au service central.",
            );
        }
        with_pupil(school::service_owner(conn, service_id)?, key.eleve_id())?
    } else if let Some(seance_id) = key.seance_id() {
        // A roll call's records: the séance's, and the pupil on its roll.
        with_pupil(school::seance_owner(conn, seance_id)?, key.eleve_id())?
    } else if key.in_vie_scolaire() {
        return vie_scolaire_owner(conn, &key);
    } else if let Some(owner) = conseil::owner(conn, edit)? {
        return Ok(owner);
    } else {
        // Every other record belongs to a service (above).
        None
    };
    match owner {
        Some(owner) => Ok(Ok(owner)),
        None if edit.key().seance_id().is_some() => unknown(
            Refusal::SeanceInconnue,
            "Cette séance n'existe pas (ou plus) au service central.",
        ),
        None => unknown(
            Refusal::ServiceInconnu,
            "Ce service (enseignant, matière, classe) n'existe pas (ou plus) au service central.",
        ),
    }
}

/// The owner of a vie scolaire record: a pupil's travels with her division, the settings are
/// the whole school's, a notification (it names the family's addresses) the vie scolaire's.
fn vie_scolaire_owner(
    conn: &Connection,
    key: &EntityKey,
) -> Result<Result<Owner, PushResult>, CentralError> {
    if let EntityKey::Notification { eleve_id, .. } = key {
        if school::eleve_division(conn, eleve_id)?.is_none() {
            return Ok(Err(refused(
                Refusal::EleveInconnu,
                "Cet élève n'existe pas au service central.",
            )));
        }
        return Ok(Ok(Owner {
            cible: Cible::VieScolaire,
            teacher: None,
            eleve_ok: true,
        }));
    }
    let cible = match key.eleve_id() {
        Some(eleve_id) => match school::eleve_division(conn, eleve_id)? {
            Some(division) => Cible::Division(division),
            None => {
                return Ok(Err(refused(
                    Refusal::EleveInconnu,
                    "Cet élève n'existe pas au service central.",
                )));
            }
        },
        None => Cible::Etablissement,
    };
    Ok(Ok(Owner {
        cible,
        teacher: None,
        eleve_ok: true,
    }))
}

/// Who may write what (`pupitre_domain::may_write`); the pupil must belong to the record's
/// division or group.
fn authorize(who: &Personnel, edit: &Edit, owner: &Owner) -> Result<(), PushResult> {
    let in_charge = owner.teacher.as_deref() == Some(who.id.as_str());
    may_write(who.fonction, edit.kind(), edit.field(), in_charge)
        .map_err(|reason| refused(Refusal::HorsPerimetre, reason))?;
    if !owner.eleve_ok {
        return Err(refused(
            Refusal::EleveInconnu,
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
    let division = school::eleve_division(conn, eleve_id)?;
    gradebook::closed_for(conn, periode_id, division.as_slice())
}

/// How far ahead (positive) or behind the client's physical clock is.
/// Who pushed, for the audit log.
pub struct Pusher<'a> {
    pub who: &'a Personnel,
    pub client: &'a ClientId,
    pub adresse: Option<&'a str>,
}

/// Writes each refused change of a push to the audit log (a change merely early in its
/// sequence is not a refusal: it is sent again).
pub fn audit_refusals(
    conn: &Connection,
    from: &Pusher<'_>,
    changes: &[Change],
    outcomes: &[PushOutcome],
    now_ms: u64,
) -> rusqlite::Result<()> {
    for (change, outcome) in changes.iter().zip(outcomes) {
        let PushResult::Refused { code, message } = &outcome.result else {
            continue;
        };
        if *code == Refusal::SequenceManquante {
            continue;
        }
        let detail = format!(
            "{:?} {} {} : {message}",
            change.entity.kind, change.entity.id, change.field
        );
        let client = from.client.0.to_string();
        let event = audit::Evenement {
            personnel_id: Some(&from.who.id),
            client_id: Some(&client),
            adresse: from.adresse,
            detail: &detail,
            ..Default::default()
        };
        audit::record(conn, audit::Quoi::ModificationRefusee, &event, now_ms)?;
    }
    Ok(())
}

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
        let (dir, cpe) = (person("D", Fonction::Direction), person("C", Fonction::Cpe));
        let parse = |kind, id, field, value: serde_json::Value| {
            Edit::parse(kind, id, field, &value).expect("valid edit")
        };
        use serde_json::json;
        let presence = parse(
            EntityKind::Presence,
            "S1/E1",
            "statut",
            json!({"statut": "absent"}),
        );
        let fait = parse(
            EntityKind::Presence,
            "S1/E1",
            "fait",
            json!({"fait": "infirmerie"}),
        );
        let appreciation = parse(
            EntityKind::Appreciation,
            "T1/SV1/E1",
            "texte",
            json!("Bien."),
        );
        let conseil = parse(EntityKind::Conseil, "T1/D5A", "etat", json!("clos"));
        let cases = [
            (&p1, &presence, owner(Some("P1"), true), true),
            (&p2, &presence, owner(Some("P1"), true), false),
            (&p1, &presence, owner(Some("P1"), false), false),
            (&p1, &fait, owner(Some("P1"), true), false),
            (&cpe, &fait, owner(Some("P1"), true), true),
            (&cpe, &presence, owner(Some("P1"), true), true),
            (&p1, &appreciation, owner(Some("P1"), true), true),
            (&dir, &appreciation, owner(Some("P1"), false), false),
            (&dir, &conseil, owner(None, true), true),
            (&p1, &conseil, owner(None, true), false),
        ];
        for (who, edit, owner, ok) in cases {
            assert_eq!(
                authorize(who, edit, &owner).is_ok(),
                ok,
                "{who:?} {edit:?} {owner:?}"
            );
        }
    }
}
