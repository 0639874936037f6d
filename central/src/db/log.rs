//! The change log, the current value of each field, and each client's processed sequence.

use pupitre_domain::{EntityKind, Fonction, Personnel};
use pupitre_sync_protocol::change::Effect;
use pupitre_sync_protocol::wire::PushResult;
use pupitre_sync_protocol::{ClientId, EntityRef, Hlc, OpId, ServerChange};
use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

const CHANGE_COLUMNS: &str = "c.server_seq, c.op_id, c.client_id, c.author_id, c.kind, \
    c.entity_id, c.field, c.value, c.hlc_wall, c.hlc_counter, c.effect";

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
        effect: match effect.as_str() {
            "applied" => Effect::Applied,
            _ => Effect::Superseded,
        },
    })
}

/// The scope filter of a query over `changes c`: a teacher sees the targets of their services
/// (bound as `:who`); the CPE and the direction see everything.
fn scope_filter(who: &Personnel) -> Option<&'static str> {
    match who.fonction {
        Fonction::Cpe | Fonction::Direction => None,
        Fonction::Enseignant => {
            Some("c.scope_key IN (SELECT cible_key FROM services WHERE enseignant_id = :who)")
        }
    }
}

/// Runs a query over `changes c` whose `{scope}` placeholder takes `who`'s scope filter.
fn scoped_changes(
    conn: &Connection,
    sql: &str,
    who: &Personnel,
    params: &[(&str, &dyn rusqlite::ToSql)],
) -> rusqlite::Result<Vec<ServerChange>> {
    let filter = scope_filter(who);
    let sql = sql.replace("{scope}", filter.unwrap_or("1"));
    let mut all: Vec<(&str, &dyn rusqlite::ToSql)> = params.to_vec();
    if filter.is_some() {
        all.push((":who", &who.id));
    }
    let mut stmt = conn.prepare_cached(&sql)?;
    stmt.query_map(all.as_slice(), row_change)?.collect()
}

pub fn head(conn: &Connection) -> rusqlite::Result<u64> {
    conn.query_row(
        "SELECT COALESCE(MAX(server_seq), 0) FROM changes",
        [],
        |r| r.get::<_, i64>(0),
    )
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

/// The change that holds a field's current value.
pub fn current(
    conn: &Connection,
    entity: &EntityRef,
    field: &str,
) -> rusqlite::Result<Option<ServerChange>> {
    let sql = format!(
        "SELECT {CHANGE_COLUMNS} FROM fields f JOIN changes c ON c.server_seq = f.server_seq \
         WHERE f.kind = ?1 AND f.entity_id = ?2 AND f.field = ?3"
    );
    conn.query_row(
        &sql,
        params![entity.kind.as_str(), entity.id, field],
        row_change,
    )
    .optional()
}

/// Appends a change to the log at the next sequence and, if applied, makes it the field's value.
pub fn append(
    conn: &Connection,
    change: &ServerChange,
    base_version: u64,
    scope_key: &str,
) -> rusqlite::Result<u64> {
    let seq = head(conn)? + 1;
    let effect = match change.effect {
        Effect::Applied => "applied",
        Effect::Superseded => "superseded",
    };
    conn.execute(
        "INSERT INTO changes (server_seq, op_id, client_id, author_id, kind, entity_id, field, value,
                              hlc_wall, hlc_counter, effect, scope_key, base_version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
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
            effect,
            scope_key,
            base_version as i64,
        ],
    )?;
    if change.effect == Effect::Applied {
        conn.execute(
            "INSERT INTO fields (kind, entity_id, field, server_seq, scope_key)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (kind, entity_id, field) DO UPDATE SET server_seq = excluded.server_seq",
            params![
                change.entity.kind.as_str(),
                change.entity.id,
                change.field,
                seq as i64,
                scope_key
            ],
        )?;
    }
    Ok(seq)
}

/// Registers a replica for a personnel; false if the id already belongs to someone else.
pub fn register_client(
    conn: &Connection,
    client: &ClientId,
    personnel_id: &str,
) -> rusqlite::Result<bool> {
    conn.execute(
        "INSERT INTO clients (client_id, personnel_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
        params![client.0.to_string(), personnel_id],
    )?;
    let owner: String = conn.query_row(
        "SELECT personnel_id FROM clients WHERE client_id = ?1",
        [client.0.to_string()],
        |r| r.get(0),
    )?;
    Ok(owner == personnel_id)
}

pub fn last_seq(conn: &Connection, client: &ClientId) -> rusqlite::Result<u64> {
    conn.query_row(
        "SELECT last_seq FROM clients WHERE client_id = ?1",
        [client.0.to_string()],
        |r| r.get::<_, i64>(0),
    )
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
    let (server_seq, code, message) = match result {
        PushResult::Accepted { server_seq } => (Some(*server_seq as i64), None, None),
        PushResult::Refused { code, message } => {
            (None, Some(code.as_str()), Some(message.as_str()))
        }
    };
    conn.execute(
        "INSERT INTO client_ops (client_id, client_seq, op_id, server_seq, refusal_code, refusal_message)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![client.0.to_string(), client_seq as i64, op_id.0.to_string(), server_seq, code, message],
    )?;
    conn.execute(
        "UPDATE clients SET last_seq = ?2, clock_offset_ms = ?3 WHERE client_id = ?1",
        params![client.0.to_string(), client_seq as i64, clock_offset_ms],
    )?;
    Ok(())
}

/// The recorded outcome of an already processed change, with the op id it had.
pub fn recorded_op(
    conn: &Connection,
    client: &ClientId,
    client_seq: u64,
) -> rusqlite::Result<Option<(String, PushResult)>> {
    conn.query_row(
        "SELECT op_id, server_seq, refusal_code, refusal_message FROM client_ops
         WHERE client_id = ?1 AND client_seq = ?2",
        params![client.0.to_string(), client_seq as i64],
        |r| {
            let op: String = r.get(0)?;
            let result = match r.get::<_, Option<i64>>(1)? {
                Some(seq) => PushResult::Accepted {
                    server_seq: seq as u64,
                },
                None => PushResult::Refused {
                    code: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                    message: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
                },
            };
            Ok((op, result))
        },
    )
    .optional()
}
