//! What became of a person's entries: pending, refused, in conflict, and the notices
//! (Synchronisation, and the banners of Appel).

use super::{FaitRow, fait_row, fait_view, signature};
use crate::error::ReplicaError;
use crate::store::describe::{describe, teacher_of};
use crate::views::{
    AvisView, ConflitView, EtatSync, ModifView, Modifications, VersionView, local_time, valeur,
};
use pupitre_domain::avis::{self, Contexte};
use pupitre_domain::{
    EntityKey, EntityKind, Heure, Issue, Personnel, Presence, combiner, may_write,
};
use pupitre_sync_protocol::wire::Outcome;
use rusqlite::Connection;

/// The pending and the refused changes, oldest first, and the conflicts to resolve (which
/// `me` may resolve or not).
pub fn modifications(conn: &Connection, me: &Personnel) -> Result<Modifications, ReplicaError> {
    let pending = "SELECT client_seq, kind, value, state, NULL, kind, entity_id FROM outbox
                   WHERE withdrawn = 0 ORDER BY client_seq";
    let refused = "SELECT client_seq, kind, value, 'refuse', message, seance, eleve
                   FROM refused ORDER BY client_seq";
    Ok(Modifications {
        en_attente: modif_list(conn, pending, true)?,
        refusees: modif_list(conn, refused, false)?,
        conflits: conflits(conn, me)?,
        avis: avis(conn, me)?,
    })
}

/// Open conflicts, by field: the value in force and every other version.
fn conflits(conn: &Connection, me: &Personnel) -> Result<Vec<ConflitView>, ReplicaError> {
    let mut stmt = conn.prepare_cached(
        "SELECT k.kind, k.entity_id, k.field, k.server_seq, k.value, k.author_id, k.at_ms,
                k.resolving IS NOT NULL, f.version, f.server_value, f.author_id, f.at_ms
         FROM conflicts k
         LEFT JOIN fields f ON f.kind = k.kind AND f.entity_id = k.entity_id AND f.field = k.field
         ORDER BY k.kind, k.entity_id, k.field, k.server_seq",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                (
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ),
                (
                    r.get::<_, i64>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, i64>(6)?,
                ),
                r.get::<_, bool>(7)?,
                (
                    r.get::<_, Option<i64>>(8)?,
                    r.get::<_, Option<String>>(9)?,
                    r.get::<_, Option<String>>(10)?,
                    r.get::<_, Option<i64>>(11)?,
                ),
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut out: Vec<ConflitView> = Vec::new();
    for ((kind, entity_id, champ), (seq, value, author, at), resolving, current) in rows {
        let version = version(conn, &kind, seq, &value, &author, at, false)?;
        match out.last_mut() {
            Some(c) if c.kind.as_str() == kind && c.entity_id == entity_id && c.champ == champ => {
                c.en_cours |= resolving;
                c.versions.push(version);
            }
            _ => {
                let mut c = conflit(conn, me, (&kind, &entity_id, &champ), current)?;
                c.en_cours = resolving;
                c.versions.push(version);
                out.push(c);
            }
        }
    }
    Ok(out)
}

/// A field's value in force: its central version, value, author and time, if the replica has one.
type Current = (Option<i64>, Option<String>, Option<String>, Option<i64>);

/// A field's conflict, with its value in force, before its other versions are added.
fn conflit(
    conn: &Connection,
    me: &Personnel,
    (kind, entity_id, champ): (&str, &str, &str),
    current: Current,
) -> Result<ConflitView, ReplicaError> {
    let Some(kind_enum) = EntityKind::parse(kind) else {
        return Err(ReplicaError::Invalid(format!(
            "conflit d'un type inconnu : {kind}"
        )));
    };
    let (quoi, eleve) = describe(conn, kind, entity_id)?;
    let teacher = match EntityKey::parse(kind_enum, entity_id) {
        Ok(key) => teacher_of(conn, &key)?,
        Err(_) => None,
    };
    let peut_resoudre = may_write(
        me.fonction,
        kind_enum,
        champ,
        teacher.as_deref() == Some(me.id.as_str()),
    )
    .is_ok();
    let mut versions = Vec::new();
    if let (Some(v), Some(value), Some(author), Some(at)) = current {
        versions.push(version(conn, kind, v, &value, &author, at, true)?);
    }
    Ok(ConflitView {
        kind: kind_enum,
        entity_id: entity_id.to_owned(),
        champ: champ.to_owned(),
        quoi,
        eleve,
        versions,
        en_cours: false,
        peut_resoudre,
    })
}

fn version(
    conn: &Connection,
    kind: &str,
    seq: i64,
    value: &str,
    author: &str,
    at_ms: i64,
    en_vigueur: bool,
) -> Result<VersionView, ReplicaError> {
    let auteur = pupitre_school_db::by_key::<Personnel>(conn, author)?
        .map(|p| format!("{} {} {}", p.civilite, p.prenom, p.nom));
    let quand = local_time(at_ms, "%d/%m/%Y %H:%M");
    Ok(VersionView {
        seq: seq as u64,
        valeur: valeur(kind, value),
        auteur: auteur.unwrap_or_else(|| author.to_owned()),
        quand,
        en_vigueur,
    })
}

/// Rows of `(client seq, kind, value, state, motif, a, b)`: `a`, `b` are the kind and id
/// to describe now (`describe_now`, pending entries) or the description stored at refusal.
fn modif_list(
    conn: &Connection,
    sql: &str,
    describe_now: bool,
) -> Result<Vec<ModifView>, ReplicaError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, u32>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, Option<String>>(6)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter()
        .map(|(client_seq, kind, value, state, motif, a, b)| {
            let (seance, eleve) = if describe_now {
                describe(conn, &a, b.as_deref().unwrap_or_default())?
            } else {
                (a, b)
            };
            Ok(ModifView {
                client_seq,
                seance,
                eleve,
                valeur: valeur(&kind, &value),
                etat: match state.as_str() {
                    "local" => EtatSync::Local,
                    "sent" => EtatSync::Envoye,
                    _ => EtatSync::Aucun,
                },
                motif,
            })
        })
        .collect()
}

/// What became of `me`'s entries: the notices the central gave, and each roll-call mark of
/// theirs that a vie scolaire fact combines with (told from the current values, so that a
/// fact noted later, or withdrawn, is reflected).
fn avis(conn: &Connection, me: &Personnel) -> Result<Vec<AvisView>, ReplicaError> {
    let mut out = Vec::new();
    let mut stmt = conn.prepare_cached(
        "SELECT n.message, n.outcome, n.kind, n.entity_id, n.field FROM notices n
         ORDER BY n.client_seq DESC LIMIT 200",
    )?;
    let stored = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (message, outcome, kind, entity_id, champ) in stored {
        let Some(kind) = EntityKind::parse(&kind) else {
            continue;
        };
        let issue = match Outcome::parse(&outcome) {
            Some(Outcome::Conflict) => Issue::AVerifier,
            Some(Outcome::Combined) => Issue::Combinee,
            _ => Issue::NonRetenue,
        };
        out.push(AvisView {
            message,
            issue,
            kind,
            entity_id,
            champ,
        });
    }
    out.extend(roll_call_notices(conn, me)?);
    Ok(out)
}

/// Roll-call marks a person is told about, from the current values: each of her marks that a
/// vie scolaire fact combines with, and each mark of her own séances someone else wrote (a
/// CPE correcting the roll, or settling a contradiction).
fn roll_call_notices(conn: &Connection, me: &Personnel) -> Result<Vec<AvisView>, ReplicaError> {
    let mut stmt = conn.prepare_cached(
        "SELECT fs.value, fs.author_id, fs.at_ms, ff.value, ff.author_id, ff.at_ms,
                e.nom || ' ' || e.prenom, d.code, se.debut, fs.entity_id
         FROM fields fs
         JOIN seances se ON se.id = substr(fs.entity_id, 1, instr(fs.entity_id, '/') - 1)
         JOIN services sv ON sv.id = se.service_id
         JOIN eleves e ON fs.entity_id = presence_id(se.id, e.id)
         JOIN divisions d ON d.id = e.division_id
         LEFT JOIN fields ff ON ff.kind = 'presence' AND ff.entity_id = fs.entity_id AND ff.field = 'fait'
         WHERE fs.kind = 'presence' AND fs.field = 'statut'
           AND ((fs.author_id = ?1 AND ff.value IS NOT NULL)
                OR (COALESCE(se.remplacant_id, sv.enseignant_id) = ?1 AND fs.author_id <> ?1))
         ORDER BY se.date DESC, se.debut DESC LIMIT 200",
    )?;
    type Row = (
        (String, String, i64),
        FaitRow,
        (String, String, String, String),
    );
    let rows: Vec<Row> = stmt
        .query_map([&me.id], |r| {
            let text = |i: usize| r.get::<_, String>(i);
            Ok((
                (text(0)?, text(1)?, r.get(2)?),
                fait_row(r, 3)?,
                (text(6)?, text(7)?, text(8)?, text(9)?),
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::new();
    for ((mark, author, at_ms), fait, (eleve, classe, debut, entity_id)) in rows {
        let (Ok(mark), Ok(debut)) = (
            serde_json::from_str::<Presence>(&mark),
            debut.parse::<Heure>(),
        ) else {
            continue;
        };
        let champ = pupitre_domain::edit::FIELD_STATUT.to_owned();
        if author != me.id {
            let par = format!(
                "{} à {}",
                signature(conn, &author)?,
                local_time(at_ms, "%H:%M")
            );
            out.push(AvisView {
                message: format!(
                    "L'appel de {eleve} ({classe}, {debut}) a été corrigé par {par} : {}.",
                    avis::libelle_presence(mark)
                ),
                issue: Issue::NonRetenue,
                kind: EntityKind::Presence,
                entity_id,
                champ,
            });
            continue;
        }
        let Some(fait) = fait_view(conn, fait)? else {
            continue;
        };
        let c = combiner(Some(mark), fait.fait);
        let ctx = Contexte {
            eleve: &eleve,
            classe: &classe,
            debut,
        };
        if let Some(message) =
            avis::avis_combinaison(mark, fait.fait, c, &ctx, &fait.auteur, &fait.heure)
        {
            out.push(AvisView {
                message,
                issue: c.issue,
                kind: EntityKind::Presence,
                entity_id,
                champ,
            });
        }
    }
    Ok(out)
}
