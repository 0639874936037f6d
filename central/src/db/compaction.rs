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

/// Changes looked at per cleaning batch: each batch is a short transaction, so that pushes and
/// pulls run between two (a batch is a range of the log read through primary keys).
pub const LOT: u64 = 5_000;

/// Compacts the log through `through` (at most the head): the horizon moves first, then the
/// log behind it is cleaned batch by batch (`nettoyer`). The horizon only moves forward: a
/// smaller `through` changes nothing.
pub fn compact(conn: &mut Connection, through: u64) -> rusqlite::Result<Compacted> {
    let mut done = avancer(conn, through)?;
    let mut lo = 0;
    while lo < done.horizon {
        let hi = (lo + LOT).min(done.horizon);
        let (tombstones, changes) = nettoyer(conn, lo, hi)?;
        done.tombstones += tombstones;
        done.changes += changes;
        lo = hi;
    }
    Ok(done)
}

/// Moves the horizon to `through` (at most the head) and forgets the reference data's moves
/// behind it, in one transaction; what is behind the horizon is cleaned afterwards. That order
/// keeps the horizon's promise between the batches: a replica below it rebases on a snapshot
/// (which reads what stands, cleaned or not), one above it is served only changes after it,
/// which no batch touches.
pub fn avancer(conn: &mut Connection, through: u64) -> rusqlite::Result<Compacted> {
    let tx = conn.transaction()?;
    let through = through.min(log::head(&tx)?);
    let horizon = log::horizon(&tx)?;
    if through <= horizon {
        return Ok(Compacted {
            horizon,
            ..Compacted::default()
        });
    }
    super::referentiel::compacter(&tx, through)?;
    tx.prepare_cached("UPDATE log_horizon SET compacted_through = ?1")?
        .execute(params![through as i64])?;
    tx.commit()?;
    Ok(Compacted {
        horizon: through,
        ..Compacted::default()
    })
}

/// Cleans the changes of sequence in (`lo`, `hi`], `hi` at most the horizon, in one
/// transaction: the erasures expire (unless a conflict refers to them or is still open on
/// their field), then the changes that no longer stand go (neither a field's value, nor kept
/// in a conflict, nor one's resolution). Returns (tombstones, changes) deleted. A change that
/// still stands now and is superseded later goes at a later compaction.
pub fn nettoyer(conn: &mut Connection, lo: u64, hi: u64) -> rusqlite::Result<(usize, usize)> {
    let tx = conn.transaction()?;
    let hi = hi.min(log::horizon(&tx)?);
    let range = params![lo as i64, hi as i64];
    let tombstones = tx
        .prepare_cached(
            "DELETE FROM fields WHERE rowid IN (
               SELECT f.rowid FROM changes c
               JOIN fields f ON f.kind = c.kind AND f.entity_id = c.entity_id
                            AND f.field = c.field AND f.server_seq = c.server_seq
               WHERE c.erases AND c.server_seq > ?1 AND c.server_seq <= ?2
                 AND c.server_seq NOT IN (SELECT server_seq FROM conflicts)
                 AND c.server_seq NOT IN
                     (SELECT resolved_by FROM conflicts WHERE resolved_by IS NOT NULL)
                 AND (c.kind, c.entity_id, c.field) NOT IN
                     (SELECT kind, entity_id, field FROM conflicts WHERE resolved_by IS NULL))",
        )?
        .execute(range)?;
    let changes = tx
        .prepare_cached(
            "DELETE FROM changes
             WHERE server_seq > ?1 AND server_seq <= ?2
               AND NOT EXISTS (SELECT 1 FROM fields f
                               WHERE f.kind = changes.kind AND f.entity_id = changes.entity_id
                                 AND f.field = changes.field
                                 AND f.server_seq = changes.server_seq)
               AND server_seq NOT IN (SELECT server_seq FROM conflicts)
               AND server_seq NOT IN
                   (SELECT resolved_by FROM conflicts WHERE resolved_by IS NOT NULL)",
        )?
        .execute(range)?;
    tx.commit()?;
    Ok((tombstones, changes))
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

    /// A log every kind of change is in: values, superseded ones, erasures, conflicts.
    fn a_log(conn: &Connection) -> u64 {
        use Effect::{Applied, Conflict, Superseded};
        for (eleve, text, effect) in [
            ("A", "Bien.", Applied),
            ("A", "", Applied),
            ("B", "Assez bien.", Applied),
            ("B", "Passable.", Superseded),
            ("C", "Très bien.", Applied),
            ("C", "Excellent.", Conflict),
            ("D", "", Applied),
            ("D", "Oublié ?", Conflict),
            ("E", "Rien.", Superseded),
            ("F", "Encore.", Applied),
            ("F", "Mieux.", Applied),
        ] {
            put(conn, eleve, text, effect, 1_000);
        }
        log::head(conn).expect("head")
    }

    #[test]
    fn cleaning_batch_by_batch_leaves_what_one_pass_leaves() {
        let dir = tempfile::tempdir().expect("tempdir");
        let one = Db::open(&dir.path().join("one.sqlite")).expect("db");
        let batched = Db::open(&dir.path().join("batched.sqlite")).expect("db");
        let through = one.with(|conn| {
            let head = a_log(conn);
            compact(conn, head).expect("one pass");
            head
        });
        batched.with(|conn| {
            assert_eq!(a_log(conn), through);
            assert_eq!(avancer(conn, through).expect("horizon").horizon, through);
            let mut total = (0, 0);
            for lo in (0..through).step_by(2) {
                let (t, c) = nettoyer(conn, lo, lo + 2).expect("batch");
                total = (total.0 + t, total.1 + c);
                if lo == 4 {
                    // A push between two batches: B's value, already looked at, is superseded.
                    put(conn, "B", "Bien mieux.", Effect::Applied, 2_000);
                }
            }
            // A's erasure expires (D's stays: a conflict is open on its field); gone are A's
            // two, B's and E's superseded ones and F's first value.
            assert_eq!(total, (1, 5));
        });
        let (left_one, left_batched) = (one.with(|c| logged(c)), batched.with(|c| logged(c)));
        let nouveau = *left_batched.last().expect("the new change");
        assert_eq!(left_batched[..left_batched.len() - 1], left_one[..]);
        batched.with(|conn| {
            // Cleaned again, B's former value (behind the horizon, superseded since) goes; the
            // new change, past the horizon, stays: no batch reaches past it.
            assert_eq!(nettoyer(conn, 0, u64::MAX).expect("again"), (0, 1));
            assert!(logged(conn).contains(&nouveau));
            assert_eq!(logged(conn).len(), left_one.len());
        });
    }
}
