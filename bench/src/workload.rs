//! The benchmark's data and the five appliers.

use automerge::transaction::Transactable;
use pupitre_central::db::log;
use pupitre_central::{Db, demo, push};
use pupitre_domain::{Cible, EntityKind, Fonction, Personnel, Scope};
use pupitre_replica::store::Store;
use pupitre_sync_protocol::change::Effect;
use pupitre_sync_protocol::wire::{MAX_PULL_PAGE, MAX_PUSH_CHANGES};
use pupitre_sync_protocol::{Change, ClientId, EntityRef, Hlc, OpId, ServerChange};
use rusqlite::{Connection, params};
use serde_json::json;
use std::collections::HashMap;
use tempfile::TempDir;
use uuid::Uuid;
use yrs::updates::decoder::Decode;
use yrs::{Map, Transact};

const PAGE: usize = MAX_PULL_PAGE as usize;

/// A deterministic stream of a school year's roll-call changes: marks (85 %) and roll-call states
/// over 20,000 séances of about 30 pupils, from 50 replicas.
pub fn changes(n: usize) -> Vec<ServerChange> {
    let mut x: u64 = 2026;
    let mut next = || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        x >> 33
    };
    (0..n)
        .map(|i| {
            let seance = format!("SE-{:05}", next() % 20_000);
            let r = next();
            let (entity, field, value) = if r % 100 < 85 {
                let statut = ["absent", "present", "dispense"][(r % 3) as usize];
                (
                    EntityRef {
                        kind: EntityKind::Presence,
                        id: format!("{seance}/{}", 100_000 + next() % 30),
                    },
                    "statut",
                    json!({"statut": statut}),
                )
            } else {
                (
                    EntityRef {
                        kind: EntityKind::Appel,
                        id: seance,
                    },
                    "etat",
                    json!("fait"),
                )
            };
            ServerChange {
                server_seq: i as u64 + 1,
                op_id: OpId(Uuid::from_u128(i as u128 + 1)),
                client_id: ClientId(Uuid::from_u128(u128::from(r % 50))),
                author_id: "10001".into(),
                entity,
                field: field.into(),
                value,
                hlc: Hlc {
                    wall_ms: 1_790_000_000_000 + i as u64,
                    counter: 0,
                },
                client_seq: i as u64 + 1,
                received_ms: 1_790_000_000_000 + i as u64,
                effect: Effect::Applied,
                scope_key: format!("division:D{}", r % 24),
                resolves: None,
            }
        })
        .collect()
}

pub fn temp_replica() -> (TempDir, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(
        &dir.path().join("replica.sqlite"),
        &pupitre_replica::cle::CleReplica::nouvelle(),
    )
    .expect("replica");
    (dir, store)
}

pub fn replica_apply(store: &mut Store, changes: &[ServerChange]) {
    for page in changes.chunks(PAGE) {
        let cursor = page.last().map_or(0, |c| c.server_seq);
        store
            .apply_page(page, cursor, &Scope::Etablissement)
            .expect("apply page");
    }
}

pub fn temp_ceiling() -> (TempDir, Connection) {
    let sql = "CREATE TABLE kv (kind TEXT NOT NULL, entity_id TEXT NOT NULL, field TEXT NOT NULL,
               value TEXT NOT NULL, version INTEGER NOT NULL, PRIMARY KEY (kind, entity_id, field));
               CREATE TABLE log (seq INTEGER PRIMARY KEY, op_id TEXT NOT NULL, kind TEXT NOT NULL,
               entity_id TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL);";
    ceiling_db(sql, 0x4345_494c)
}

/// (b'), the tuned ceiling: the same work on a schema made for it. Every (kind, entity, field)
/// key interned once into an integer id (a table of ids, and the map in memory a replica would
/// keep), the values in key order WITHOUT ROWID, a page cache sized for a school (256 MiB) and
/// mmap asked for; encrypted and durable as (b).
pub fn temp_ceiling_tuned() -> (TempDir, Connection) {
    let sql = "CREATE TABLE ids (id INTEGER PRIMARY KEY, cle TEXT NOT NULL UNIQUE);
               CREATE TABLE kv (id INTEGER PRIMARY KEY, value TEXT NOT NULL,
               version INTEGER NOT NULL) WITHOUT ROWID;
               CREATE TABLE log (seq INTEGER PRIMARY KEY, op_id TEXT NOT NULL,
               id INTEGER NOT NULL, value TEXT NOT NULL);";
    let (dir, conn) = ceiling_db(sql, 0x4345_4954);
    conn.execute_batch("PRAGMA cache_size = -262144; PRAGMA mmap_size = 268435456;")
        .expect("pragmas");
    (dir, conn)
}

/// A ceiling's database of schema `sql`, encrypted as a replica is (SQLCipher, the same page
/// cache, checkpoints and durability): the ceiling of what any encrypted replica could do.
fn ceiling_db(sql: &str, application_id: i64) -> (TempDir, Connection) {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = pupitre_replica::cle::CleReplica::nouvelle();
    let conn = pupitre_school_db::open_encrypted(
        &dir.path().join("ceiling.sqlite"),
        key.octets(),
        application_id,
        &[&[sql]],
    )
    .expect("ceiling db");
    (dir, conn)
}

pub fn ceiling_tuned_apply(conn: &mut Connection, changes: &[ServerChange]) {
    let mut ids: HashMap<String, i64> = HashMap::new();
    for page in changes.chunks(PAGE) {
        let tx = conn.transaction().expect("tx");
        {
            let mut intern =
                (tx.prepare_cached("INSERT INTO ids (cle) VALUES (?1)")).expect("prepare");
            let mut upsert = tx
                .prepare_cached(
                    "INSERT INTO kv (id, value, version) VALUES (?1, ?2, ?3)
                     ON CONFLICT (id) DO UPDATE SET value = excluded.value, version = excluded.version",
                )
                .expect("prepare");
            let mut append = (tx
                .prepare_cached("INSERT INTO log (seq, op_id, id, value) VALUES (?1, ?2, ?3, ?4)"))
            .expect("prepare");
            for c in page {
                let cle = key(c);
                let id = match ids.get(&cle) {
                    Some(id) => *id,
                    None => {
                        intern.execute([&cle]).expect("intern");
                        let id = tx.last_insert_rowid();
                        ids.insert(cle, id);
                        id
                    }
                };
                let value = c.value.to_string();
                upsert
                    .execute(params![id, value, c.server_seq as i64])
                    .expect("upsert");
                append
                    .execute(params![
                        c.server_seq as i64,
                        c.op_id.0.to_string(),
                        id,
                        value
                    ])
                    .expect("append");
            }
        }
        tx.commit().expect("commit");
    }
}

/// The floor of any SQLite replica: write the value and append the log, nothing else.
pub fn ceiling_apply(conn: &mut Connection, changes: &[ServerChange]) {
    for page in changes.chunks(PAGE) {
        let tx = conn.transaction().expect("tx");
        {
            let mut upsert = tx
                .prepare_cached(
                    "INSERT INTO kv (kind, entity_id, field, value, version) VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (kind, entity_id, field) DO UPDATE SET value = excluded.value, version = excluded.version",
                )
                .expect("prepare");
            let mut append = tx
                .prepare_cached("INSERT INTO log (seq, op_id, kind, entity_id, field, value) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
                .expect("prepare");
            for c in page {
                let value = c.value.to_string();
                let kind = c.entity.kind.as_str();
                upsert
                    .execute(params![
                        kind,
                        c.entity.id,
                        c.field,
                        value,
                        c.server_seq as i64
                    ])
                    .expect("upsert");
                append
                    .execute(params![
                        c.server_seq as i64,
                        c.op_id.0.to_string(),
                        kind,
                        c.entity.id,
                        c.field,
                        value
                    ])
                    .expect("append");
            }
        }
        tx.commit().expect("commit");
    }
}

fn key(c: &ServerChange) -> String {
    format!("{}:{}:{}", c.entity.kind.as_str(), c.entity.id, c.field)
}

/// The same changes as automerge changes, one per page (made once, not timed).
pub fn automerge_pages(changes: &[ServerChange]) -> Vec<automerge::Change> {
    let mut source = automerge::AutoCommit::new();
    changes
        .chunks(PAGE)
        .map(|page| {
            for c in page {
                source
                    .put(automerge::ROOT, key(c), c.value.to_string())
                    .expect("put");
            }
            source.commit();
            source.get_last_local_change().expect("a change").clone()
        })
        .collect()
}

pub fn automerge_apply(pages: &[automerge::Change]) {
    let mut doc = automerge::Automerge::new();
    for page in pages {
        doc.apply_changes([page.clone()]).expect("apply");
    }
}

/// The same changes as yrs updates, one per page (made once, not timed).
pub fn yrs_pages(changes: &[ServerChange]) -> Vec<Vec<u8>> {
    let doc = yrs::Doc::new();
    let map = doc.get_or_insert_map("fields");
    changes
        .chunks(PAGE)
        .map(|page| {
            let mut txn = doc.transact_mut();
            for c in page {
                map.insert(&mut txn, key(c), c.value.to_string());
            }
            txn.encode_update_v1()
        })
        .collect()
}

pub fn yrs_apply(pages: &[Vec<u8>]) {
    let doc = yrs::Doc::new();
    for page in pages {
        let update = yrs::Update::decode_v1(page).expect("decode");
        doc.transact_mut().apply_update(update).expect("apply");
    }
}

/// The demo school at the central, and valid (séance, pupil) pairs for the CPE to push.
pub struct PushSetup {
    _dir: TempDir,
    db: Db,
    cpe: Personnel,
    pairs: Vec<(String, String)>,
    log: pupitre_sync_protocol::wire::LogRef,
}

impl PushSetup {
    pub fn new() -> PushSetup {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = Db::open(&dir.path().join("central.sqlite")).expect("central");
        let demo_school = pupitre_fixtures::generate(pupitre_fixtures::DEMO_SEED);
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).expect("date");
        let school = demo_school.school(day);
        demo::import_school(&db, &school, &[]).expect("import");
        let cpe = school
            .personnels
            .iter()
            .find(|p| p.fonction == Fonction::Cpe)
            .expect("cpe")
            .clone();
        let pairs = school
            .seances
            .iter()
            .take(20_000)
            .filter_map(|s| {
                let service = school.services.iter().find(|sv| sv.id == s.service_id)?;
                let Cible::Division(d) = &service.cible else {
                    return None;
                };
                let eleve = school.eleves.iter().find(|e| &e.division_id == d)?;
                Some((s.id.clone(), eleve.id.clone()))
            })
            .collect();
        let log = db
            .with(|c| pupitre_central::db::identity::read(c))
            .expect("log identity")
            .log;
        PushSetup {
            _dir: dir,
            db,
            cpe,
            pairs,
            log,
        }
    }

    pub fn fresh_client(&self) -> ClientId {
        let client = ClientId(Uuid::new_v4());
        self.db
            .with(|c| log::register_client(c, &client, &self.cpe.id))
            .expect("register");
        client
    }

    pub fn run(&self, client: &ClientId, n: usize) {
        let statuts = [json!({"statut": "absent"}), json!({"statut": "present"})];
        // The PC is up to date when it starts (it pulled): its first edit of each pupil saw the
        // central's value, the later ones its own previous edit.
        let seen = self
            .db
            .with(|c| pupitre_central::db::log::head(c))
            .expect("head");
        let changes: Vec<Change> = (0..n)
            .map(|i| {
                let (seance, eleve) = &self.pairs[i % self.pairs.len()];
                Change {
                    op_id: OpId(Uuid::new_v4()),
                    client_seq: i as u64 + 1,
                    entity: EntityRef {
                        kind: EntityKind::Presence,
                        id: format!("{seance}/{eleve}"),
                    },
                    field: "statut".into(),
                    value: statuts[i % 2].clone(),
                    base_version: seen,
                    // This PC's previous mark of the same pupil, still unacknowledged: the
                    // edits are sequential, as a teacher's successive corrections are.
                    base_own: (i >= self.pairs.len()).then(|| (i + 1 - self.pairs.len()) as u64),
                    base_op: None,
                    hlc: Hlc {
                        wall_ms: i as u64,
                        counter: 0,
                    },
                    resolves: None,
                    void: false,
                    acked_as: None,
                }
            })
            .collect();
        // The central's clock after the school year: every séance's roll call may be taken.
        const AFTER_THE_YEAR_MS: u64 = 4_102_444_800_000; // 2100-01-01
        for batch in changes.chunks(MAX_PUSH_CHANGES) {
            let outcomes = self
                .db
                .with(|c| push::push(c, &self.cpe, client, &self.log, batch, 0, AFTER_THE_YEAR_MS))
                .expect("push");
            // A refused push, or edits sent to conflicts, would measure the wrong thing.
            assert!(outcomes.iter().all(|o| matches!(
                o.result,
                pupitre_sync_protocol::wire::PushResult::Accepted {
                    outcome: pupitre_sync_protocol::wire::Outcome::Applied,
                    ..
                }
            )));
        }
    }
}
