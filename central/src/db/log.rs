//! The change log, the current value of each field, and each client's processed sequence.

use pupitre_domain::edit::FIELD_ETAT;
use pupitre_domain::{EntityKind, EtatConseil, Fonction, Personnel};
use pupitre_sync_protocol::change::Effect;
use pupitre_sync_protocol::wire::{Outcome, PushResult, Refusal};
use pupitre_sync_protocol::{ClientId, EntityRef, Hlc, OpId, ServerChange};
use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

const CHANGE_COLUMNS: &str = "c.server_seq, c.op_id, c.client_id, c.author_id, c.kind, \
    c.entity_id, c.field, c.value, c.hlc_wall, c.hlc_counter, c.effect, c.scope_key, c.resolves, \
    c.client_seq, c.received_ms";

fn row_change(r: &Row<'_>) -> rusqlite::Result<ServerChange> {
    let bad = |m: String| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, m.into())
    };
    let uuid = |s: String| Uuid::parse_str(&s).map_err(|e| bad(e.to_string()));
    let kind: String = r.get(4)?;
    let value: String = r.get(7)?;
    let effect: String = r.get(10)?;
    Ok(ServerChange {
        server_seq: r.get::<_, i64>(0)? as u64,
        op_id: OpId(uuid(r.get(1)?)?),
        client_id: ClientId(uuid(r.get(2)?)?),
        author_id: r.get(3)?,
        entity: EntityRef {
            kind: EntityKind::parse(&kind).ok_or_else(|| bad(format!("kind {kind}")))?,
            id: r.get(5)?,
        },
        field: r.get(6)?,
        value: serde_json::from_str(&value).map_err(|e| bad(e.to_string()))?,
        hlc: Hlc {
            wall_ms: r.get::<_, i64>(8)? as u64,
            counter: r.get(9)?,
        },
        effect: Effect::parse(&effect).ok_or_else(|| bad(format!("effect {effect}")))?,
        scope_key: r.get(11)?,
        resolves: r.get::<_, Option<i64>>(12)?.map(|v| v as u64),
        client_seq: r.get::<_, i64>(13)? as u64,
        received_ms: r.get::<_, i64>(14)? as u64,
    })
}

/// The scope filter of a query over `changes c`: a teacher (bound as `:who`) sees the targets
/// of her services and the divisions she is professeur principal of, the whole school's records
/// (`Cible::Etablissement`, the settings), and of the roll calls only her own séances' (and her
/// PP divisions'); the CPE and the direction see everything; the administrator the settings.
fn scope_filter(who: &Personnel) -> Option<String> {
    match who.fonction {
        Fonction::Cpe | Fonction::Direction => None,
        Fonction::Administrateur => Some("c.kind = 'reglages'".to_owned()),
        // Less the families' notifications (their recipients' addresses are the vie scolaire's
        // business, not hers) and her colleagues' roll calls (their infirmary and exclusion
        // marks are not hers to know).
        Fonction::Enseignant => Some(format!(
            "(c.scope_key = :etablissement OR c.scope_key IN ({cibles} UNION SELECT :division || id FROM ({principal}))) \
             AND c.kind <> 'notification' \
             AND (c.kind NOT IN ('appel', 'presence') OR \
                  (CASE c.kind WHEN 'appel' THEN c.entity_id \
                   ELSE substr(c.entity_id, 1, instr(c.entity_id, '/') - 1) END) IN ({seances}))",
            cibles = super::school::CIBLES_ENSEIGNANT,
            principal = super::school::DIVISIONS_PRINCIPAL,
            seances = super::school::SEANCES_ENSEIGNANT,
        )),
    }
}

/// How another person's PC is named to `who`: a stable pseudonym of its client id, the same
/// for every change she receives from that PC and different for each recipient, so that the
/// history can still say "another PC" without handing out the ids other PCs sign in with.
/// Her own PCs keep their ids (the history says "ce poste").
fn poste_vu_par(client: &ClientId, author_id: &str, who: &Personnel) -> ClientId {
    if author_id == who.id {
        return client.clone();
    }
    use sha2::{Digest, Sha256};
    let digest = Sha256::new()
        .chain_update(b"pupitre poste\0")
        .chain_update(client.0.as_bytes())
        .chain_update(who.id.as_bytes())
        .finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    ClientId(uuid::Builder::from_custom_bytes(bytes).into_uuid())
}

/// Runs a query over `changes c` whose `{scope}` placeholder takes `who`'s scope filter; what
/// it returns is what `who` receives (other PCs under pseudonyms).
fn scoped_changes(
    conn: &Connection,
    sql: &str,
    who: &Personnel,
    params: &[(&str, &dyn rusqlite::ToSql)],
) -> rusqlite::Result<Vec<ServerChange>> {
    let filter = scope_filter(who);
    let sql = sql.replace("{scope}", filter.as_deref().unwrap_or("1"));
    let mut all: Vec<(&str, &dyn rusqlite::ToSql)> = params.to_vec();
    let division_prefix = pupitre_domain::Cible::Division(String::new()).key();
    if who.fonction == Fonction::Enseignant {
        all.push((":who", &who.id));
        all.push((":etablissement", &pupitre_domain::school::ETABLISSEMENT_KEY));
        all.push((":division", &division_prefix));
    }
    let mut stmt = conn.prepare_cached(&sql)?;
    let changes = stmt.query_map(all.as_slice(), row_change)?;
    changes
        .map(|c| {
            c.map(|mut c| {
                c.client_id = poste_vu_par(&c.client_id, &c.author_id, who);
                c
            })
        })
        .collect()
}

/// Erases every record of `kinds` from the log, the current values, the conflicts and the
/// families' notifications' sending records, and says so for the pulls (`effacements`). Part of
/// the caller's transaction. Returns how many changes went.
pub fn effacer(
    conn: &Connection,
    quoi: &str,
    kinds: &[EntityKind],
    now_ms: u64,
) -> rusqlite::Result<usize> {
    let mut erased = 0;
    for kind in kinds {
        let kind = kind.as_str();
        conn.prepare_cached("DELETE FROM conflicts WHERE server_seq IN (SELECT server_seq FROM changes WHERE kind = ?1)
                OR resolved_by IN (SELECT server_seq FROM changes WHERE kind = ?1)")?.execute([kind],
        )?;
        conn.prepare_cached("DELETE FROM fields WHERE kind = ?1")?
            .execute([kind])?;
        erased += conn
            .prepare_cached("DELETE FROM changes WHERE kind = ?1")?
            .execute([kind])?;
    }
    if kinds.contains(&EntityKind::Notification) {
        conn.prepare_cached("DELETE FROM envois")?.execute([])?;
    }
    conn.prepare_cached(
        "INSERT INTO effacements (quoi, le_ms) VALUES (?1, ?2) ON CONFLICT (quoi) DO NOTHING",
    )?
    .execute(params![quoi, now_ms as i64])?;
    Ok(erased)
}

/// Whether the retention erased `quoi` (`effacer`).
pub fn efface(conn: &Connection, quoi: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM effacements WHERE quoi = ?1)")?
        .query_row([quoi], |r| r.get(0))
}

/// The last server sequence given. Compaction may have deleted it, never below the horizon; a
/// restore moves it above every sequence given before.
pub fn head(conn: &Connection) -> rusqlite::Result<u64> {
    conn.prepare_cached(
        "SELECT MAX(COALESCE((SELECT MAX(server_seq) FROM changes), 0),
                    COALESCE((SELECT MAX(server_seq) FROM referentiel), 0),
                    (SELECT compacted_through FROM log_horizon),
                    (SELECT restore_floor FROM log_identity))",
    )?
    .query_row([], |r| r.get::<_, i64>(0))
    .map(|v| v as u64)
}

/// The sequence through which the log is compacted: a cursor below it cannot be served a tail.
pub fn horizon(conn: &Connection) -> rusqlite::Result<u64> {
    conn.prepare_cached("SELECT compacted_through FROM log_horizon")?
        .query_row([], |r| r.get::<_, i64>(0))
        .map(|v| v as u64)
}

/// Up to `limit` changes after `cursor` in `who`'s scope, the next cursor and whether more follow.
pub fn pull(
    conn: &Connection,
    who: &Personnel,
    cursor: u64,
    limit: u32,
) -> rusqlite::Result<(Vec<ServerChange>, u64, bool)> {
    let sql = format!(
        "SELECT {CHANGE_COLUMNS} FROM changes c WHERE c.server_seq > :cursor AND {{scope}} \
         ORDER BY c.server_seq LIMIT :limit"
    );
    let changes = scoped_changes(
        conn,
        &sql,
        who,
        &[(":cursor", &(cursor as i64)), (":limit", &(limit + 1))],
    )?;
    let has_more = changes.len() > limit as usize;
    let mut changes = changes;
    changes.truncate(limit as usize);
    let next = if has_more {
        changes.last().map_or(cursor, |c| c.server_seq)
    } else {
        head(conn)?.max(cursor)
    };
    Ok((changes, next, has_more))
}

/// The current value of every field in `who`'s scope.
pub fn current_fields(conn: &Connection, who: &Personnel) -> rusqlite::Result<Vec<ServerChange>> {
    let sql = format!(
        "SELECT {CHANGE_COLUMNS} FROM fields f JOIN changes c ON c.server_seq = f.server_seq \
         WHERE {{scope}} ORDER BY c.server_seq"
    );
    scoped_changes(conn, &sql, who, &[])
}

/// The values kept in open conflicts in `who`'s scope.
pub fn open_conflicts(conn: &Connection, who: &Personnel) -> rusqlite::Result<Vec<ServerChange>> {
    let sql = format!(
        "SELECT {CHANGE_COLUMNS} FROM conflicts k JOIN changes c ON c.server_seq = k.server_seq \
         WHERE k.resolved_by IS NULL AND {{scope}} ORDER BY c.server_seq"
    );
    scoped_changes(conn, &sql, who, &[])
}

/// Whether `seq` is a conflict (open or resolved) on this field.
pub fn is_conflict_of(
    conn: &Connection,
    seq: u64,
    entity: &EntityRef,
    field: &str,
) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM conflicts WHERE server_seq = ?1 AND kind = ?2
                        AND entity_id = ?3 AND field = ?4)",
    )?
    .query_row(
        params![seq as i64, entity.kind.as_str(), entity.id, field],
        |r| r.get(0),
    )
}

/// The change that holds a field's current value.
pub fn current(
    conn: &Connection,
    entity: &EntityRef,
    field: &str,
) -> rusqlite::Result<Option<ServerChange>> {
    Ok(current_with_prior(conn, entity, field)?.map(|(c, _)| c))
}

/// The change that holds a field's current value, with the sequence it had before a restore.
pub fn current_with_prior(
    conn: &Connection,
    entity: &EntityRef,
    field: &str,
) -> rusqlite::Result<Option<(ServerChange, Option<u64>)>> {
    let sql = format!(
        "SELECT {CHANGE_COLUMNS}, c.prior_seq FROM fields f \
         JOIN changes c ON c.server_seq = f.server_seq \
         WHERE f.kind = ?1 AND f.entity_id = ?2 AND f.field = ?3"
    );
    conn.prepare_cached(&sql)?
        .query_row(params![entity.kind.as_str(), entity.id, field], |r| {
            Ok((
                row_change(r)?,
                r.get::<_, Option<i64>>(15)?.map(|v| v as u64),
            ))
        })
        .optional()
}

/// The current values of `field` for every record of `kind` whose id begins with `parent/`
/// (e.g. every mark of a devoir). Ids hold no `/` of their own, so the range is exact.
pub fn current_values_under(
    conn: &Connection,
    kind: EntityKind,
    parent: &str,
    field: &str,
) -> rusqlite::Result<Vec<serde_json::Value>> {
    Ok(current_entries_under(conn, kind, Some(parent), field)?
        .into_iter()
        .map(|(_, v)| v)
        .collect())
}

/// The `(entity id, current value)` of `field` for every record of `kind` under `parent/`, or
/// of every record of `kind` when `parent` is `None`.
pub fn current_entries_under(
    conn: &Connection,
    kind: EntityKind,
    parent: Option<&str>,
    field: &str,
) -> rusqlite::Result<Vec<(String, serde_json::Value)>> {
    let (from, to) = match parent {
        Some(parent) => pupitre_domain::EntityKey::children_range(parent),
        // Every id sorts between these: ids are printable ASCII.
        None => (String::new(), "\u{7f}".to_owned()),
    };
    let mut stmt = conn.prepare_cached(
        "SELECT f.entity_id, c.value FROM fields f JOIN changes c ON c.server_seq = f.server_seq
         WHERE f.kind = ?1 AND f.entity_id >= ?2 AND f.entity_id < ?3 AND f.field = ?4",
    )?;
    let rows = stmt.query_map(params![kind.as_str(), from, to, field], |r| {
        let text: String = r.get(1)?;
        let value = serde_json::from_str(&text).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, e.into())
        })?;
        Ok((r.get(0)?, value))
    })?;
    rows.collect()
}

/// Every change of one field still in the log, oldest first: its history.
pub fn history(
    conn: &Connection,
    who: &Personnel,
    entity: &EntityRef,
    field: &str,
) -> rusqlite::Result<Vec<ServerChange>> {
    let sql = format!(
        "SELECT {CHANGE_COLUMNS} FROM changes c WHERE c.kind = :kind AND c.entity_id = :id \
         AND c.field = :field AND {{scope}} ORDER BY c.server_seq LIMIT 200"
    );
    scoped_changes(
        conn,
        &sql,
        who,
        &[
            (":kind", &entity.kind.as_str()),
            (":id", &entity.id),
            (":field", &field),
        ],
    )
}

/// A class council's state for a division and period (`Preparation` until someone moves it),
/// with its reopenings.
pub fn conseil_etat(
    conn: &Connection,
    periode_id: &str,
    division_id: &str,
) -> rusqlite::Result<EtatConseil> {
    let entity = EntityRef {
        kind: EntityKind::Conseil,
        id: format!("{periode_id}/{division_id}"),
    };
    match current(conn, &entity, FIELD_ETAT)? {
        None => Ok(EtatConseil::default()),
        Some(c) => serde_json::from_value(c.value).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into())
        }),
    }
}

/// What the log records of a change beside the change itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct Arrival {
    /// What the author saw: the central's version and their PC's own pending edit.
    pub base_version: u64,
    pub base_own: Option<u64>,
    pub base_op: Option<OpId>,
    /// The sequence it had before a restore, if it is resent.
    pub prior_seq: Option<u64>,
    /// The central's clock when it arrived (what the retention goes by).
    pub received_ms: u64,
    /// Whether it erases its field (`Edit::erases`): a tombstone.
    pub erases: bool,
}

/// Appends a change to the log at the next sequence: if applied, it becomes the field's value;
/// if in conflict, a conflict record keeps it; if it resolves, the conflicts it closes say so.
pub fn append(conn: &Connection, change: &ServerChange, arrival: Arrival) -> rusqlite::Result<u64> {
    let seq = head(conn)? + 1;
    let scope_key = &change.scope_key;
    conn.prepare_cached(
        "INSERT INTO changes (server_seq, op_id, client_id, author_id, kind, entity_id, field, value,
                              hlc_wall, hlc_counter, effect, scope_key, base_version, resolves,
                              received_ms, erases, client_seq, base_own, prior_seq, base_op)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
                 ?19, ?20)",
    )?
    .execute(params![
            seq as i64,
            change.op_id.0.to_string(),
            change.client_id.0.to_string(),
            change.author_id,
            change.entity.kind.as_str(),
            change.entity.id,
            change.field,
            change.value.to_string(),
            change.hlc.wall_ms as i64,
            change.hlc.counter,
            change.effect.as_str(),
            scope_key,
            arrival.base_version as i64,
            change.resolves.map(|r| r as i64),
            arrival.received_ms as i64,
            arrival.erases,
            change.client_seq as i64,
            arrival.base_own.map(|s| s as i64),
            arrival.prior_seq.map(|s| s as i64),
            arrival.base_op.map(|op| op.0.to_string()),
        ])?;
    let (kind, id, field) = (
        change.entity.kind.as_str(),
        &change.entity.id,
        &change.field,
    );
    if let Some(upto) = change.resolves {
        conn.prepare_cached(
            "UPDATE conflicts SET resolved_by = ?4
             WHERE kind = ?1 AND entity_id = ?2 AND field = ?3 AND server_seq <= ?5
               AND resolved_by IS NULL",
        )?
        .execute(params![kind, id, field, seq as i64, upto as i64])?;
    }
    if change.effect == Effect::Conflict {
        conn.prepare_cached(
            "INSERT INTO conflicts (server_seq, kind, entity_id, field, scope_key)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![seq as i64, kind, id, field, scope_key])?;
    }
    if change.effect == Effect::Applied {
        conn.prepare_cached(
            "INSERT INTO fields (kind, entity_id, field, server_seq, scope_key)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (kind, entity_id, field) DO UPDATE SET server_seq = excluded.server_seq",
        )?
        .execute(params![
            change.entity.kind.as_str(),
            change.entity.id,
            change.field,
            seq as i64,
            scope_key
        ])?;
    }
    Ok(seq)
}

/// When the central received a change (its own clock).
pub fn received_ms(conn: &Connection, seq: u64) -> rusqlite::Result<u64> {
    conn.prepare_cached("SELECT received_ms FROM changes WHERE server_seq = ?1")?
        .query_row([seq as i64], |r| r.get::<_, i64>(0))
        .map(|v| v as u64)
}

/// When the central received a change, as a local "HH:MM" (the central's clock: a PC's clock
/// may be wrong by a year).
pub fn received_label(conn: &Connection, seq: u64) -> rusqlite::Result<String> {
    let ms = received_ms(conn, seq)? as i64;
    Ok(chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.with_timezone(&chrono::Local).format("%H:%M").to_string())
        .unwrap_or_default())
}

/// Registers a replica for a personnel; false if the id already belongs to someone else.
pub fn register_client(
    conn: &Connection,
    client: &ClientId,
    personnel_id: &str,
) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "INSERT INTO clients (client_id, personnel_id, epoch)
         VALUES (?1, ?2, (SELECT epoch FROM log_identity)) ON CONFLICT DO NOTHING",
    )?
    .execute(params![client.0.to_string(), personnel_id])?;
    let owner: String = conn
        .prepare_cached("SELECT personnel_id FROM clients WHERE client_id = ?1")?
        .query_row([client.0.to_string()], |r| r.get(0))?;
    Ok(owner == personnel_id)
}

/// How many replicas the central has ever registered.
pub fn postes_vus(conn: &Connection) -> rusqlite::Result<u64> {
    conn.prepare_cached("SELECT COUNT(*) FROM clients")?
        .query_row([], |r| r.get::<_, i64>(0))
        .map(|n| n as u64)
}

pub fn last_seq(conn: &Connection, client: &ClientId) -> rusqlite::Result<u64> {
    conn.prepare_cached("SELECT last_seq FROM clients WHERE client_id = ?1")?
        .query_row([client.0.to_string()], |r| r.get::<_, i64>(0))
        .map(|v| v as u64)
}

/// Records the outcome of a client's change and moves its sequence forward.
pub fn record_op(
    conn: &Connection,
    client: &ClientId,
    client_seq: u64,
    op_id: &OpId,
    result: &PushResult,
    clock_offset_ms: i64,
) -> rusqlite::Result<()> {
    let (server_seq, outcome, code, message) = match result {
        PushResult::Accepted {
            server_seq,
            outcome,
            reason,
            ..
        } => (
            Some(*server_seq as i64),
            Some(outcome.as_str()),
            None,
            reason.as_deref(),
        ),
        PushResult::Refused { code, message } => {
            (None, None, Some(code.as_str()), Some(message.as_str()))
        }
    };
    let (message, reason) = if server_seq.is_some() {
        (None, message)
    } else {
        (message, None)
    };
    conn.prepare_cached(
        "INSERT INTO client_ops (client_id, client_seq, op_id, server_seq, refusal_code, refusal_message, outcome, reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![client.0.to_string(), client_seq as i64, op_id.0.to_string(), server_seq, code, message, outcome, reason])?;
    conn.prepare_cached(
        "UPDATE clients SET last_seq = ?2, clock_offset_ms = ?3 WHERE client_id = ?1",
    )?
    .execute(params![
        client.0.to_string(),
        client_seq as i64,
        clock_offset_ms
    ])?;
    Ok(())
}

/// The recorded outcome of an already processed change, with the op id it had.
pub fn recorded_op(
    conn: &Connection,
    client: &ClientId,
    client_seq: u64,
) -> rusqlite::Result<Option<(String, PushResult)>> {
    conn.prepare_cached(
        "SELECT o.op_id, o.server_seq, o.refusal_code, o.refusal_message, o.outcome, o.reason,
                c.effect
         FROM client_ops o LEFT JOIN changes c ON c.server_seq = o.server_seq
         WHERE o.client_id = ?1 AND o.client_seq = ?2",
    )?
    .query_row(params![client.0.to_string(), client_seq as i64], |r| {
        let op: String = r.get(0)?;
        let result = match r.get::<_, Option<i64>>(1)? {
            Some(seq) => PushResult::Accepted {
                server_seq: seq as u64,
                // Compacted away: it no longer is its field's value.
                effect: r
                    .get::<_, Option<String>>(6)?
                    .as_deref()
                    .and_then(Effect::parse)
                    .unwrap_or(Effect::Superseded),
                outcome: r
                    .get::<_, Option<String>>(4)?
                    .as_deref()
                    .and_then(Outcome::parse)
                    .unwrap_or(Outcome::Applied),
                reason: r.get(5)?,
            },
            None => PushResult::Refused {
                code: Refusal::parse(&r.get::<_, Option<String>>(2)?.unwrap_or_default()),
                message: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
            },
        };
        Ok((op, result))
    })
    .optional()
}
