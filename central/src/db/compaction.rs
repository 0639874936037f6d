//! Compaction of the log: what stands is kept, what was superseded long ago goes.
//!
//! At or before the horizon the log keeps only the changes that still stand: every field's
//! current value, the values kept in conflicts and the changes that resolved them (the audit
//! trail of who chose what). Erasures (tombstones) expire there too, unless a conflict refers to
//! them. A replica whose cursor is below the horizon cannot be served a tail any more: it is
//! told to rebase on a snapshot, which is what keeps an erased value from coming back.

use super::log;
use rusqlite::{Connection, params};

/// What one compaction did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Compacted {
    /// The horizon after it.
    pub horizon: u64,
    /// Superseded changes deleted.
    pub changes: usize,
    /// Erased fields forgotten (tombstones expired).
    pub tombstones: usize,
}

/// Compacts the log through `through` (at most the head) in one transaction. The horizon only
/// moves forward: a smaller `through` changes nothing.
pub fn compact(conn: &mut Connection, through: u64) -> rusqlite::Result<Compacted> {
    let tx = conn.transaction()?;
    let through = through.min(log::head(&tx)?);
    let mut done = Compacted {
        horizon: log::horizon(&tx)?,
        ..Compacted::default()
    };
    if through <= done.horizon {
        return Ok(done);
    }
    // A tombstone goes unless a conflict refers to it or is still open on its field.
    done.tombstones = tx.execute(
        "DELETE FROM fields
         WHERE server_seq IN (SELECT server_seq FROM changes WHERE erases AND server_seq <= ?1)
           AND server_seq NOT IN (SELECT server_seq FROM conflicts)
           AND server_seq NOT IN (SELECT resolved_by FROM conflicts WHERE resolved_by IS NOT NULL)
           AND (kind, entity_id, field) NOT IN
               (SELECT kind, entity_id, field FROM conflicts WHERE resolved_by IS NULL)",
        [through as i64],
    )?;
    done.changes = tx.execute(
        "DELETE FROM changes
         WHERE server_seq <= ?1
           AND server_seq NOT IN (SELECT server_seq FROM fields)
           AND server_seq NOT IN (SELECT server_seq FROM conflicts)
           AND server_seq NOT IN (SELECT resolved_by FROM conflicts WHERE resolved_by IS NOT NULL)",
        [through as i64],
    )?;
    super::referentiel::compacter(&tx, through)?;
    tx.execute(
        "UPDATE log_horizon SET compacted_through = ?1",
        params![through as i64],
    )?;
    tx.commit()?;
    done.horizon = through;
    Ok(done)
}

/// The horizon that keeps in full every change received after `cutoff_ms`.
pub fn through_for_age(conn: &Connection, cutoff_ms: u64) -> rusqlite::Result<u64> {
    let first_kept: Option<i64> = conn.query_row(
        "SELECT MIN(server_seq) FROM changes WHERE received_ms > ?1",
        [cutoff_ms as i64],
        |r| r.get(0),
    )?;
    match first_kept {
        Some(seq) => Ok(seq as u64 - 1),
        None => log::head(conn),
    }
}

/// Compacts everything received more than `keep_ms` before `now_ms`.
pub fn compact_older_than(
    conn: &mut Connection,
    now_ms: u64,
    keep_ms: u64,
) -> rusqlite::Result<Compacted> {
    let through = through_for_age(conn, now_ms.saturating_sub(keep_ms))?;
    compact(conn, through)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;
    use pupitre_domain::EntityKind;
    use pupitre_sync_protocol::change::Effect;
    use pupitre_sync_protocol::{ClientId, EntityRef, Hlc, OpId, ServerChange};
    use serde_json::json;
    use uuid::Uuid;

    /// Appends an appreciation of pupil `eleve` to the log; "" erases.
    fn put(conn: &Connection, eleve: &str, text: &str, effect: Effect, received_ms: u64) -> u64 {
        let change = ServerChange {
            server_seq: 0,
            op_id: OpId(Uuid::new_v4()),
            client_id: ClientId(Uuid::nil()),
            client_seq: 0,
            author_id: "10001".into(),
            entity: EntityRef {
                kind: EntityKind::Appreciation,
                id: format!("T1/SV1/{eleve}"),
            },
            field: "texte".into(),
            value: json!(text),
            hlc: Hlc::default(),
            received_ms: 0,
            effect,
            scope_key: "division:D1".into(),
            resolves: None,
        };
        let arrival = log::Arrival {
            base_version: 0,
            received_ms,
            erases: text.is_empty(),
            ..log::Arrival::default()
        };
        log::append(conn, &change, arrival).expect("append")
    }

    fn logged(conn: &Connection) -> Vec<u64> {
        conn.prepare("SELECT server_seq FROM changes ORDER BY server_seq")
            .and_then(|mut q| {
                q.query_map([], |r| r.get::<_, i64>(0).map(|s| s as u64))?
                    .collect()
            })
            .expect("log")
    }

    fn held(conn: &Connection, eleve: &str) -> Option<u64> {
        let entity = EntityRef {
            kind: EntityKind::Appreciation,
            id: format!("T1/SV1/{eleve}"),
        };
        log::current(conn, &entity, "texte")
            .expect("current")
            .map(|c| c.server_seq)
    }

    #[test]
    fn keeps_what_stands_and_expires_erasures() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = Db::open(&dir.path().join("central.sqlite")).expect("db");
        db.with(|conn| {
            use Effect::{Applied, Conflict, Superseded};
            let a = put(conn, "A", "Bien.", Applied, 1_000);
            let a_erased = put(conn, "A", "", Applied, 1_000);
            let b = put(conn, "B", "Assez bien.", Applied, 1_000);
            let b_late = put(conn, "B", "Passable.", Superseded, 1_000);
            let c = put(conn, "C", "Très bien.", Applied, 1_000);
            let c_other = put(conn, "C", "Excellent.", Conflict, 1_000);
            // An erasure with a conflict still open on its field stays.
            let d = put(conn, "D", "", Applied, 1_000);
            let d_other = put(conn, "D", "Oublié ?", Conflict, 1_000);
            let e_late = put(conn, "E", "Rien.", Superseded, 1_000);
            let newer = put(conn, "F", "Arrivée récente.", Applied, 9_000);

            assert_eq!(through_for_age(conn, 5_000).expect("age"), e_late);
            let done = compact(conn, e_late).expect("compact");
            assert_eq!(
                done,
                Compacted {
                    horizon: e_late,
                    changes: 4,
                    tombstones: 1
                }
            );
            assert_eq!(logged(conn), [b, c, c_other, d, d_other, newer]);
            assert_eq!(held(conn, "A"), None, "the tombstone expired");
            assert_eq!((held(conn, "B"), held(conn, "D")), (Some(b), Some(d)));
            for compacted in [a, a_erased, b_late, e_late] {
                assert!(!logged(conn).contains(&compacted));
            }

            // The head is never given again, even when its change was compacted away.
            assert_eq!(compact(conn, u64::MAX).expect("all").horizon, newer);
            let gone = put(conn, "G", "Doublon.", Superseded, 9_500);
            assert_eq!(compact(conn, gone).expect("again").changes, 1);
            assert_eq!(log::head(conn).expect("head"), gone);
            assert_eq!(put(conn, "G", "Suite.", Applied, 9_600), gone + 1);

            // The horizon never moves back.
            assert_eq!(compact(conn, 2).expect("behind").horizon, gone);
            assert_eq!(log::horizon(conn).expect("horizon"), gone);
        });
    }
}
