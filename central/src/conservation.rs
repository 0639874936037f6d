//! How long the central keeps what is not the school's record: a disabled account (deleted 3
//! months after it was disabled, as the ENT rules require of a person who lost the right to
//! it), the audit log and the envelopes' delivery records (a year), sessions past their time,
//! and the school year's vie scolaire once its days after the year's end, a school setting,
//! have passed (`pupitre_domain::conservation`).
//! The hourly job (`serve`) and `pupitre-central purger` run it; the time is passed in, so
//! tests run it at simulated dates.

use crate::db::{Db, accounts, audit, depot, log, school};
use crate::error::CentralError;

const DAY_MS: u64 = 86_400_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conservation {
    pub compte_desactive_jours: u32,
    pub audit_jours: u32,
    pub remises_jours: u32,
}

impl Default for Conservation {
    fn default() -> Conservation {
        Conservation {
            compte_desactive_jours: 92,
            audit_jours: 365,
            remises_jours: 365,
        }
    }
}

/// What a purge removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Purge {
    pub comptes: Vec<String>,
    pub sessions: usize,
    pub audit: usize,
    pub remises: usize,
    /// The vie scolaire's changes erased (0 before the year's time is up, and after).
    pub vie_scolaire: usize,
}

/// What the vie scolaire's erasure is recorded as (`log::effacements`).
pub const VIE_SCOLAIRE: &str = "vie_scolaire";

fn before(now_ms: u64, days: u32) -> u64 {
    now_ms.saturating_sub(u64::from(days) * DAY_MS)
}

/// Removes, in one transaction, what is past its time at `now_ms`.
pub fn purger(db: &Db, c: &Conservation, now_ms: u64) -> Result<Purge, CentralError> {
    db.with(|conn| {
        let tx = conn.transaction()?;
        let comptes =
            accounts::delete_disabled_before(&tx, before(now_ms, c.compte_desactive_jours))?;
        let purge = Purge {
            sessions: accounts::purge_expired(&tx, now_ms)?,
            remises: depot::purge_before(&tx, before(now_ms, c.remises_jours))?,
            audit: audit::purge_before(&tx, before(now_ms, c.audit_jours))?,
            vie_scolaire: vie_scolaire(&tx, now_ms)?,
            comptes,
        };
        for login in &purge.comptes {
            let event = audit::Evenement {
                login: Some(login),
                detail: "compte désactivé depuis plus que la durée de conservation : supprimé",
                ..Default::default()
            };
            audit::record(&tx, audit::Quoi::CompteSupprime, &event, now_ms)?;
        }
        tx.commit()?;
        Ok(purge)
    })
}

/// Erases the year's vie scolaire when, on the central's day, it is past the school's time.
fn vie_scolaire(conn: &rusqlite::Connection, now_ms: u64) -> Result<usize, CentralError> {
    let Some(today) = chrono::DateTime::from_timestamp_millis(now_ms as i64) else {
        return Ok(0);
    };
    let reglages = crate::vie_scolaire::reglages(conn)?;
    let periodes = school::periodes(conn)?;
    if !pupitre_domain::conservation::a_effacer(&periodes, &reglages, today.date_naive())
        || log::efface(conn, VIE_SCOLAIRE)?
    {
        return Ok(0);
    }
    let erased = log::effacer(
        conn,
        VIE_SCOLAIRE,
        &pupitre_domain::conservation::VIE_SCOLAIRE,
        now_ms,
    )?;
    let event = audit::Evenement {
        detail: "année scolaire close depuis plus que la durée de conservation : appels, absences, dispenses et notifications effacés",
        ..Default::default()
    };
    audit::record(conn, audit::Quoi::VieScolaireEffacee, &event, now_ms)?;
    Ok(erased)
}
