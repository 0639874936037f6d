//! Hybrid logical clock: physical milliseconds plus a counter, so that causally later events
//! always compare greater even when a PC's clock is wrong. The physical time is passed in.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize, TS,
)]
pub struct Hlc {
    /// Milliseconds since the Unix epoch, as best known.
    #[ts(type = "number")]
    pub wall_ms: u64,
    pub counter: u32,
}

impl Hlc {
    /// The timestamp of a local event (an edit, a send) at physical time `now_ms`.
    #[must_use]
    pub fn tick(self, now_ms: u64) -> Hlc {
        if now_ms > self.wall_ms {
            Hlc {
                wall_ms: now_ms,
                counter: 0,
            }
        } else {
            Hlc {
                wall_ms: self.wall_ms,
                counter: self.counter.saturating_add(1),
            }
        }
    }

    /// The clock after receiving `remote` at physical time `now_ms`: greater than both.
    #[must_use]
    pub fn observe(self, remote: Hlc, now_ms: u64) -> Hlc {
        let wall_ms = self.wall_ms.max(remote.wall_ms).max(now_ms);
        let counter = match (wall_ms == self.wall_ms, wall_ms == remote.wall_ms) {
            (true, true) => self.counter.max(remote.counter).saturating_add(1),
            (true, false) => self.counter.saturating_add(1),
            (false, true) => remote.counter.saturating_add(1),
            (false, false) => 0,
        };
        Hlc { wall_ms, counter }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hlc() -> impl Strategy<Value = Hlc> {
        (0u64..1_000_000, 0u32..1000).prop_map(|(wall_ms, counter)| Hlc { wall_ms, counter })
    }

    proptest! {
        #[test]
        fn tick_is_monotonic(start in hlc(), nows in proptest::collection::vec(0u64..2_000_000, 1..50)) {
            let mut clock = start;
            for now in nows {
                let next = clock.tick(now);
                prop_assert!(next > clock);
                prop_assert!(next.wall_ms >= now);
                clock = next;
            }
        }

        #[test]
        fn observe_exceeds_both(local in hlc(), remote in hlc(), now in 0u64..2_000_000) {
            let next = local.observe(remote, now);
            prop_assert!(next > local);
            prop_assert!(next > remote);
            prop_assert!(next.wall_ms >= now);
        }
    }

    #[test]
    fn a_clock_behind_still_orders_after_what_it_saw() {
        // A PC two days behind receives a server timestamp: its next edit sorts after it.
        let server = Hlc {
            wall_ms: 1_000_000_000,
            counter: 3,
        };
        let pc = Hlc {
            wall_ms: 1_000_000_000 - 172_800_000,
            counter: 0,
        };
        let after = pc.observe(server, pc.wall_ms).tick(pc.wall_ms + 10);
        assert!(after > server);
    }
}
