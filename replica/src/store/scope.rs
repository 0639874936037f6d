//! What this replica may hold, and the purge of what left the user's scope: a teacher who loses a
//! class keeps nothing of it on the PC, and their unsent edits in it become visible refusals.

use super::push;
use pupitre_domain::{Cible, Scope, Seance, Service};
use pupitre_sync_protocol::wire::Refusal;
use rusqlite::{Transaction, params};

const LEFT_SCOPE: &str = "Vous n'avez plus accès à cette classe ou à ce groupe : cette saisie n'a pas été envoyée. Voyez avec la vie scolaire.";

/// Deletes the records, conflicts, services, séances, pupils, divisions and groups outside
/// `scope`, turning unsent edits in them into refusals. Part of the caller's transaction.
pub fn purge_outside(conn: &Transaction<'_>, scope: &Scope) -> rusqlite::Result<()> {
    let outside = |key: &str| !Cible::from_key(key).is_some_and(|c| scope.contains(&c));
    let keys: Vec<String> = conn
        .prepare(
            "SELECT scope_key FROM fields UNION SELECT cible_key FROM services
             UNION SELECT scope_key FROM conflicts",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for key in keys.iter().filter(|k| outside(k)) {
        let in_class = "EXISTS (SELECT 1 FROM fields f WHERE f.kind = outbox.kind
             AND f.entity_id = outbox.entity_id AND f.field = outbox.field AND f.scope_key = ?1)";
        push::withdraw_where(conn, in_class, key, Refusal::HorsPerimetre, LEFT_SCOPE)?;
        conn.execute("DELETE FROM fields WHERE scope_key = ?1", [key])?;
        conn.execute("DELETE FROM conflicts WHERE scope_key = ?1", [key])?;
        conn.execute(
            "DELETE FROM seances WHERE service_id IN (SELECT id FROM services WHERE cible_key = ?1)",
            [key],
        )?;
        conn.execute("DELETE FROM services WHERE cible_key = ?1", [key])?;
    }
    // Pupils now visible through no division (of this year's stays) or group of the scope.
    let eleves: Vec<(String, Option<String>, Option<String>)> = conn
        .prepare(
            "SELECT e.id,
                (SELECT group_concat(p.division_id, ',') FROM eleve_divisions p WHERE p.eleve_id = e.id),
                (SELECT group_concat(g.groupe_id, ',') FROM eleve_groupes g WHERE g.eleve_id = e.id)
             FROM eleves e",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let split = |list: &Option<String>| -> Vec<String> {
        list.iter()
            .flat_map(|l| l.split(','))
            .map(str::to_owned)
            .collect()
    };
    for (id, divisions, groupes) in eleves {
        let visible = split(&divisions)
            .into_iter()
            .any(|d| scope.contains(&Cible::Division(d)))
            || split(&groupes)
                .into_iter()
                .any(|g| scope.contains(&Cible::Groupe(g)));
        if !visible {
            conn.execute("DELETE FROM eleve_groupes WHERE eleve_id = ?1", params![id])?;
            conn.execute(
                "DELETE FROM eleve_divisions WHERE eleve_id = ?1",
                params![id],
            )?;
            conn.execute("DELETE FROM eleves WHERE id = ?1", params![id])?;
        }
    }
    purge_seances_unseen(conn, scope)?;
    conn.execute_batch(
        "DELETE FROM divisions WHERE id NOT IN (SELECT division_id FROM eleve_divisions)
             AND division_key(id) NOT IN (SELECT cible_key FROM services);
         DELETE FROM groupes WHERE id NOT IN (SELECT groupe_id FROM eleve_groupes)
             AND groupe_key(id) NOT IN (SELECT cible_key FROM services);",
    )?;
    Ok(())
}

const NOT_HERS: &str = "Cette séance n'est plus la vôtre (ni celle d'une classe dont vous êtes professeur principal) : cette saisie n'a pas été envoyée.";

/// The séances of classes still held that the scope no longer shows (a colleague's, once she is
/// no longer the class's professeur principal, or held by an earlier release), with their roll
/// calls; unsent edits in them become refusals.
fn purge_seances_unseen(conn: &Transaction<'_>, scope: &Scope) -> rusqlite::Result<()> {
    match scope {
        Scope::Etablissement => return Ok(()),
        // An older central names nobody: it sends every séance of the classes, keep them.
        Scope::Cibles { enseignant, .. } if enseignant.is_empty() => return Ok(()),
        Scope::Cibles { .. } => {}
    }
    let services: std::collections::BTreeMap<String, Service> =
        pupitre_school_db::read_all::<Service>(conn)?
            .into_iter()
            .map(|s| (s.id.clone(), s))
            .collect();
    let unseen: Vec<String> = pupitre_school_db::read_all::<Seance>(conn)?
        .into_iter()
        .filter(|se| {
            !services
                .get(&se.service_id)
                .is_some_and(|sv| scope.sees_seance(sv, se.remplacant_id.as_deref()))
        })
        .map(|se| se.id)
        .collect();
    for seance in unseen {
        drop_seance(conn, &seance)?;
    }
    Ok(())
}

/// Deletes a séance that is no longer this PC's, with its roll call; unsent edits in it become
/// refusals.
pub fn drop_seance(conn: &Transaction<'_>, seance: &str) -> rusqlite::Result<()> {
    let of_seance = super::keys::appel_et_presences("", "?1");
    push::withdraw_where(conn, &of_seance, seance, Refusal::HorsPerimetre, NOT_HERS)?;
    for table in ["fields", "conflicts"] {
        conn.execute(&format!("DELETE FROM {table} WHERE {of_seance}"), [seance])?;
    }
    conn.execute("DELETE FROM seances WHERE id = ?1", [seance])?;
    Ok(())
}
