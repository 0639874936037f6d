//! The replica's one clock read. What it gives is data (when an edit was written, the day the
//! app opens on), shown and warned about, never a merge rule.

use std::time::{SystemTime, UNIX_EPOCH};

/// Today's date on this PC, `YYYY-MM-DD`.
pub fn today() -> String {
    chrono::Local::now().date_naive().to_string()
}

/// This PC's wall clock, in milliseconds since the epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// The monotonic clock (how long since a gesture, until a token expires): never set back,
/// whatever the wall clock does.
pub fn instant() -> std::time::Instant {
    std::time::Instant::now()
}

/// This PC's local time of day, `HH:MM`.
pub fn heure_locale() -> String {
    chrono::Local::now().format("%H:%M").to_string()
}
