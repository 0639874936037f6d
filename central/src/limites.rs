//! Limits on what one account or one address may ask: failed logins (checked before any
//! password is hashed, so a flood costs the central almost nothing) and full snapshots (the
//! heaviest read). Pure: the time is passed in; `api` keeps one `Limites` per central.

use std::collections::{HashMap, VecDeque};

/// At most `max` events per `window_ms` for one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Regle {
    pub max: usize,
    pub window_ms: u64,
}

/// Failed logins of one account: 5 in 15 minutes, then it waits. A teacher who mistypes
/// twice is untouched; 300 guesses take a week, not 8 seconds.
pub const ECHECS_PAR_COMPTE: Regle = Regle {
    max: 5,
    window_ms: 15 * 60 * 1000,
};
/// Failed logins from one address (a school's PCs may share one behind NAT: more room).
pub const ECHECS_PAR_ADRESSE: Regle = Regle {
    max: 30,
    window_ms: 15 * 60 * 1000,
};
/// Full snapshots of one account: a replica needs one at its first login and after a rebase.
pub const INSTANTANES_PAR_COMPTE: Regle = Regle {
    max: 6,
    window_ms: 10 * 60 * 1000,
};
/// Envelopes refused from one address (a carrier posting garbage or stolen envelopes).
pub const ENVELOPPES_REFUSEES_PAR_ADRESSE: Regle = Regle {
    max: 30,
    window_ms: 15 * 60 * 1000,
};
/// Keys remembered at most (the oldest are forgotten first): memory stays bounded whatever
/// an attacker invents.
const MAX_KEYS: usize = 100_000;

/// Recent events per key, for one rule.
#[derive(Debug)]
pub struct Fenetre {
    regle: Regle,
    events: HashMap<String, VecDeque<u64>>,
    order: VecDeque<String>,
}

impl Fenetre {
    pub fn new(regle: Regle) -> Fenetre {
        Fenetre {
            regle,
            events: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    /// How long `key` must wait before its next event is allowed (`None`: allowed now).
    pub fn wait(&mut self, key: &str, now_ms: u64) -> Option<u64> {
        let regle = self.regle;
        let times = self.events.get_mut(key)?;
        while times
            .front()
            .is_some_and(|&t| t + regle.window_ms <= now_ms)
        {
            times.pop_front();
        }
        if times.len() < regle.max {
            return None;
        }
        times.front().map(|&t| t + regle.window_ms - now_ms)
    }

    pub fn record(&mut self, key: &str, now_ms: u64) {
        if !self.events.contains_key(key) {
            if self.order.len() >= MAX_KEYS
                && let Some(old) = self.order.pop_front()
            {
                self.events.remove(&old);
            }
            self.order.push_back(key.to_owned());
        }
        let times = self.events.entry(key.to_owned()).or_default();
        times.push_back(now_ms);
        while times.len() > self.regle.max {
            times.pop_front();
        }
    }

    pub fn clear(&mut self, key: &str) {
        self.events.remove(key);
    }
}

/// A French sentence for a wait.
pub fn attendre(wait_ms: u64) -> String {
    let minutes = wait_ms.div_ceil(60_000).max(1);
    format!(
        "réessayez dans {minutes} minute{}",
        if minutes > 1 { "s" } else { "" }
    )
}

/// The central's limits.
#[derive(Debug)]
pub struct Limites {
    pub echecs_compte: Fenetre,
    pub echecs_adresse: Fenetre,
    pub instantanes: Fenetre,
    pub enveloppes_refusees: Fenetre,
}

impl Default for Limites {
    fn default() -> Limites {
        Limites {
            echecs_compte: Fenetre::new(ECHECS_PAR_COMPTE),
            echecs_adresse: Fenetre::new(ECHECS_PAR_ADRESSE),
            instantanes: Fenetre::new(INSTANTANES_PAR_COMPTE),
            enveloppes_refusees: Fenetre::new(ENVELOPPES_REFUSEES_PAR_ADRESSE),
        }
    }
}

impl Limites {
    /// How long a login of `login` from `address` must wait (either limit reached).
    pub fn wait_login(&mut self, login: &str, address: &str, now_ms: u64) -> Option<u64> {
        let by_account = self.echecs_compte.wait(login, now_ms);
        let by_address = self.echecs_adresse.wait(address, now_ms);
        by_account.max(by_address)
    }

    pub fn failed_login(&mut self, login: &str, address: &str, now_ms: u64) {
        self.echecs_compte.record(login, now_ms);
        self.echecs_adresse.record(address, now_ms);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: u64 = 60_000;

    #[test]
    fn a_window_counts_then_forgets() {
        let mut f = Fenetre::new(Regle {
            max: 3,
            window_ms: 10 * MIN,
        });
        // (minute, record an event?, expected wait in minutes before the next)
        let steps: [(u64, bool, Option<u64>); 7] = [
            (0, false, None),
            (0, true, None),
            (1, true, None),
            (2, true, Some(8)),
            (9, false, Some(1)),
            (10, false, None),
            (12, false, None),
        ];
        for (minute, record, wait) in steps {
            if record {
                f.record("cpe", minute * MIN);
            }
            assert_eq!(
                f.wait("cpe", minute * MIN),
                wait.map(|w| w * MIN),
                "minute {minute}"
            );
        }
        assert_eq!(f.wait("c.martin", 0), None, "another key is untouched");
        f.record("x", 0);
        f.clear("x");
        assert_eq!(f.wait("x", 0), None);
    }

    #[test]
    fn three_hundred_guesses_are_stopped_after_five() {
        let mut f = Fenetre::new(ECHECS_PAR_COMPTE);
        let mut answered = 0;
        for i in 0..300u64 {
            let now = i * 27; // 37 tries a second
            if f.wait("cpe", now).is_none() {
                answered += 1;
                f.record("cpe", now);
            }
        }
        assert_eq!(answered, ECHECS_PAR_COMPTE.max);
    }

    #[test]
    fn memory_is_bounded() {
        let mut f = Fenetre::new(ECHECS_PAR_ADRESSE);
        for i in 0..(MAX_KEYS + 10) {
            f.record(&format!("10.0.{i}"), 0);
        }
        assert_eq!(f.events.len(), MAX_KEYS);
        assert_eq!(f.wait("10.0.0", 0), None, "the oldest key was forgotten");
    }

    #[test]
    fn waits_read_in_minutes() {
        assert_eq!(attendre(1), "réessayez dans 1 minute");
        assert_eq!(attendre(8 * MIN + 1), "réessayez dans 9 minutes");
    }
}
