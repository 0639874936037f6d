//! When a change may be written: who may write what is the authorization table's
//! (`pupitre_domain::droits`); this is the time it may be written at, judged by the central's
//! clock (never the PC's). A roll call records what happened in a lesson: a séance whose day
//! has not begun anywhere yet cannot be called, marked or said "fait". A roll call taken
//! offline and delivered days later is past, and stands.

use crate::db::school;
use crate::error::CentralError;
use chrono::NaiveDate;
use pupitre_domain::Edit;
use pupitre_sync_protocol::wire::{PushResult, Refusal};
use rusqlite::Connection;

/// The furthest ahead of UTC a school's clock can be (Kiribati, UTC+14): a séance dated
/// later than UTC now plus this has not begun anywhere.
const AHEAD_OF_UTC_MS: u64 = 14 * 3600 * 1000;

/// The latest day that has begun somewhere on Earth at `now_ms`.
pub fn latest_begun_day(now_ms: u64) -> NaiveDate {
    chrono::DateTime::from_timestamp_millis(
        now_ms.saturating_add(AHEAD_OF_UTC_MS).min(i64::MAX as u64) as i64,
    )
    .map(|t| t.date_naive())
    .unwrap_or(NaiveDate::MAX)
}

pub fn check(
    conn: &Connection,
    edit: &Edit,
    now_ms: u64,
) -> Result<Option<PushResult>, CentralError> {
    let key = edit.key();
    let Some(seance_id) = key.seance_id() else {
        return Ok(None);
    };
    let Some(date) = school::seance_date(conn, seance_id)? else {
        return Ok(None);
    };
    if date <= latest_begun_day(now_ms) {
        return Ok(None);
    }
    Ok(Some(PushResult::Refused {
        code: Refusal::SeanceAVenir,
        message: format!(
            "La séance du {} n'a pas encore eu lieu : son appel se fait le jour même. Pour une absence prévue, la vie scolaire la saisit à l'avance.",
            date.format("%d/%m/%Y")
        ),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, NaiveDateTime};

    fn ms(s: &str) -> u64 {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M")
            .expect("time")
            .and_utc()
            .timestamp_millis() as u64
    }

    #[test]
    fn a_day_begins_somewhere_up_to_fourteen_hours_ahead_of_utc() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        // (UTC now, the latest day begun)
        let cases = [
            ("2026-11-23 07:00", "2026-11-23"), // 8:00 in Paris
            ("2026-11-23 09:59", "2026-11-23"),
            ("2026-11-23 10:00", "2026-11-24"), // midnight in Kiribati
            ("2026-11-22 21:00", "2026-11-23"), // 8:00 in Nouméa (UTC+11)
        ];
        for (now, day) in cases {
            assert_eq!(latest_begun_day(ms(now)), d(day), "{now}");
        }
    }
}
