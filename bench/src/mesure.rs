//! What the benchmarks share: the central's current values as a snapshot gives them, a
//! replica bootstrapped from one, and the table's timings (medians, p99, one row per measure).

// Each benchmark binary includes this file and uses a part of it.
#![allow(dead_code)]

use pupitre_domain::notes::Centiemes;
use pupitre_domain::{Devoir, DevoirBrut, EntityKind, Fonction, Note, School, Scope};
use pupitre_replica::store::Store;
use pupitre_sync_protocol::change::Effect;
use pupitre_sync_protocol::wire::{LogRef, Snapshot};
use pupitre_sync_protocol::{ClientId, EntityRef, Hlc, OpId, ServerChange};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// The demo school of the year of `day`, its class 3A (nobody left or joined it during the
/// year) grown to `size` pupils; that class's id.
pub fn school_with_a_class_of(size: usize, day: chrono::NaiveDate) -> (School, String) {
    let mut school = pupitre_fixtures::generate(pupitre_fixtures::DEMO_SEED).school(day);
    let division = school
        .divisions
        .iter()
        .find(|d| d.code == "3A")
        .expect("3A")
        .id
        .clone();
    let model = school
        .eleves
        .iter()
        .find(|e| e.division_id == division)
        .expect("a pupil")
        .clone();
    let have = school
        .eleves
        .iter()
        .filter(|e| e.division_id == division)
        .count();
    for n in have..size {
        let mut e = model.clone();
        e.id = format!("9{n:05}");
        e.nom = format!("BENCH{n:02}");
        school.eleves.push(e);
    }
    (school, division)
}

/// Every devoir and mark of the year, as the central's current values: `per_period` devoirs
/// a period in each service, `big.1` in T1 for the service `big.0`; one mark a pupil a devoir.
pub fn gradebook_values(
    school: &School,
    big: (&str, usize),
    per_period: usize,
) -> (Vec<ServerChange>, usize, usize) {
    let mut x: u64 = 13;
    let mut next = move || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        x >> 33
    };
    let (mut out, mut devoirs, mut marks) = (Vec::new(), 0, 0);
    for service in &school.services {
        let pupils: Vec<&str> = school
            .eleves
            .iter()
            .filter(|e| e.dans(&service.cible))
            .map(|e| e.id.as_str())
            .collect();
        for periode in &school.periodes {
            let n = if service.id == big.0 && periode.id == "T1" {
                big.1
            } else {
                per_period
            };
            for k in 0..n {
                let devoir_id = format!("d{}{k}", periode.id);
                let devoir = Devoir::new(DevoirBrut {
                    titre: format!("Devoir {k}"),
                    date: periode.debut + chrono::Days::new(k as u64 * 7),
                    periode_id: periode.id.clone(),
                    coefficient_centiemes: 100 * (1 + (k % 2) as i64),
                    bareme_centiemes: if k % 3 == 0 { 1000 } else { 2000 },
                    compte: true,
                    items: Vec::new(),
                })
                .expect("a devoir");
                let bareme = devoir.bareme().0;
                let id = format!("{}/{devoir_id}", service.id);
                let scope = service.cible.key();
                let seq = out.len() as u64 + 1;
                out.push(change(
                    seq,
                    EntityKind::Devoir,
                    id.clone(),
                    "definition",
                    serde_json::to_value(&devoir).expect("json"),
                    &scope,
                ));
                devoirs += 1;
                for pupil in &pupils {
                    let r = next();
                    let note = match r % 40 {
                        0 => Note::Abs,
                        1 => Note::Nr,
                        _ => Note::Valeur(Centiemes((r as u32 / 7) % (bareme + 1))),
                    };
                    let seq = out.len() as u64 + 1;
                    out.push(change(
                        seq,
                        EntityKind::Note,
                        format!("{id}/{pupil}"),
                        "valeur",
                        serde_json::to_value(Some(note)).expect("json"),
                        &scope,
                    ));
                    marks += 1;
                }
            }
        }
    }
    (out, devoirs, marks)
}

/// One field's current value, as the central would send it.
pub fn change(
    seq: u64,
    kind: EntityKind,
    id: String,
    field: &str,
    value: serde_json::Value,
    scope: &str,
) -> ServerChange {
    ServerChange {
        server_seq: seq,
        op_id: OpId(Uuid::from_u128(u128::from(seq))),
        client_id: ClientId(Uuid::from_u128(1)),
        author_id: "10001".into(),
        entity: EntityRef { kind, id },
        field: field.into(),
        value,
        hlc: Hlc {
            wall_ms: 1_790_000_000_000 + seq,
            counter: 0,
        },
        client_seq: seq,
        received_ms: 1_790_000_000_000 + seq,
        effect: Effect::Applied,
        scope_key: scope.into(),
        resolves: None,
    }
}

/// A replica of the direction (the whole school) holding `fields`, and a raw connection to
/// its file (under the same key: a baseline on the same encrypted pages).
pub fn replica(
    school: &School,
    fields: Vec<ServerChange>,
) -> (tempfile::TempDir, Store, rusqlite::Connection) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("replica.sqlite");
    let key = pupitre_replica::cle::CleReplica::nouvelle();
    let mut store = Store::open(&path, &key).expect("replica");
    let raw = rusqlite::Connection::open(&path).expect("raw connection");
    pupitre_school_db::apply_key(&raw, "main", key.octets()).expect("key");
    let moi = school
        .personnels
        .iter()
        .find(|p| p.fonction == Fonction::Direction)
        .expect("a head")
        .clone();
    let cursor = fields.len() as u64;
    let snapshot = Snapshot {
        moi,
        scope: Scope::Etablissement,
        school: school.clone(),
        fields,
        conflicts: Vec::new(),
        cursor,
        log: LogRef {
            log_id: "bench".into(),
            epoch: 1,
        },
        restore_floor: 0,
        server_hlc: Hlc {
            wall_ms: 1_790_000_000_000,
            counter: 0,
        },
    };
    store.rebase(&snapshot, &mut |_, _| {}).expect("snapshot");
    (dir, store, raw)
}

/// The school's CPE.
pub fn cpe_of(school: &School) -> pupitre_domain::Personnel {
    (school.personnels.iter())
        .find(|p| p.fonction == Fonction::Cpe)
        .expect("a CPE")
        .clone()
}

/// A new encrypted replica, empty.
pub fn empty_replica() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = pupitre_replica::cle::CleReplica::nouvelle();
    let store = Store::open(&dir.path().join("replica.sqlite"), &key).expect("replica");
    (dir, store)
}

pub fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

pub fn p99(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[(times.len() * 99 / 100).min(times.len() - 1)]
}

pub fn timed(runs: usize, mut f: impl FnMut()) -> Vec<Duration> {
    (0..runs.max(1))
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect()
}

pub fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Prints the table's header.
pub fn header() {
    println!("| measure | Pupitre (median) | p99 | baseline, same run (median) | ratio | target |");
    println!("|---|---|---|---|---|---|");
}

/// One row of the table: ours beside the baseline measured in the same run.
pub fn row(name: &str, ours: &[Duration], base: &[Duration], target: &str) {
    let (m, b) = (median(ours.to_vec()), median(base.to_vec()));
    println!(
        "| {name} | {} | {} | {} | {:.1}× | {target} |",
        ms(m),
        ms(p99(ours.to_vec())),
        ms(b),
        m.as_secs_f64() / b.as_secs_f64().max(1e-9)
    );
}

/// A bare one-row commit with the replica's pragmas (`synchronous = FULL`): the floor of any
/// durable local write, timed `n` times.
pub fn bare_commits(n: usize) -> Vec<Duration> {
    let dir = tempfile::tempdir().expect("tempdir");
    let floor = pupitre_school_db::open(
        &dir.path().join("floor.sqlite"),
        0x464c_4f52,
        &[&["CREATE TABLE kv (k INTEGER PRIMARY KEY, v TEXT NOT NULL);"]],
    )
    .expect("floor db");
    let mut k = 0;
    timed(n, || {
        floor
            .execute(
                "INSERT OR REPLACE INTO kv (k, v) VALUES (?1, '{\"points\":1200}')",
                [k % 35],
            )
            .expect("insert");
        k += 1;
    })
}
