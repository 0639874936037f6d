//! The central's clock: the only place that reads the system time. The HLC logic itself is pure
//! (`pupitre_sync_protocol::Hlc`).

use pupitre_sync_protocol::Hlc;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// A client timestamp further ahead than this is clamped: a PC's clock can be days off.
pub const MAX_FUTURE_MS: u64 = 5 * 60 * 1000;

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// A monotonic instant (a request's latency).
pub fn instant() -> std::time::Instant {
    std::time::Instant::now()
}

/// Now, in the central's local time, as RFC 3339 (what an archive says of when it was made).
pub fn now_rfc3339() -> String {
    chrono::Local::now().to_rfc3339()
}

/// Today, in the central's local time (the demo's default school day).
pub fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

#[derive(Debug, Default)]
pub struct ServerClock(Mutex<Hlc>);

impl ServerClock {
    /// Takes in a client's timestamp (clamped to at most `MAX_FUTURE_MS` ahead) and returns the
    /// server's clock after it.
    pub fn observe(&self, remote: Hlc) -> Hlc {
        let now = now_ms();
        let clamped = if remote.wall_ms > now + MAX_FUTURE_MS {
            Hlc {
                wall_ms: now + MAX_FUTURE_MS,
                counter: 0,
            }
        } else {
            remote
        };
        let mut clock = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *clock = clock.observe(clamped, now);
        *clock
    }

    pub fn tick(&self) -> Hlc {
        let mut clock = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *clock = clock.tick(now_ms());
        *clock
    }
}
