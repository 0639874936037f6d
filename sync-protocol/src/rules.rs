//! The merge rules, declared per field, and the one pure function that applies them.
//!
//! An edit whose base is still current applies whatever the clocks say; only truly concurrent
//! edits (base older than the current value) reach the field's rule. A concurrent edit from a
//! client whose clock is more than 5 minutes off cannot be ordered by its timestamp: it goes to a
//! person (a conflict) instead of last-writer-wins.

use crate::change::ClientId;
use crate::hlc::Hlc;
use pupitre_domain::{AppelEtat, ConseilEtat, EntityKind};
use serde_json::Value;
use std::cmp::Ordering;

#[derive(Debug, Clone, Copy)]
pub enum FieldRule {
    /// Only one person writes it (a teacher's roll call of their own séance): concurrent writes
    /// come from that person's own devices, and the later one by (HLC, client) stands.
    SingleWriter,
    /// A state that only moves forward: the greater value stands, whatever the order.
    OneWay(fn(&Value, &Value) -> Ordering),
    /// High-stakes values (marks, appreciations, council decisions): concurrent edits keep both
    /// values and raise a conflict that a person resolves.
    KeepBoth,
    /// Last writer wins by (HLC, client id).
    LastWriterWins,
}

/// A client whose clock is further off than this is flagged (GUIDE §3).
pub const CLOCK_TOLERANCE_MS: i64 = 5 * 60 * 1000;

/// Whether a client's clock offset is too large for its timestamps to order concurrent edits.
pub fn clock_suspect(offset_ms: i64) -> bool {
    offset_ms.abs() > CLOCK_TOLERANCE_MS
}

/// The rule of each field. Unknown fields are refused before they get here.
pub fn rule_for(kind: EntityKind, field: &str) -> FieldRule {
    match (kind, field) {
        (EntityKind::Presence, _) => FieldRule::SingleWriter,
        (EntityKind::Appel, _) => FieldRule::OneWay(appel_order),
        (EntityKind::Conseil, _) => FieldRule::OneWay(conseil_order),
        (EntityKind::Appreciation, _) => FieldRule::KeepBoth,
    }
}

fn appel_order(a: &Value, b: &Value) -> Ordering {
    let rank = |v: &Value| serde_json::from_value::<AppelEtat>(v.clone()).ok();
    rank(a).cmp(&rank(b))
}

fn conseil_order(a: &Value, b: &Value) -> Ordering {
    let rank = |v: &Value| serde_json::from_value::<ConseilEtat>(v.clone()).ok();
    rank(a).cmp(&rank(b))
}

/// The field's current value at the central.
#[derive(Debug, Clone)]
pub struct Current<'a> {
    pub version: u64,
    pub hlc: Hlc,
    pub client_id: &'a ClientId,
    pub value: &'a Value,
}

#[derive(Debug, Clone)]
pub struct Incoming<'a> {
    pub base_version: u64,
    pub hlc: Hlc,
    pub client_id: &'a ClientId,
    pub value: &'a Value,
    /// The sending client's clock is more than 5 minutes off (see `clock_suspect`).
    pub clock_suspect: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The incoming value becomes current.
    Apply,
    /// The current value stands; the incoming change is logged as superseded.
    Keep,
    /// The current value stands and the incoming one is kept beside it, in a conflict record that
    /// a person resolves.
    Conflict,
}

pub fn decide(rule: FieldRule, current: Option<&Current<'_>>, incoming: &Incoming<'_>) -> Decision {
    let Some(current) = current else {
        return Decision::Apply;
    };
    if let FieldRule::OneWay(order) = rule {
        // Never backwards, concurrent or not.
        return if order(incoming.value, current.value) == Ordering::Less {
            Decision::Keep
        } else {
            Decision::Apply
        };
    }
    if incoming.base_version >= current.version {
        return Decision::Apply;
    }
    if matches!(rule, FieldRule::KeepBoth) || incoming.clock_suspect {
        // Concurrent edits that agree leave nothing to choose between.
        return if incoming.value == current.value {
            Decision::Keep
        } else {
            Decision::Conflict
        };
    }
    let incoming_key = (incoming.hlc, incoming.client_id);
    let current_key = (current.hlc, current.client_id);
    if incoming_key > current_key {
        Decision::Apply
    } else {
        Decision::Keep
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

    fn at(wall_ms: u64) -> Hlc {
        Hlc {
            wall_ms,
            counter: 0,
        }
    }

    #[test]
    fn table() {
        let (a, b) = (client(1), client(2));
        let absent = json!({"statut": "absent"});
        let present = json!({"statut": "present"});
        let fait = json!("fait");
        let en_cours = json!("en_cours");
        let presence = rule_for(EntityKind::Presence, "statut");
        let appel = rule_for(EntityKind::Appel, "etat");
        let appreciation = rule_for(EntityKind::Appreciation, "texte");
        let conseil = rule_for(EntityKind::Conseil, "etat");
        let (bien, tres_bien) = (json!("Bien."), json!("Très bien."));
        let (clos, en_seance) = (json!("clos"), json!("en_seance"));
        // (rule, current (version, hlc, client, value), incoming (base, hlc, client, value), expected)
        let cases = [
            // Keep both: a concurrent appreciation raises a conflict, whatever the clocks.
            (
                appreciation,
                Some((7, 1000, &b, &bien)),
                (3, 5000, &a, &tres_bien),
                Decision::Conflict,
            ),
            (
                appreciation,
                Some((7, 1000, &b, &bien)),
                (3, 1, &a, &tres_bien),
                Decision::Conflict,
            ),
            // ... unless the author saw the current value, or both wrote the same text.
            (
                appreciation,
                Some((7, 1000, &b, &bien)),
                (7, 1, &a, &tres_bien),
                Decision::Apply,
            ),
            (
                appreciation,
                Some((7, 1000, &b, &bien)),
                (3, 1, &a, &bien),
                Decision::Keep,
            ),
            // A closed council stays closed.
            (
                conseil,
                Some((7, 1000, &b, &clos)),
                (7, 5000, &a, &en_seance),
                Decision::Keep,
            ),
            // Nothing yet: applies.
            (presence, None, (0, 5, &a, &absent), Decision::Apply),
            // Base is current: applies even with a clock far behind.
            (
                presence,
                Some((7, 1000, &b, &present)),
                (7, 1, &a, &absent),
                Decision::Apply,
            ),
            // Concurrent: the later (HLC, client) wins.
            (
                presence,
                Some((7, 1000, &b, &present)),
                (3, 999, &a, &absent),
                Decision::Keep,
            ),
            (
                presence,
                Some((7, 1000, &b, &present)),
                (3, 1001, &a, &absent),
                Decision::Apply,
            ),
            // Same HLC: the client id breaks the tie.
            (
                presence,
                Some((7, 1000, &a, &present)),
                (3, 1000, &b, &absent),
                Decision::Apply,
            ),
            (
                presence,
                Some((7, 1000, &b, &present)),
                (3, 1000, &a, &absent),
                Decision::Keep,
            ),
            // One way: a roll call done stays done, whatever the base or the clock.
            (
                appel,
                Some((7, 1000, &b, &fait)),
                (7, 5000, &a, &en_cours),
                Decision::Keep,
            ),
            (
                appel,
                Some((7, 1000, &b, &en_cours)),
                (3, 1, &a, &fait),
                Decision::Apply,
            ),
            (
                appel,
                Some((7, 1000, &b, &fait)),
                (3, 1, &a, &fait),
                Decision::Apply,
            ),
        ];
        for (i, (rule, current, (base, hlc, client_id, value), expected)) in
            cases.into_iter().enumerate()
        {
            let current = current.map(|(version, wall, client_id, value)| Current {
                version,
                hlc: at(wall),
                client_id,
                value,
            });
            let incoming = Incoming {
                base_version: base,
                hlc: at(hlc),
                client_id,
                value,
                clock_suspect: false,
            };
            assert_eq!(
                decide(rule, current.as_ref(), &incoming),
                expected,
                "case {i}"
            );
        }
    }

    #[test]
    fn a_client_with_a_wrong_clock_goes_to_a_person_when_concurrent() {
        let (a, b) = (client(1), client(2));
        let (absent, present) = (json!({"statut": "absent"}), json!({"statut": "present"}));
        let presence = rule_for(EntityKind::Presence, "statut");
        let current = Current {
            version: 7,
            hlc: at(1000),
            client_id: &b,
            value: &present,
        };
        let incoming = |base_version| Incoming {
            base_version,
            hlc: at(9_000_000),
            client_id: &a,
            value: &absent,
            clock_suspect: clock_suspect(CLOCK_TOLERANCE_MS + 1),
        };
        // Concurrent: its far-ahead timestamp must not win by itself.
        assert_eq!(
            decide(presence, Some(&current), &incoming(3)),
            Decision::Conflict
        );
        // Sequential: its base is current, so it applies whatever its clock.
        assert_eq!(
            decide(presence, Some(&current), &incoming(7)),
            Decision::Apply
        );
        assert!(!clock_suspect(-CLOCK_TOLERANCE_MS));
        assert!(clock_suspect(-CLOCK_TOLERANCE_MS - 1));
    }
}

#[cfg(test)]
mod properties {
    //! The merge rules against a simple model: among concurrent edits of one field, the result
    //! does not depend on the order of delivery, and delivering a batch again changes nothing.

    use super::*;
    use proptest::prelude::*;
    use serde_json::{Value, json};
    use uuid::Uuid;

    #[derive(Debug, Clone)]
    struct Edit {
        hlc: Hlc,
        client: ClientId,
        value: Value,
    }

    fn edit(values: &'static [&'static str]) -> impl Strategy<Value = Edit> {
        (0u64..50, 0u32..3, 0u128..4, 0..values.len()).prop_map(move |(wall, counter, c, v)| Edit {
            hlc: Hlc {
                wall_ms: wall,
                counter,
            },
            client: ClientId(Uuid::from_u128(c)),
            value: json!(values[v]),
        })
    }

    /// Delivers concurrent edits (all based on version 0) in order; returns the final value.
    fn deliver(rule: FieldRule, edits: &[Edit]) -> Option<Value> {
        deliver_keeping(rule, edits).0
    }

    /// Delivers concurrent edits in order; returns the final value and the values kept in
    /// conflict records.
    fn deliver_keeping(rule: FieldRule, edits: &[Edit]) -> (Option<Value>, Vec<Value>) {
        let mut conflicts = Vec::new();
        let mut current: Option<(u64, Edit)> = None;
        for (i, e) in edits.iter().enumerate() {
            let decision = {
                let cur = current.as_ref().map(|(version, c)| Current {
                    version: *version,
                    hlc: c.hlc,
                    client_id: &c.client,
                    value: &c.value,
                });
                decide(
                    rule,
                    cur.as_ref(),
                    &Incoming {
                        base_version: 0,
                        hlc: e.hlc,
                        client_id: &e.client,
                        value: &e.value,
                        clock_suspect: false,
                    },
                )
            };
            match decision {
                Decision::Apply => current = Some((i as u64 + 1, e.clone())),
                Decision::Conflict => conflicts.push(e.value.clone()),
                Decision::Keep => {}
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
        fn last_writer_wins_is_the_model_whatever_the_order(
            edits in proptest::collection::vec(edit(PRESENCES), 1..8),
            seed in any::<u64>(),
        ) {
            let rule = rule_for(EntityKind::Presence, "statut");
            // Model: the edit with the greatest (HLC, client) stands; ties on both keep the first
            // delivered, so the model takes the values of all maximal edits.
            let best = edits.iter().map(|e| (e.hlc, e.client.clone())).max().expect("non-empty");
            let winners: Vec<Value> = edits.iter().filter(|e| (e.hlc, e.client.clone()) == best).map(|e| e.value.clone()).collect();
            let mut shuffled = edits.clone();
            shuffle(&mut shuffled, seed);
            for order in [&edits, &shuffled] {
                let got = deliver(rule, order).expect("a value");
                prop_assert!(winners.contains(&got), "{got} not in {winners:?}");
            }
        }

        #[test]
        fn one_way_states_end_at_the_furthest(
            edits in proptest::collection::vec(edit(ETATS), 1..8),
            seed in any::<u64>(),
        ) {
            let rule = rule_for(EntityKind::Appel, "etat");
            let rank = |v: &Value| ETATS.iter().position(|s| json!(s) == *v);
            let furthest = edits.iter().filter_map(|e| rank(&e.value)).max();
            let mut shuffled = edits.clone();
            shuffle(&mut shuffled, seed);
            for order in [&edits, &shuffled] {
                let got = deliver(rule, order).expect("a value");
                prop_assert_eq!(rank(&got), furthest);
            }
        }

        #[test]
        fn keep_both_drops_no_value_whatever_the_order(
            edits in proptest::collection::vec(edit(TEXTES), 1..8),
            seed in any::<u64>(),
        ) {
            let rule = rule_for(EntityKind::Appreciation, "texte");
            let written = distinct(edits.iter().map(|e| e.value.clone()));
            let mut shuffled = edits.clone();
            shuffle(&mut shuffled, seed);
            for order in [&edits, &shuffled] {
                let (current, conflicts) = deliver_keeping(rule, order);
                // The first delivered stands until a person chooses; every other value is in a
                // conflict record, once per distinct value.
                prop_assert_eq!(current.as_ref(), Some(&order[0].value));
                let kept = distinct(current.into_iter().chain(conflicts.iter().cloned()));
                prop_assert_eq!(&kept, &written);
                let thrice: Vec<Edit> = order.iter().chain(order.iter()).chain(order.iter()).cloned().collect();
                let (_, again) = deliver_keeping(rule, &thrice);
                prop_assert_eq!(distinct(again), distinct(conflicts));
            }
        }

        #[test]
        fn delivering_a_batch_three_times_equals_once(
            edits in proptest::collection::vec(edit(PRESENCES), 1..8),
        ) {
            for rule in [rule_for(EntityKind::Presence, "statut"), rule_for(EntityKind::Appel, "etat")] {
                let thrice: Vec<Edit> = edits.iter().chain(&edits).chain(&edits).cloned().collect();
                prop_assert_eq!(deliver(rule, &edits), deliver(rule, &thrice));
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
