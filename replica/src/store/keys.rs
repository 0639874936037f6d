//! The ids and scope tags the replica's SQL compares, written by the domain's own functions
//! (`EntityKey::id`, `Cible::key`) registered on the connection, so that their text form has
//! one definition: `presence_id(seance, eleve)`, `conseil_id(periode, division)`,
//! `appreciation_id(periode, service, eleve)`, `division_key(id)`, `groupe_key(id)`, and back
//! from a tag, `cible_division(key)`, `cible_groupe(key)`; a parent's records' range,
//! `children_from(id)` to `children_to(id)`. And a séance's roll-call records as key ranges
//! (`presences`, `appel_et_presences`).

use pupitre_domain::{Cible, EntityKey};
use rusqlite::Connection;
use rusqlite::functions::{Context, FunctionFlags};

/// The presences of the séance whose id is the SQL expression `seance`, among rows whose
/// columns are prefixed `t` (`"f."`, or `""`): ids below the séance's
/// (`EntityKey::children_range`), a key range read in place.
pub fn presences(t: &str, seance: &str) -> String {
    format!(
        "{t}kind = 'presence' AND {t}entity_id >= {seance} || '/' AND {t}entity_id < {seance} || '0'"
    )
}

/// The séance's appel (its id is the séance's) and its presences.
pub fn appel_et_presences(t: &str, seance: &str) -> String {
    format!(
        "(({t}kind = 'appel' AND {t}entity_id = {seance}) OR ({}))",
        presences(t, seance)
    )
}

pub fn register(conn: &Connection) -> rusqlite::Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    let text = |ctx: &Context<'_>, i: usize| ctx.get::<String>(i);
    conn.create_scalar_function("presence_id", 2, flags, move |ctx| {
        let key = EntityKey::Presence {
            seance_id: text(ctx, 0)?,
            eleve_id: text(ctx, 1)?,
        };
        Ok(key.id())
    })?;
    conn.create_scalar_function("conseil_id", 2, flags, move |ctx| {
        let key = EntityKey::Conseil {
            periode_id: text(ctx, 0)?,
            division_id: text(ctx, 1)?,
        };
        Ok(key.id())
    })?;
    conn.create_scalar_function("appreciation_id", 3, flags, move |ctx| {
        let key = EntityKey::Appreciation {
            periode_id: text(ctx, 0)?,
            service_id: text(ctx, 1)?,
            eleve_id: text(ctx, 2)?,
        };
        Ok(key.id())
    })?;
    conn.create_scalar_function("division_key", 1, flags, move |ctx| {
        Ok(Cible::Division(text(ctx, 0)?).key())
    })?;
    conn.create_scalar_function("groupe_key", 1, flags, move |ctx| {
        Ok(Cible::Groupe(text(ctx, 0)?).key())
    })?;
    conn.create_scalar_function("children_from", 1, flags, move |ctx| {
        Ok(EntityKey::children_range(&text(ctx, 0)?).0)
    })?;
    conn.create_scalar_function("children_to", 1, flags, move |ctx| {
        Ok(EntityKey::children_range(&text(ctx, 0)?).1)
    })?;
    // The other way: a scope tag's division or group id (NULL for the other kind), so that a
    // join on a service's target can use the membership tables' indexes.
    conn.create_scalar_function("cible_division", 1, flags, move |ctx| {
        Ok(match Cible::from_key(&text(ctx, 0)?) {
            Some(Cible::Division(id)) => Some(id),
            _ => None,
        })
    })?;
    conn.create_scalar_function("cible_groupe", 1, flags, move |ctx| {
        Ok(match Cible::from_key(&text(ctx, 0)?) {
            Some(Cible::Groupe(id)) => Some(id),
            _ => None,
        })
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_writes_the_domain_s_ids() {
        let conn = Connection::open_in_memory().expect("memory");
        register(&conn).expect("register");
        let row = conn
            .query_row(
                "SELECT presence_id('S1', 'E2'), conseil_id('T1', 'D6A'),
                        appreciation_id('T1', 'SV1', 'E2'), division_key('D6A'), groupe_key('G1')",
                [],
                |r| Ok([r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?] as [String; 5]),
            )
            .expect("query");
        let domain = [
            EntityKey::Presence {
                seance_id: "S1".into(),
                eleve_id: "E2".into(),
            }
            .id(),
            EntityKey::Conseil {
                periode_id: "T1".into(),
                division_id: "D6A".into(),
            }
            .id(),
            EntityKey::Appreciation {
                periode_id: "T1".into(),
                service_id: "SV1".into(),
                eleve_id: "E2".into(),
            }
            .id(),
            Cible::Division("D6A".into()).key(),
            Cible::Groupe("G1".into()).key(),
        ];
        assert_eq!(row, domain);
        assert_eq!(row[0], "S1/E2");
        let back: (Option<String>, Option<String>, Option<String>) = conn
            .query_row(
                "SELECT cible_division(division_key('D6A')), cible_groupe(division_key('D6A')),
                        cible_groupe(groupe_key('G1'))",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .expect("query");
        assert_eq!(back, (Some("D6A".into()), None, Some("G1".into())));
    }
}
