//! Key-value facts about the replica: its owner, client id, cursor, clock and sealed token.

use pupitre_sync_protocol::Hlc;
use rusqlite::types::{FromSql, ToSql};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

pub const LOGIN: &str = "login";
pub const PERSONNEL: &str = "personnel";
pub const CLIENT_ID: &str = "client_id";
pub const CURSOR: &str = "cursor";
pub const NEXT_SEQ: &str = "next_client_seq";
pub const HLC_WALL: &str = "hlc_wall";
pub const HLC_COUNTER: &str = "hlc_counter";
/// The session token of an earlier release, sealed by the password (read only to prove the
/// password before such a replica is encrypted).
pub const SEALED_TOKEN: &str = "sealed_token";
/// The session's refresh token (in the encrypted replica; see `jetons`).
pub const REFRESH_TOKEN: &str = "refresh_token";
/// This replica's envelope signing key (32 bytes; see `enveloppes`).
pub const ENVELOPE_KEY: &str = "envelope_key";
/// This PC's wall clock at its owner's last online login (the offline grace counts from it).
pub const LAST_ONLINE_MS: &str = "last_online_login_ms";
/// The central's public key that envelopes are sealed to (32 bytes).
pub const CENTRAL_BOX_KEY: &str = "central_box_key";
pub const LAST_SYNC_MS: &str = "last_sync_ms";
pub const SCOPE: &str = "scope";
/// How far this PC's clock was off at the last push (ms, positive: ahead).
pub const CLOCK_OFFSET: &str = "clock_offset_ms";
/// The central's log this replica is synced with (`LogRef` as JSON).
pub const LOG: &str = "log";

pub fn get<T: FromSql>(conn: &Connection, key: &str) -> rusqlite::Result<Option<T>> {
    conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()
}

pub fn set<T: ToSql>(tx: &Transaction<'_>, key: &str, value: T) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

/// The last server sequence applied (0 before the first snapshot).
pub fn cursor(conn: &Connection) -> rusqlite::Result<u64> {
    Ok(get::<i64>(conn, CURSOR)?.unwrap_or(0) as u64)
}

/// The replica's hybrid logical clock.
pub fn clock(conn: &Connection) -> rusqlite::Result<Hlc> {
    Ok(Hlc {
        wall_ms: get::<i64>(conn, HLC_WALL)?.unwrap_or(0) as u64,
        counter: get::<u32>(conn, HLC_COUNTER)?.unwrap_or(0),
    })
}

pub fn set_clock(tx: &Transaction<'_>, clock: Hlc) -> rusqlite::Result<()> {
    set(tx, HLC_WALL, clock.wall_ms as i64)?;
    set(tx, HLC_COUNTER, clock.counter)
}
