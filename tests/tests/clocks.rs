//! Property: what the central decides does not depend on any PC's clock. The same roll-call
//! edits (the teacher on two PCs and the CPE, sequential and concurrent, marks and facts) pushed
//! with arbitrary timestamps and clock offsets, up to the largest a clock can give, get the same
//! outcomes and leave the same values and conflicts as with every clock right.

use proptest::prelude::*;
use pupitre_central::db::{identity, log};
use pupitre_central::{Db, push};
use pupitre_domain::{Edit, Fait, Presence};
use pupitre_e2e::personnel;
use pupitre_sync_protocol::wire::PushResult;
use pupitre_sync_protocol::{Change, ClientId, EntityRef, Hlc, OpId};
use std::path::Path;
use uuid::Uuid;

/// One scripted edit: who (0, 1: the teacher's two PCs; 2: the CPE), which pupil, what, and
/// whether its author had seen the central's latest value of the field.
#[derive(Debug, Clone)]
struct Step {
    pc: usize,
    pupil: usize,
    fact: bool,
    value: usize,
    saw_latest: bool,
}

fn step() -> impl Strategy<Value = Step> {
    (
        0usize..3,
        0usize..2,
        any::<bool>(),
        0usize..4,
        any::<bool>(),
    )
        .prop_map(|(pc, pupil, fact, value, saw_latest)| Step {
            pc,
            pupil,
            fact: fact && pc == 2,
            value,
            saw_latest,
        })
}

/// Runs the script on a fresh copy of the school; `clock(pc, i)` is the PC's timestamp and
/// offset for its i-th change. Returns what each push answered (without server sequences, which
/// are the same anyway), then the central's values and open conflicts.
fn run(dir: &Path, script: &[Step], clock: impl Fn(usize, usize) -> (u64, i64)) -> Vec<String> {
    let (template, school) = pupitre_e2e::test_day_template();
    let path = dir.join("central.sqlite");
    std::fs::copy(template, &path).expect("copy");
    let db = Db::open(&path).expect("db");
    let seance = school
        .seances
        .iter()
        .find(|s| school.is_taught_by(s, "10001"))
        .expect("a séance of the demo teacher");
    let service = school
        .services
        .iter()
        .find(|sv| sv.id == seance.service_id)
        .expect("service");
    let pupils: Vec<&str> = school
        .eleves
        .iter()
        .filter(|e| pupitre_domain::Cible::Division(e.division_id.clone()) == service.cible)
        .take(2)
        .map(|e| e.id.as_str())
        .collect();
    let who = [
        personnel(school, "10001"),
        personnel(school, "10001"),
        personnel(school, "CPE1"),
    ];
    let clients: Vec<ClientId> = (1..=3).map(|n| ClientId(Uuid::from_u128(n))).collect();
    for (c, p) in clients.iter().zip(&who) {
        db.with(|conn| log::register_client(conn, c, &p.id))
            .expect("register");
    }
    let log_ref = db.with(|c| identity::read(c)).expect("identity").log;
    let mut seqs = [0u64; 3];
    let mut out = Vec::new();
    for (i, s) in script.iter().enumerate() {
        let edit = if s.fact {
            let fait = [Fait::Infirmerie, Fait::Depart, Fait::Exclusion, Fait::Aucun][s.value];
            Edit::Fait {
                seance_id: seance.id.clone(),
                eleve_id: pupils[s.pupil].to_owned(),
                fait,
            }
        } else {
            let presence = [
                Presence::Absent,
                Presence::Present,
                Presence::Dispense,
                Presence::Exclu,
            ][s.value];
            Edit::Presence {
                seance_id: seance.id.clone(),
                eleve_id: pupils[s.pupil].to_owned(),
                presence,
            }
        };
        let entity = EntityRef {
            kind: edit.kind(),
            id: edit.entity_id(),
        };
        let base_version = if s.saw_latest {
            db.with(|c| log::head(c)).expect("head")
        } else {
            0
        };
        seqs[s.pc] += 1;
        let (wall_ms, offset_ms) = clock(s.pc, i);
        let change = Change {
            op_id: OpId(Uuid::from_u128(1000 + i as u128)),
            client_seq: seqs[s.pc],
            entity,
            field: edit.field().to_owned(),
            value: edit.value(),
            base_version,
            base_own: None,
            base_op: None,
            hlc: Hlc {
                wall_ms,
                counter: 0,
            },
            resolves: None,
            acked_as: None,
            void: false,
        };
        let outcomes = db
            .with(|c| {
                push::push(
                    c,
                    &who[s.pc],
                    &clients[s.pc],
                    &log_ref,
                    &[change],
                    offset_ms,
                    1_795_420_800_000,
                )
            })
            .expect("push");
        for o in outcomes {
            out.push(match o.result {
                PushResult::Accepted {
                    effect, outcome, ..
                } => format!("{effect:?} {outcome:?}"),
                PushResult::Refused { code, .. } => format!("refused {code:?}"),
            });
        }
    }
    let everyone = personnel(school, "CPE1");
    let values = db
        .with(|c| log::current_fields(c, &everyone))
        .expect("values");
    out.extend(
        values
            .into_iter()
            .map(|c| format!("{} {} = {}", c.entity.id, c.field, c.value)),
    );
    let conflicts = db
        .with(|c| log::open_conflicts(c, &everyone))
        .expect("conflicts");
    out.extend(
        conflicts
            .into_iter()
            .map(|c| format!("conflict {} {}", c.entity.id, c.value)),
    );
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn no_clock_changes_what_the_central_decides(
        script in proptest::collection::vec(step(), 1..12),
        walls in proptest::collection::vec(0u64..=i64::MAX as u64, 12),
        offsets in proptest::collection::vec(-(400i64 * 86_400_000)..=400 * 86_400_000, 3),
    ) {
        let dir = tempfile::tempdir().expect("tempdir");
        let right = run(dir.path(), &script, |_, _| (1_795_420_800_000, 0));
        let dir = tempfile::tempdir().expect("tempdir");
        let wrong = run(dir.path(), &script, |pc, i| (walls[i], offsets[pc]));
        prop_assert_eq!(right, wrong);
    }
}
