//! The merge rules, declared per field, and the one pure function that applies them.
//!
//! Concurrency is causal, never a matter of clocks (GUIDE §3). A change names what its author
//! saw: the central's version of the field (`base_version`) and this PC's own unacknowledged edit
//! of it (`base_own`, a dot (client, sequence)). A change that saw the current value covers it:
//! it is sequential and applies, whatever any clock says, and a PC's successive edits never
//! conflict with each other. Only a change that did not see the current value reaches the
//! field's rule, and no rule looks at a timestamp.

use crate::change::{ClientId, OpId};
use pupitre_domain::edit::{
    FIELD_APPRECIATION, FIELD_DEFINITION, FIELD_ENVOI, FIELD_ETAT, FIELD_FAIT, FIELD_JUSTIFICATION,
    FIELD_MENTION, FIELD_MESSAGE, FIELD_NIVEAU, FIELD_ORIENTATION, FIELD_RAPPORT, FIELD_STATUT,
    FIELD_SUPPRIME, FIELD_TEXTE, FIELD_VALEUR, FIELD_VIE_SCOLAIRE,
};
use pupitre_domain::{AppelEtat, EntityKind, EtatConseil};
use serde_json::Value;
use std::cmp::Ordering;

#[derive(Debug, Clone, Copy)]
pub enum FieldRule {
    /// A state that only moves forward: the greater value stands, whatever the order.
    OneWay(fn(&Value, &Value) -> Ordering),
    /// High-stakes values: concurrent edits keep both values and raise a conflict that a person
    /// resolves.
    KeepBoth,
    /// Written once: the first value the central receives stands for good; any other does not
    /// (its author is told), whatever its author saw.
    Once,
}

/// A client whose clock is further off than this is flagged to people (GUIDE §3). Its clock is
/// shown and warned about; it decides nothing.
pub const CLOCK_TOLERANCE_MS: i64 = 5 * 60 * 1000;

/// Whether a client's clock offset is large enough to warn about.
pub fn clock_suspect(offset_ms: i64) -> bool {
    offset_ms.abs() > CLOCK_TOLERANCE_MS
}

/// The rule of each field, in one place. `None`: a field nobody may write (refused before).
pub fn rule_for(kind: EntityKind, field: &str) -> Option<FieldRule> {
    Some(match (kind, field) {
        // The teacher's observation in class: two PCs of hers, or the teacher and a CPE
        // correcting the roll, editing one pupil concurrently is a contradiction about a fact a
        // family will be told of. A person chooses.
        (EntityKind::Presence, FIELD_STATUT) => FieldRule::KeepBoth,
        // The vie scolaire's fact: the CPE and the direction may both record one; two different
        // facts at once need a person too. (How it combines with the teacher's observation is
        // the domain's `combiner`, not a merge: they are different fields.)
        (EntityKind::Presence, FIELD_FAIT) => FieldRule::KeepBoth,
        // A roll call that is done stays done.
        (EntityKind::Appel, FIELD_ETAT) => FieldRule::OneWay(appel_order),
        // A council moves préparation → en séance → clos, never back; the head's reopening
        // counts as a step forward (`EtatConseil::rang`), so a "clos" sent before it, from a
        // PC that had not seen it, does not stand.
        (EntityKind::Conseil, FIELD_ETAT) => FieldRule::OneWay(conseil_order),
        // What the council decides for a pupil reaches the bulletin and the family: the
        // secretary's laptop offline and the head's PC writing different texts or mentions at
        // once keep both for a person to choose. The CPE's vie scolaire appreciation likewise.
        (
            EntityKind::Decision,
            FIELD_APPRECIATION | FIELD_MENTION | FIELD_ORIENTATION | FIELD_VIE_SCOLAIRE,
        ) => FieldRule::KeepBoth,
        // A report-card text is high stakes: keep both.
        (EntityKind::Appreciation, FIELD_TEXTE) => FieldRule::KeepBoth,
        // A mark is high stakes: two PCs of one teacher, or the two teachers of a co-taught
        // service, typing different marks for one pupil at once is for a person to settle.
        (EntityKind::Note, FIELD_VALEUR) => FieldRule::KeepBoth,
        // A devoir's barème or coefficient changes every mark's weight: two concurrent
        // definitions keep both until the teacher chooses.
        (EntityKind::Devoir, FIELD_DEFINITION) => FieldRule::KeepBoth,
        // A deleted devoir never comes back (its one value is `true`).
        (EntityKind::Devoir, FIELD_SUPPRIME) => FieldRule::OneWay(bool_order),
        // A competency item is defined and deleted like a devoir, for the same reasons.
        (EntityKind::Item, FIELD_DEFINITION) => FieldRule::KeepBoth,
        (EntityKind::Item, FIELD_SUPPRIME) => FieldRule::OneWay(bool_order),
        // A level reached and a positionnement reach the bulletin and the LSU like a mark:
        // concurrent ones are kept both for the teacher to choose.
        (EntityKind::Evaluation, FIELD_NIVEAU) => FieldRule::KeepBoth,
        (EntityKind::Positionnement, FIELD_NIVEAU) => FieldRule::KeepBoth,
        // The vie scolaire's justification (of a lateness here, of an absence below) is its
        // own field: the teacher's later correction of the roll call never undoes it. Two CPEs
        // justifying one absence differently offline is for a person to settle.
        (EntityKind::Presence | EntityKind::Absence, FIELD_JUSTIFICATION) => FieldRule::KeepBoth,
        // The exclusion report is the teacher's account, read by the CPE and maybe the family:
        // two versions at once are both kept.
        (EntityKind::Presence, FIELD_RAPPORT) => FieldRule::KeepBoth,
        // An absence's span and a dispense decide what is counted and what the teachers' roll
        // calls show: two CPEs writing different ones at once keep both for a person.
        (EntityKind::Absence | EntityKind::Dispense, FIELD_DEFINITION) => FieldRule::KeepBoth,
        // An absence or a dispense entered by mistake and deleted never comes back.
        (EntityKind::Absence | EntityKind::Dispense, FIELD_SUPPRIME) => {
            FieldRule::OneWay(bool_order)
        }
        // The school's settings (cut-off, counting rule, motifs) change every count: two
        // concurrent versions are kept for a person to choose.
        (EntityKind::Reglages, FIELD_VALEUR) => FieldRule::KeepBoth,
        // A family is told once per pupil and day: two CPE PCs preparing the same notification
        // offline write one record, and the first message the central receives is the one sent;
        // the other's author is told. Nothing is sent twice.
        (EntityKind::Notification, FIELD_MESSAGE) => FieldRule::Once,
        // What became of the sending is written by the central alone, in order: an attempt
        // never goes back (no person may write it, `may_write`).
        (EntityKind::Notification, FIELD_ENVOI) => FieldRule::OneWay(envoi_order),
        _ => return None,
    })
}

fn envoi_order(a: &Value, b: &Value) -> Ordering {
    let rank = |v: &Value| v.get("tentatives").and_then(Value::as_u64);
    rank(a).cmp(&rank(b))
}

fn bool_order(a: &Value, b: &Value) -> Ordering {
    a.as_bool().cmp(&b.as_bool())
}

fn appel_order(a: &Value, b: &Value) -> Ordering {
    let rank = |v: &Value| serde_json::from_value::<AppelEtat>(v.clone()).ok();
    rank(a).cmp(&rank(b))
}

fn conseil_order(a: &Value, b: &Value) -> Ordering {
    let rank = |v: &Value| {
        serde_json::from_value::<EtatConseil>(v.clone())
            .ok()
            .map(|e| e.rang())
    };
    rank(a).cmp(&rank(b))
}

/// The field's current value at the central, and the change that wrote it.
#[derive(Debug, Clone)]
pub struct Current<'a> {
    /// Its server sequence and op.
    pub version: u64,
    pub op: Option<&'a OpId>,
    /// The dot of the change: its client and client sequence.
    pub client_id: &'a ClientId,
    pub client_seq: u64,
    /// For a change resent after the central was restored: the sequence it had before the
    /// restore (what replicas that saw it then name as their base).
    pub prior_version: Option<u64>,
    pub value: &'a Value,
}

/// What the author of an incoming change saw.
#[derive(Debug, Clone)]
pub struct Incoming<'a> {
    pub client_id: &'a ClientId,
    /// The central's version of the field the author saw (0: none).
    pub base_version: u64,
    /// This PC's own unacknowledged edit of the field the author saw (its client sequence).
    pub base_own: Option<u64>,
    /// The op of the central's value the author saw.
    pub base_op: Option<&'a OpId>,
    pub value: &'a Value,
}

/// Whether the incoming change's author saw the current value (or a later one): then it is
/// sequential, not concurrent. `restore_floor`: every sequence given before the central's last
/// restore is at most this (0: never restored); a base at or below it may name a change by the
/// sequence it had before the restore.
pub fn covers(current: &Current<'_>, incoming: &Incoming<'_>, restore_floor: u64) -> bool {
    incoming.base_version >= current.version
        || (incoming.base_op.is_some() && incoming.base_op == current.op)
        || (current.client_id == incoming.client_id
            && incoming
                .base_own
                .is_some_and(|own| own >= current.client_seq))
        || (incoming.base_version <= restore_floor
            && current
                .prior_version
                .is_some_and(|prior| incoming.base_version >= prior))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The incoming value becomes current.
    Apply,
    /// Concurrent, but the same value as the current one: it stands as it is.
    Same,
    /// The current value stands under a one-way rule; the incoming change did not stand.
    Keep,
    /// The current value stands and the incoming one is kept beside it, in a conflict record that
    /// a person resolves.
    Conflict,
}

pub fn decide(rule: FieldRule, current: Option<&Current<'_>>, incoming: &Incoming<'_>) -> Decision {
    decide_after_restore(rule, current, incoming, 0)
}

/// `decide` on a central restored at least once (see `covers`).
pub fn decide_after_restore(
    rule: FieldRule,
    current: Option<&Current<'_>>,
    incoming: &Incoming<'_>,
    restore_floor: u64,
) -> Decision {
    let Some(current) = current else {
        return Decision::Apply;
    };
    if let FieldRule::Once = rule {
        return if incoming.value == current.value {
            Decision::Same
        } else {
            Decision::Keep
        };
    }
    if let FieldRule::OneWay(order) = rule {
        // Never backwards, concurrent or not.
        return if order(incoming.value, current.value) == Ordering::Less {
            Decision::Keep
        } else {
            Decision::Apply
        };
    }
    if covers(current, incoming, restore_floor) {
        Decision::Apply
    } else if incoming.value == current.value {
        // Concurrent edits that agree leave nothing to choose between.
        Decision::Same
    } else {
        Decision::Conflict
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use uuid::Uuid;

    fn client(n: u128) -> ClientId {
        ClientId(Uuid::from_u128(n))
    }

    fn rule(kind: EntityKind, field: &str) -> FieldRule {
        rule_for(kind, field).expect("declared")
    }

    #[test]
    fn every_writable_field_declares_a_rule() {
        for (kind, field) in [
            (EntityKind::Presence, FIELD_STATUT),
            (EntityKind::Presence, FIELD_FAIT),
            (EntityKind::Appel, FIELD_ETAT),
            (EntityKind::Conseil, FIELD_ETAT),
            (EntityKind::Appreciation, FIELD_TEXTE),
            (EntityKind::Note, FIELD_VALEUR),
            (EntityKind::Devoir, FIELD_DEFINITION),
            (EntityKind::Devoir, FIELD_SUPPRIME),
            (EntityKind::Item, FIELD_DEFINITION),
            (EntityKind::Item, FIELD_SUPPRIME),
            (EntityKind::Evaluation, FIELD_NIVEAU),
            (EntityKind::Positionnement, FIELD_NIVEAU),
            (EntityKind::Presence, FIELD_JUSTIFICATION),
            (EntityKind::Presence, FIELD_RAPPORT),
            (EntityKind::Absence, FIELD_DEFINITION),
            (EntityKind::Absence, FIELD_JUSTIFICATION),
            (EntityKind::Absence, FIELD_SUPPRIME),
            (EntityKind::Dispense, FIELD_DEFINITION),
            (EntityKind::Dispense, FIELD_SUPPRIME),
            (EntityKind::Reglages, FIELD_VALEUR),
            (EntityKind::Notification, FIELD_MESSAGE),
            (EntityKind::Notification, FIELD_ENVOI),
            (EntityKind::Decision, FIELD_APPRECIATION),
            (EntityKind::Decision, FIELD_MENTION),
            (EntityKind::Decision, FIELD_ORIENTATION),
            (EntityKind::Decision, FIELD_VIE_SCOLAIRE),
        ] {
            assert!(rule_for(kind, field).is_some(), "{kind:?}.{field}");
        }
        assert!(rule_for(EntityKind::Presence, "motif").is_none());
    }

    #[test]
    fn table() {
        let (a, b) = (client(1), client(2));
        let absent = json!({"statut": "absent"});
        let present = json!({"statut": "present"});
        let (fait, en_cours) = (json!("fait"), json!("en_cours"));
        let presence = rule(EntityKind::Presence, FIELD_STATUT);
        let vie_scolaire = rule(EntityKind::Presence, FIELD_FAIT);
        let appel = rule(EntityKind::Appel, FIELD_ETAT);
        let appreciation = rule(EntityKind::Appreciation, FIELD_TEXTE);
        let conseil = rule(EntityKind::Conseil, FIELD_ETAT);
        let (bien, tres_bien) = (json!("Bien."), json!("Très bien."));
        let (clos, en_seance) = (json!("clos"), json!("en_seance"));
        let rouvert = json!({"etat": "en_seance", "reouvertures": 1, "motif": "Erreur."});
        let reclos = json!({"etat": "clos", "reouvertures": 1, "motif": "Erreur."});
        let mention = rule(EntityKind::Decision, FIELD_MENTION);
        let (felicitations, compliments) = (json!("felicitations"), json!("compliments"));
        let (infirmerie, depart) = (json!({"fait": "infirmerie"}), json!({"fait": "depart"}));
        let note = rule(EntityKind::Note, FIELD_VALEUR);
        let (douze, quinze, abs) = (
            json!({"points": 1200}),
            json!({"points": 1500}),
            json!("abs"),
        );
        let supprime = rule(EntityKind::Devoir, FIELD_SUPPRIME);
        let justification = rule(EntityKind::Absence, FIELD_JUSTIFICATION);
        let absence_supprimee = rule(EntityKind::Absence, FIELD_SUPPRIME);
        let once = rule(EntityKind::Notification, FIELD_MESSAGE);
        let (message_a, message_b) = (json!({"objet": "a"}), json!({"objet": "b"}));
        let justifiee =
            json!({"etat": "justifiee", "motif": "FAMILLE", "billet": null, "commentaire": null});
        let non_recevable =
            json!({"etat": "non_recevable", "motif": "AUTRE", "billet": null, "commentaire": null});
        let (oui, non) = (json!(true), json!(false));
        use Decision::*;
        // (rule, current (version, client, client seq, value), incoming (client, base version,
        // own base, value), expected). No row has a clock: none is an input.
        let cases = [
            // Keep both: an appreciation that did not see the current one raises a conflict.
            (
                appreciation,
                Some((7, &b, 1, &bien)),
                (&a, 3, None, &tres_bien),
                Conflict,
            ),
            // ... unless its author saw it, or both wrote the same text.
            (
                appreciation,
                Some((7, &b, 1, &bien)),
                (&a, 7, None, &tres_bien),
                Apply,
            ),
            (
                appreciation,
                Some((7, &b, 1, &bien)),
                (&a, 3, None, &bien),
                Same,
            ),
            // A closed council stays closed, whatever its author saw.
            (
                conseil,
                Some((7, &b, 1, &clos)),
                (&a, 7, None, &en_seance),
                Keep,
            ),
            (
                conseil,
                Some((7, &b, 1, &en_seance)),
                (&a, 3, None, &clos),
                Apply,
            ),
            // The head's reopening goes past a close; a close sent before it, by a PC that had
            // not seen it, does not stand; closing the reopened council does.
            (
                conseil,
                Some((7, &b, 1, &clos)),
                (&a, 7, None, &rouvert),
                Apply,
            ),
            (
                conseil,
                Some((8, &a, 2, &rouvert)),
                (&b, 7, None, &clos),
                Keep,
            ),
            (
                conseil,
                Some((8, &a, 2, &rouvert)),
                (&b, 3, None, &reclos),
                Apply,
            ),
            // Two mentions given at once (the laptop offline, the head's PC): both kept.
            (
                mention,
                Some((7, &b, 1, &felicitations)),
                (&a, 3, None, &compliments),
                Conflict,
            ),
            (
                mention,
                Some((7, &b, 1, &felicitations)),
                (&a, 7, None, &compliments),
                Apply,
            ),
            // Two PCs type different marks for one pupil: both are kept.
            (
                note,
                Some((7, &b, 1, &douze)),
                (&a, 3, None, &quinze),
                Conflict,
            ),
            (
                note,
                Some((7, &b, 1, &douze)),
                (&a, 3, None, &abs),
                Conflict,
            ),
            (note, Some((7, &b, 1, &douze)), (&a, 3, None, &douze), Same),
            // A correction of the mark one saw applies.
            (
                note,
                Some((7, &b, 1, &douze)),
                (&a, 7, None, &quinze),
                Apply,
            ),
            // A deleted devoir stays deleted, even against an edit that saw the deletion.
            (supprime, Some((7, &b, 1, &oui)), (&a, 7, None, &non), Keep),
            (supprime, None, (&a, 0, None, &oui), Apply),
            // Nothing yet: applies.
            (presence, None, (&a, 0, None, &absent), Apply),
            // The teacher saw the current mark: her correction applies.
            (
                presence,
                Some((7, &b, 1, &present)),
                (&a, 7, None, &absent),
                Apply,
            ),
            // A PC corrects its own mark before it was acknowledged: it saw its own edit, so it
            // is sequential, however old its central base.
            (
                presence,
                Some((9, &a, 4, &absent)),
                (&a, 2, Some(4), &present),
                Apply,
            ),
            (
                presence,
                Some((9, &a, 4, &absent)),
                (&a, 2, Some(5), &present),
                Apply,
            ),
            // Its own base is older than the current change of its own PC: that change came
            // from an earlier edit it had not seen (cannot happen with an honest PC): a conflict.
            (
                presence,
                Some((9, &a, 4, &absent)),
                (&a, 2, Some(3), &present),
                Conflict,
            ),
            // Another PC's own base says nothing of this PC's edits.
            (
                presence,
                Some((9, &a, 4, &absent)),
                (&b, 2, Some(4), &present),
                Conflict,
            ),
            // Two PCs (or the teacher and the CPE) marking the same pupil differently at once.
            (
                presence,
                Some((7, &b, 1, &present)),
                (&a, 3, None, &absent),
                Conflict,
            ),
            (
                presence,
                Some((7, &b, 1, &absent)),
                (&a, 3, None, &absent),
                Same,
            ),
            // Two vie scolaire facts at once: a person chooses; one seen: a correction.
            (
                vie_scolaire,
                Some((5, &b, 1, &infirmerie)),
                (&a, 2, None, &depart),
                Conflict,
            ),
            (
                vie_scolaire,
                Some((5, &b, 1, &infirmerie)),
                (&a, 5, None, &depart),
                Apply,
            ),
            // One way: a roll call done stays done, whatever the base.
            (
                appel,
                Some((7, &b, 1, &fait)),
                (&a, 7, None, &en_cours),
                Keep,
            ),
            (
                appel,
                Some((7, &b, 1, &en_cours)),
                (&a, 3, None, &fait),
                Apply,
            ),
            (appel, Some((7, &b, 1, &fait)), (&a, 3, None, &fait), Apply),
            // Two CPEs justifying one absence differently offline: both kept.
            (
                justification,
                Some((9, &b, 1, &justifiee)),
                (&a, 4, None, &non_recevable),
                Conflict,
            ),
            // The second CPE saw the first's justification: hers applies.
            (
                justification,
                Some((9, &b, 1, &justifiee)),
                (&a, 9, None, &non_recevable),
                Apply,
            ),
            // The teacher's correction of the roll call is another field: it meets no
            // justification here (the roll call's own rows above).
            // An absence deleted stays deleted, whatever its author saw.
            (
                absence_supprimee,
                Some((9, &b, 1, &oui)),
                (&a, 9, None, &non),
                Keep,
            ),
            // A notification's message is written once: even one that saw it does not replace
            // it (it may already be sent); the same message agrees.
            (
                once,
                Some((9, &b, 1, &message_a)),
                (&a, 9, None, &message_b),
                Keep,
            ),
            (
                once,
                Some((9, &b, 1, &message_a)),
                (&a, 4, None, &message_b),
                Keep,
            ),
            (
                once,
                Some((9, &b, 1, &message_a)),
                (&a, 4, None, &message_a),
                Same,
            ),
            (once, None, (&a, 0, None, &message_b), Apply),
        ];
        for (i, (rule, current, (client_id, base, own, value), expected)) in
            cases.into_iter().enumerate()
        {
            let current = current.map(|(version, client_id, client_seq, value)| Current {
                version,
                client_id,
                client_seq,
                op: None,
                prior_version: None,
                value,
            });
            let incoming = Incoming {
                client_id,
                base_version: base,
                base_own: own,
                base_op: None,
                value,
            };
            assert_eq!(
                decide(rule, current.as_ref(), &incoming),
                expected,
                "case {i}"
            );
        }
    }

    #[test]
    fn after_a_restore_a_base_names_a_resent_change_by_its_old_sequence() {
        let (a, b) = (client(1), client(2));
        let (absent, present) = (json!({"statut": "absent"}), json!({"statut": "present"}));
        let keep_both = rule(EntityKind::Presence, FIELD_STATUT);
        // The teacher's mark was 50 before the restore (floor 80), resent as 81. The CPE saw 50
        // when she corrected it: her base 50 covers it.
        let resent = Current {
            version: 81,
            client_id: &a,
            client_seq: 3,
            op: None,
            prior_version: Some(50),
            value: &absent,
        };
        let saw = |base_version| Incoming {
            client_id: &b,
            base_version,
            base_own: None,
            base_op: None,
            value: &present,
        };
        assert_eq!(
            decide_after_restore(keep_both, Some(&resent), &saw(50), 80),
            Decision::Apply
        );
        // A base from before the mark was first written did not see it.
        assert_eq!(
            decide_after_restore(keep_both, Some(&resent), &saw(49), 80),
            Decision::Conflict
        );
        // A new change after the restore, never given a sequence before it, is covered only by
        // its own number.
        let fresh = Current {
            op: None,
            prior_version: None,
            ..resent.clone()
        };
        assert_eq!(
            decide_after_restore(keep_both, Some(&fresh), &saw(50), 80),
            Decision::Conflict
        );
        assert_eq!(
            decide_after_restore(keep_both, Some(&fresh), &saw(81), 80),
            Decision::Apply
        );
        // A PC that saw the teacher's mark by its op (which a restore does not renumber) covers
        // it however it was numbered since.
        let op = OpId(uuid::Uuid::from_u128(7));
        let named = Current {
            op: Some(&op),
            prior_version: None,
            ..resent.clone()
        };
        let by_op = Incoming {
            base_op: Some(&op),
            ..saw(3)
        };
        assert_eq!(
            decide_after_restore(keep_both, Some(&named), &by_op, 80),
            Decision::Apply
        );
        assert!(!clock_suspect(-CLOCK_TOLERANCE_MS));
        assert!(clock_suspect(-CLOCK_TOLERANCE_MS - 1));
    }
}

#[cfg(test)]
mod properties {
    //! The merge rules against a simple model. Edits of one field are generated with the ground
    //! truth of what each author saw (the edits delivered before it that it had read); the
    //! model says which must stand and which must be kept for a person.

    use super::*;
    use proptest::prelude::*;
    use serde_json::{Value, json};
    use uuid::Uuid;

    #[derive(Debug, Clone)]
    struct Edit {
        client: ClientId,
        value: Value,
    }

    fn edit(values: &'static [&'static str]) -> impl Strategy<Value = Edit> {
        (0u128..4, 0..values.len()).prop_map(move |(c, v)| Edit {
            client: ClientId(Uuid::from_u128(c)),
            value: json!(values[v]),
        })
    }

    /// Delivers concurrent edits (none saw another) in order; returns the final value and the
    /// values kept in conflict records.
    fn deliver_keeping(rule: FieldRule, edits: &[Edit]) -> (Option<Value>, Vec<Value>) {
        let mut conflicts = Vec::new();
        let mut current: Option<(u64, Edit)> = None;
        for (i, e) in edits.iter().enumerate() {
            let decision = {
                let cur = current.as_ref().map(|(version, c)| Current {
                    version: *version,
                    client_id: &c.client,
                    client_seq: *version,
                    op: None,
                    prior_version: None,
                    value: &c.value,
                });
                decide(
                    rule,
                    cur.as_ref(),
                    &Incoming {
                        client_id: &e.client,
                        base_version: 0,
                        base_own: None,
                        base_op: None,
                        value: &e.value,
                    },
                )
            };
            match decision {
                Decision::Apply => current = Some((i as u64 + 1, e.clone())),
                Decision::Conflict => conflicts.push(e.value.clone()),
                Decision::Keep | Decision::Same => {}
            }
        }
        (current.map(|(_, e)| e.value), conflicts)
    }

    /// Every distinct value, sorted: what "nothing is silently dropped" means for keep-both.
    fn distinct(values: impl IntoIterator<Item = Value>) -> Vec<String> {
        let set: std::collections::BTreeSet<String> =
            values.into_iter().map(|v| v.to_string()).collect();
        set.into_iter().collect()
    }

    const PRESENCES: &[&str] = &["present", "absent", "retard"];
    const ETATS: &[&str] = &["non_fait", "en_cours", "fait"];
    const TEXTES: &[&str] = &["Bien.", "Très bien.", "Des efforts."];

    proptest! {
        #[test]
        fn one_way_states_end_at_the_furthest(
            edits in proptest::collection::vec(edit(ETATS), 1..8),
            seed in any::<u64>(),
        ) {
            let rule = rule_for(EntityKind::Appel, FIELD_ETAT).expect("rule");
            let rank = |v: &Value| ETATS.iter().position(|s| json!(s) == *v);
            let furthest = edits.iter().filter_map(|e| rank(&e.value)).max();
            let mut shuffled = edits.clone();
            shuffle(&mut shuffled, seed);
            for order in [&edits, &shuffled] {
                let got = deliver_keeping(rule, order).0.expect("a value");
                prop_assert_eq!(rank(&got), furthest);
            }
        }

        #[test]
        fn keep_both_drops_no_value_whatever_the_order(
            edits in proptest::collection::vec(edit(TEXTES), 1..8),
            seed in any::<u64>(),
        ) {
            for rule in [
                rule_for(EntityKind::Appreciation, FIELD_TEXTE).expect("rule"),
                rule_for(EntityKind::Presence, FIELD_STATUT).expect("rule"),
            ] {
                let written = distinct(edits.iter().map(|e| e.value.clone()));
                let mut shuffled = edits.clone();
                shuffle(&mut shuffled, seed);
                let mut kept_sets = Vec::new();
                for order in [&edits, &shuffled] {
                    let (current, conflicts) = deliver_keeping(rule, order);
                    // The first delivered stands until a person chooses; every other value is in
                    // a conflict record.
                    prop_assert_eq!(current.as_ref(), Some(&order[0].value));
                    let kept = distinct(current.into_iter().chain(conflicts.iter().cloned()));
                    prop_assert_eq!(&kept, &written);
                    kept_sets.push(kept);
                    let thrice: Vec<Edit> = order.iter().chain(order.iter()).chain(order.iter()).cloned().collect();
                    let (_, again) = deliver_keeping(rule, &thrice);
                    prop_assert_eq!(distinct(again), distinct(conflicts));
                }
                // What a person is shown does not depend on the order of delivery.
                prop_assert_eq!(&kept_sets[0], &kept_sets[1]);
            }
        }

        /// A chain of edits where each author saw the one before (the same PC correcting itself
        /// offline, or people taking turns): each applies, and the last written stands, delivered
        /// once or again.
        #[test]
        fn sequential_edits_always_apply(
            chain in proptest::collection::vec((0u128..3, 0..PRESENCES.len(), any::<bool>()), 1..10),
        ) {
            let rule = rule_for(EntityKind::Presence, FIELD_STATUT).expect("rule");
            let clients: Vec<ClientId> = (0..3).map(|c| ClientId(Uuid::from_u128(c))).collect();
            // (version, client, client seq, value) of the current value.
            let mut current: Option<(u64, usize, u64, Value)> = None;
            let mut seqs = [0u64; 3];
            for (version, (c, v, acknowledged)) in (1u64..).zip(chain) {
                let c = c as usize;
                seqs[c] += 1;
                let value = json!(PRESENCES[v]);
                // The author saw the current value: by its central version if it was
                // acknowledged to them, else (same PC only) as its own pending edit.
                let (base_version, base_own) = match &current {
                    None => (0, None),
                    Some((ver, owner, seq, _)) if *owner == c && !acknowledged => (ver - 1, Some(*seq)),
                    Some((ver, _, _, _)) => (*ver, None),
                };
                let cur = current.as_ref().map(|(ver, owner, seq, val)| Current {
                    version: *ver,
                    client_id: &clients[*owner],
                    client_seq: *seq,
                    op: None,
                    prior_version: None,
                    value: val,
                });
                let got = decide(rule, cur.as_ref(), &Incoming {
                    client_id: &clients[c],
                    base_version,
                    base_own,
                    base_op: None,
                    value: &value,
                });
                prop_assert_eq!(got, Decision::Apply);
                current = Some((version, c, seqs[c], value));
            }
        }
    }

    /// A seeded Fisher-Yates shuffle (the protocol crate takes no randomness source).
    fn shuffle<T>(items: &mut [T], mut seed: u64) {
        for i in (1..items.len()).rev() {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            items.swap(i, (seed >> 33) as usize % (i + 1));
        }
    }
}
