//! The replica's SQLite file: the only place with SQL on the client. `Store` owns the connection;
//! its methods, all here, are the store's whole interface. Each write opens one transaction and
//! hands it (a `Transaction`) to the module that writes, so a value and its outbox entry are
//! always written together.
//!
//! The modules: tables (`meta`, `fields`, `outbox`, `conflicts`, `notices`), each with its SQL
//! and calling no other table's module; operations that combine tables (`edit`, `push`, `pull`,
//! `scope`, `account`); `describe` (how a record is named); `keys` (ids in SQL, from the
//! domain); `screens` (reads for the views).

pub mod account;
pub mod conflicts;
pub mod conservation;
pub mod describe;
pub mod edit;
pub mod fields;
pub mod keys;
pub mod meta;
pub mod notices;
pub mod outbox;
pub mod pull;
pub mod push;
pub mod scope;
pub mod screens;

pub use conflicts::{Choice, ConflictRow};
pub use edit::Author;
pub use pull::Page;

use crate::carnet::{self, Gradebook, MoyennesPeriode, ServiceRow};
use crate::cle::CleReplica;
use crate::competences::{self, BilanRows, BilanView};
use crate::error::ReplicaError;
use crate::views::{
    AbsenceView, AppelView, LigneAppreciation, Modifications, PeriodeView, SeanceView, ServiceView,
};
use pupitre_domain::EntityKey;
use pupitre_domain::{Edit, EntityKind, Personnel, Scope};
use pupitre_sync_protocol::wire::{LogRef, PushOutcome, Snapshot};
use pupitre_sync_protocol::{Change, ClientId, Hlc, OpId, ServerChange};
use rusqlite::{Connection, OptionalExtension, Transaction};
use screens::notes::Lire;
use screens::{appreciations, modifications, notes, seances, synchro, vie_scolaire};
use std::path::{Path, PathBuf};

/// `PRAGMA application_id` of a replica ("PUPR"): how we recognise our own files.
const APPLICATION_ID: i64 = 0x5055_5052;

/// Schema migrations, in order (see `pupitre_school_db::open`).
const MIGRATIONS: &[&[&str]] = &[
    &[
        include_str!("meta.sql"),
        pupitre_school_db::SCHOOL_SQL,
        include_str!("fields.sql"),
        include_str!("outbox.sql"),
    ],
    &[
        pupitre_school_db::PERIODES_SQL,
        include_str!("conflicts.sql"),
    ],
    &[include_str!("causality.sql")],
    &[
        pupitre_school_db::PARCOURS_SQL,
        include_str!("gradebook.sql"),
    ],
    &[
        pupitre_school_db::RESPONSABLES_SQL,
        pupitre_school_db::REMPLACEMENTS_SQL,
    ],
    &[pupitre_school_db::ROLES_SQL, include_str!("roles.sql")],
    &[include_str!("sans_rowid.sql")],
];

pub struct Store {
    conn: Connection,
    path: PathBuf,
}

/// The file, its owner, and the transaction every write goes through.
impl Store {
    /// Opens (or creates) a replica file, encrypted under `cle`. A file that is not a Pupitre
    /// replica, or not under this key, is refused and left untouched.
    pub fn open(path: &Path, cle: &CleReplica) -> Result<Store, ReplicaError> {
        let conn =
            pupitre_school_db::open_encrypted(path, cle.octets(), APPLICATION_ID, MIGRATIONS)?;
        keys::register(&conn)?;
        Ok(Store {
            conn,
            path: path.to_owned(),
        })
    }

    /// Whether `path` is a replica an earlier release wrote unencrypted.
    pub fn is_unencrypted(path: &Path) -> Result<bool, ReplicaError> {
        Ok(pupitre_school_db::is_plain(path)?)
    }

    /// The client id and sealed token of an unencrypted replica (an earlier release's), read
    /// without changing the file: the token proves the password before the file is encrypted.
    pub fn unencrypted_account(
        path: &Path,
    ) -> Result<(Option<ClientId>, Option<Vec<u8>>), ReplicaError> {
        let conn = pupitre_school_db::open_plain_read_only(path, APPLICATION_ID, MIGRATIONS.len())?;
        Ok((account::client_id(&conn)?, account::sealed_token(&conn)?))
    }

    /// Encrypts an earlier release's unencrypted replica under `cle`, in place and whole.
    pub fn encrypt(path: &Path, cle: &CleReplica) -> Result<(), ReplicaError> {
        Ok(pupitre_school_db::encrypt_in_place(path, cle.octets())?)
    }

    /// Closes the file (at logout). What still holds this store reads and writes nothing: its
    /// connection is now an empty in-memory database.
    pub fn close(&mut self) -> Result<(), ReplicaError> {
        let closed = std::mem::replace(&mut self.conn, Connection::open_in_memory()?);
        closed.close().map_err(|(_, e)| ReplicaError::Sql(e))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` in one transaction, committed only if it succeeds.
    fn write<T>(
        &mut self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, ReplicaError>,
    ) -> Result<T, ReplicaError> {
        let tx = self.conn.transaction()?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Runs reads in one (deferred) transaction: they all see the same state, even while the
    /// sync writes.
    fn read<T>(
        &mut self,
        f: impl FnOnce(&Connection) -> Result<T, ReplicaError>,
    ) -> Result<T, ReplicaError> {
        self.write(|tx| f(tx))
    }

    /// `PRAGMA integrity_check`: "ok" on a sound file.
    pub fn integrity_check(&self) -> Result<String, ReplicaError> {
        Ok(self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }

    /// The school's UAI, once a snapshot gave it.
    pub fn uai(&self) -> Result<Option<String>, ReplicaError> {
        Ok(self
            .conn
            .query_row("SELECT uai FROM etablissement", [], |r| r.get(0))
            .optional()?)
    }

    /// The school's name, as the snapshot gave it.
    pub fn etablissement(&self) -> Result<String, ReplicaError> {
        let nom = self
            .conn
            .query_row("SELECT nom FROM etablissement", [], |r| r.get(0))
            .optional()?;
        Ok(nom.unwrap_or_default())
    }

    pub fn owner(&self) -> Result<Option<String>, ReplicaError> {
        Ok(account::owner(&self.conn)?)
    }

    pub fn client_id(&self) -> Result<Option<ClientId>, ReplicaError> {
        Ok(account::client_id(&self.conn)?)
    }

    pub fn last_online_ms(&self) -> Result<Option<u64>, ReplicaError> {
        Ok(account::last_online_ms(&self.conn)?)
    }

    pub fn refresh_token(&self) -> Result<Option<String>, ReplicaError> {
        Ok(account::refresh_token(&self.conn)?)
    }

    pub fn set_refresh_token(&mut self, token: Option<&str>) -> Result<(), ReplicaError> {
        self.write(|tx| Ok(account::set_refresh_token(tx, token)?))
    }

    /// This replica's envelope signing key (wiped from memory when dropped).
    pub fn envelope_key(&self) -> Result<Option<zeroize::Zeroizing<[u8; 32]>>, ReplicaError> {
        Ok(account::envelope_key(&self.conn)?.map(zeroize::Zeroizing::new))
    }

    pub fn central_box_key(&self) -> Result<Option<[u8; 32]>, ReplicaError> {
        Ok(account::central_box_key(&self.conn)?)
    }

    pub fn personnel(&self) -> Result<Option<Personnel>, ReplicaError> {
        Ok(account::personnel(&self.conn)?)
    }

    pub fn record_login(&mut self, login: &account::Login<'_>) -> Result<(), ReplicaError> {
        self.write(|tx| account::record(tx, login))
    }
}

/// Local edits.
impl Store {
    /// Records a local edit: the new value and its outbox entry, in one transaction. Returns the
    /// entry's client sequence.
    pub fn edit(
        &mut self,
        edit: &Edit,
        me: &str,
        op_id: OpId,
        now_ms: u64,
    ) -> Result<u64, ReplicaError> {
        let by = Author { me, op_id, now_ms };
        self.write(|tx| edit::write(tx, edit, by, None))
    }

    /// Resolves a field's open conflicts by keeping the chosen version. Returns the resolution's
    /// client sequence.
    pub fn resolve(
        &mut self,
        choice: &Choice<'_>,
        me: &str,
        op_id: OpId,
        now_ms: u64,
    ) -> Result<u64, ReplicaError> {
        let by = Author { me, op_id, now_ms };
        self.write(|tx| edit::resolve(tx, choice, by))
    }
}

/// The sync's reads and writes.
impl Store {
    /// The oldest `limit` outbox entries, in client sequence order, marked as sent.
    pub fn take_for_push(&mut self, limit: usize) -> Result<Vec<Change>, ReplicaError> {
        self.write(|tx| push::take(tx, limit))
    }

    /// The oldest `limit` outbox entries, left as they are (an envelope's copy of them).
    pub fn pending(&self, limit: usize) -> Result<Vec<Change>, ReplicaError> {
        outbox::oldest(&self.conn, limit)
    }

    /// Marks entries as never sent (their request could not even connect).
    pub fn unsend(&mut self, changes: &[Change]) -> Result<(), ReplicaError> {
        self.write(|tx| Ok(outbox::mark_sent(tx, changes, false)?))
    }

    /// Applies the central's answers to a push, in one transaction.
    pub fn settle(
        &mut self,
        sent: &[Change],
        outcomes: &[PushOutcome],
    ) -> Result<(), ReplicaError> {
        self.write(|tx| push::settle(tx, sent, outcomes))
    }

    pub fn cursor(&self) -> Result<u64, ReplicaError> {
        Ok(meta::cursor(&self.conn)?)
    }

    pub fn clock(&self) -> Result<Hlc, ReplicaError> {
        Ok(meta::clock(&self.conn)?)
    }

    /// The central's log this replica is synced with (None before its first snapshot).
    pub fn log(&self) -> Result<Option<LogRef>, ReplicaError> {
        pull::log(&self.conn)
    }

    /// Whether a snapshot was ever written (a replica that has data).
    pub fn is_bootstrapped(&self) -> Result<bool, ReplicaError> {
        Ok(meta::get::<i64>(&self.conn, meta::CURSOR)?.is_some())
    }

    /// Whether `scope` holds classes or groups this replica has no reference data for.
    pub fn lacks_part_of(&self, scope: &Scope) -> Result<bool, ReplicaError> {
        Ok(pull::lacks_part_of(&self.conn, scope)?)
    }

    /// One pulled page, the new cursor and the current scope, in one transaction.
    pub fn apply_page(
        &mut self,
        changes: &[ServerChange],
        next_cursor: u64,
        scope: &Scope,
    ) -> Result<(), ReplicaError> {
        let page = pull::Page {
            changes,
            moves: &[],
            next_cursor,
        };
        self.apply_page_durable(page, scope, 0)
    }

    /// `apply_page` with the reference data's moves, forgetting acknowledged entries a backup
    /// of the central holds.
    pub fn apply_page_durable(
        &mut self,
        page: pull::Page<'_>,
        scope: &Scope,
        durable_through: u64,
    ) -> Result<(), ReplicaError> {
        self.write(|tx| pull::apply_page(tx, page, scope, durable_through))
    }

    /// Erases the closed year's vie scolaire, as the central did (`conservation`). Returns how
    /// many values went.
    pub fn effacer_vie_scolaire(&mut self) -> Result<usize, ReplicaError> {
        self.write(|tx| Ok(conservation::effacer_vie_scolaire(tx)?))
    }

    /// Writes a snapshot in one transaction (see `pull::rebase`). Returns how many values that
    /// still showed were forgotten.
    pub fn rebase(
        &mut self,
        snapshot: &Snapshot,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<usize, ReplicaError> {
        self.write(|tx| pull::rebase(tx, snapshot, progress))
    }

    /// Takes in the central's clock (after every exchange).
    pub fn observe_clock(&mut self, remote: Hlc, now_ms: u64) -> Result<(), ReplicaError> {
        self.write(|tx| {
            let clock = meta::clock(tx)?.observe(remote, now_ms);
            Ok(meta::set_clock(tx, clock)?)
        })
    }

    /// Records how far this PC's clock is off, as the central measured it.
    pub fn note_clock_offset(&mut self, offset_ms: i64) -> Result<(), ReplicaError> {
        self.write(|tx| Ok(meta::set(tx, meta::CLOCK_OFFSET, offset_ms)?))
    }

    pub fn mark_synced(&mut self, now_ms: u64) -> Result<(), ReplicaError> {
        self.write(|tx| Ok(meta::set(tx, meta::LAST_SYNC_MS, now_ms as i64)?))
    }
}

/// What the simulation and the tests compare with the central.
impl Store {
    /// Every field's visible value, `(kind, entity id, field, value)`, in key order.
    pub fn field_values(
        &self,
    ) -> Result<Vec<(String, String, String, serde_json::Value)>, ReplicaError> {
        Ok(fields::values(&self.conn)?)
    }

    /// The op the field's visible value comes from: what a person on this PC sees.
    pub fn shown_op(
        &self,
        kind: EntityKind,
        id: &str,
        field: &str,
    ) -> Result<Option<String>, ReplicaError> {
        Ok(edit::shown_op(&self.conn, kind, id, field)?)
    }

    /// Every listed conflict, in server order.
    pub fn conflict_values(&self) -> Result<Vec<ConflictRow>, ReplicaError> {
        Ok(conflicts::values(&self.conn)?)
    }
}

/// The screens' reads (`screens`).
impl Store {
    /// (never sent, sent without answer, refused) outbox entries.
    pub fn outbox_counts(&self) -> Result<(u32, u32, u32), ReplicaError> {
        Ok(synchro::outbox_counts(&self.conn)?)
    }

    pub fn conflict_count(&self) -> Result<u32, ReplicaError> {
        Ok(synchro::conflict_count(&self.conn)?)
    }

    pub fn clock_warning(&self) -> Result<Option<String>, ReplicaError> {
        Ok(synchro::clock_warning(&self.conn)?)
    }

    pub fn last_sync_label(&self) -> Result<Option<String>, ReplicaError> {
        Ok(synchro::last_sync_label(&self.conn)?)
    }

    /// The séances of a day: a teacher's own (`enseignant = Some(id)`), or the whole school's.
    pub fn seances_du_jour(
        &self,
        date: &str,
        enseignant: Option<&str>,
    ) -> Result<Vec<SeanceView>, ReplicaError> {
        seances::seances_du_jour(&self.conn, date, enseignant)
    }

    pub fn seance(&self, seance_id: &str) -> Result<Option<SeanceView>, ReplicaError> {
        seances::seance(&self.conn, seance_id)
    }

    pub fn appel(&self, seance_id: &str) -> Result<Option<AppelView>, ReplicaError> {
        seances::appel(&self.conn, seance_id)
    }

    pub fn eleve_dans_seance(&self, seance_id: &str, eleve_id: &str) -> Result<bool, ReplicaError> {
        seances::eleve_dans_seance(&self.conn, seance_id, eleve_id)
    }

    pub fn absences_du_jour(&self, date: &str) -> Result<Vec<AbsenceView>, ReplicaError> {
        vie_scolaire::absences_du_jour(&self.conn, date)
    }

    pub fn modifications(&self, me: &Personnel) -> Result<Modifications, ReplicaError> {
        modifications::modifications(&self.conn, me)
    }

    /// The services taught by `enseignant`, or every service (`None`).
    pub fn services(&self, enseignant: Option<&str>) -> Result<Vec<ServiceView>, ReplicaError> {
        Ok(appreciations::services(&self.conn, enseignant)?)
    }

    pub fn periodes(&self) -> Result<Vec<PeriodeView>, ReplicaError> {
        appreciations::periodes(&self.conn)
    }

    /// Per pupil, `(absences, retards)` marked in a service's lessons of a period.
    pub fn presences_du_service(
        &self,
        service_id: &str,
        periode_id: &str,
    ) -> Result<std::collections::HashMap<String, (u32, u32)>, ReplicaError> {
        appreciations::presences_du_service(&self.conn, service_id, periode_id)
    }

    pub fn appreciations(
        &self,
        service_id: &str,
        periode_id: &str,
    ) -> Result<Vec<LigneAppreciation>, ReplicaError> {
        appreciations::appreciations(&self.conn, service_id, periode_id)
    }

    /// The school year's periods, as the domain reads them.
    pub fn annee(&self) -> Result<Vec<pupitre_domain::Periode>, ReplicaError> {
        Ok(pupitre_school_db::read_all(&self.conn)?)
    }
}

/// The vie scolaire's desk.
impl Store {
    /// The reference data, roll-call records, absences, dispenses and settings here, read in
    /// one transaction.
    pub fn vie_scolaire(&mut self) -> Result<crate::vie_scolaire::Rows, ReplicaError> {
        self.read(screens::absences::rows)
    }

    /// A séance's roll-call grid with what the school already knows of its pupils
    /// (`vie_scolaire::signaler`), read in one transaction; `None` when the séance is not here.
    pub fn appel_signale(&mut self, seance_id: &str) -> Result<Option<AppelView>, ReplicaError> {
        self.read(|conn| {
            let Some(mut view) = screens::seances::appel(conn, seance_id)? else {
                return Ok(None);
            };
            let eleves: Vec<&str> = view.eleves.iter().map(|e| e.eleve_id.as_str()).collect();
            let s = crate::vie_scolaire::Signalements {
                matiere: screens::seances::matiere_de(conn, seance_id)?,
                precedentes: screens::seances::precedentes(
                    conn,
                    &view.seance.date,
                    &view.seance.debut,
                    &eleves,
                )?,
                absences: screens::absences::absences(conn)?,
                dispenses: screens::absences::dispenses(conn)?,
            };
            crate::vie_scolaire::signaler(&mut view, &s).map_err(ReplicaError::Corrupt)?;
            Ok(Some(view))
        })
    }

    /// The teacher of a record's séance or service, if it has one here.
    pub fn teacher_of(&self, key: &EntityKey) -> Result<Option<String>, ReplicaError> {
        Ok(describe::teacher_of(&self.conn, key)?)
    }

    /// A division's professeur principal, if this PC holds the division and it has one.
    pub fn professeur_principal(&self, division_id: &str) -> Result<Option<String>, ReplicaError> {
        Ok(
            pupitre_school_db::by_key::<pupitre_domain::Division>(&self.conn, division_id)?
                .and_then(|d| d.professeur_principal_id),
        )
    }

    /// Whether a pupil is on this PC.
    pub fn has_eleve(&self, eleve_id: &str) -> Result<bool, ReplicaError> {
        Ok(pupitre_school_db::by_key::<pupitre_domain::Eleve>(&self.conn, eleve_id)?.is_some())
    }

    /// The families' notifications here.
    pub fn notifications(
        &mut self,
    ) -> Result<Vec<crate::vie_scolaire::NotificationRow>, ReplicaError> {
        self.read(screens::absences::notifications)
    }

    /// The absences and dispenses here.
    pub fn absences_et_dispenses(
        &mut self,
    ) -> Result<
        (
            Vec<crate::vie_scolaire::AbsenceRow>,
            Vec<crate::vie_scolaire::DispenseRow>,
        ),
        ReplicaError,
    > {
        self.read(|conn| {
            Ok((
                screens::absences::absences(conn)?,
                screens::absences::dispenses(conn)?,
            ))
        })
    }

    /// The school's vie scolaire settings as this PC has them (the defaults before any).
    pub fn reglages(&self) -> Result<pupitre_domain::absences::Reglages, ReplicaError> {
        screens::absences::reglages(&self.conn)
    }
}

/// The gradebook.
impl Store {
    /// A service's devoirs, marks and pupils, read in one transaction; `None` when the service
    /// is not on this PC.
    pub fn gradebook(&mut self, service_id: &str) -> Result<Option<Gradebook>, ReplicaError> {
        self.read(|conn| {
            let Some(service) = notes::services(conn, Some(service_id))?.pop() else {
                return Ok(None);
            };
            let lire = Lire::Service(service_id);
            Ok(Some(Gradebook {
                service,
                devoirs: notes::devoirs(conn, lire)?,
                notes: notes::notes(conn, lire)?,
                eleves: notes::eleves(conn, Some(service_id), None)?,
                items: notes::items(conn, lire)?,
                evaluations: notes::evaluations(conn, lire)?,
                positionnements: notes::positionnements(conn, lire)?,
                clos: notes::conseils_clos(conn)?,
            }))
        })
    }

    /// The part of a service's gradebook that one cell's edit is checked against (the service,
    /// the devoir, the pupil, the cell's mark, the closed councils): a handful of point reads,
    /// so that typing a mark stays as fast as a spreadsheet. `None` when the service is not here.
    pub fn gradebook_cell(
        &mut self,
        service_id: &str,
        devoir_id: &str,
        eleve_id: &str,
    ) -> Result<Option<Gradebook>, ReplicaError> {
        self.read(|conn| {
            let Some(service) = notes::services(conn, Some(service_id))?.pop() else {
                return Ok(None);
            };
            let devoir = EntityKey::Devoir {
                service_id: service_id.to_owned(),
                devoir_id: devoir_id.to_owned(),
            };
            let note = EntityKey::Note {
                service_id: service_id.to_owned(),
                devoir_id: devoir_id.to_owned(),
                eleve_id: eleve_id.to_owned(),
            };
            let (devoir, note) = (devoir.id(), note.id());
            let one = |id| Lire::Un {
                service: service_id,
                id,
            };
            Ok(Some(Gradebook {
                service,
                devoirs: notes::devoirs(conn, one(devoir.as_str()))?,
                notes: notes::notes(conn, one(note.as_str()))?,
                eleves: notes::eleves(conn, Some(service_id), Some(eleve_id))?,
                items: Vec::new(),
                evaluations: Vec::new(),
                positionnements: Vec::new(),
                clos: notes::conseils_clos(conn)?,
            }))
        })
    }

    /// Every average of some periods on this PC, per service and per pupil, with the class
    /// statistics of each service: the rows read once for all of them.
    pub fn moyennes(&mut self, periodes: &[String]) -> Result<Vec<MoyennesPeriode>, ReplicaError> {
        self.read(|conn| moyennes_in(conn, periodes))
    }

    /// A class council's page for a period (`crate::conseil`), read in one transaction;
    /// `None` when the period or the division is not on this PC.
    pub fn conseil(
        &mut self,
        periode_id: &str,
        division_id: &str,
    ) -> Result<Option<crate::conseil::ConseilView>, ReplicaError> {
        Ok(self
            .conseils_pages(periode_id, &[division_id.to_owned()])?
            .pop()
            .flatten())
    }

    /// The council pages of several divisions for a period, from one read of the school's
    /// rows and averages (a whole collège's LSU export reads them once, not per class).
    pub fn conseils_pages(
        &mut self,
        periode_id: &str,
        divisions: &[String],
    ) -> Result<Vec<Option<crate::conseil::ConseilView>>, ReplicaError> {
        self.read(|conn| {
            let vie = screens::absences::rows(conn)?;
            let Some(periode) = vie.school.periodes.iter().find(|p| p.id == periode_id) else {
                return Ok(vec![None; divisions.len()]);
            };
            let Some(moyennes) = moyennes_in(conn, &[periode_id.to_owned()])?.pop() else {
                return Ok(vec![None; divisions.len()]);
            };
            let (appreciations, positionnements) = screens::conseil::textes(conn, periode_id)?;
            let mut rows = crate::conseil::ConseilRows {
                vie: &vie,
                periode,
                division_id: "",
                etat: Default::default(),
                moyennes: &moyennes,
                appreciations,
                positionnements,
                decisions: Default::default(),
            };
            let mut pages = Vec::new();
            for division_id in divisions {
                rows.division_id = division_id;
                rows.etat = screens::conseil::etat(conn, periode_id, division_id)?;
                rows.decisions = screens::conseil::decisions(conn, periode_id, division_id)?;
                pages.push(crate::conseil::conseil(&rows));
            }
            Ok(pages)
        })
    }

    /// Every division's council for a period, with its professeur principal.
    pub fn conseils(
        &mut self,
        periode_id: &str,
    ) -> Result<Vec<(crate::conseil::ConseilLigne, Option<String>)>, ReplicaError> {
        self.read(|conn| screens::conseil::conseils(conn, periode_id))
    }

    /// What a council decision's entry is checked against here (`None`: the class or the
    /// period is not on this PC).
    pub fn cadre_decision(
        &mut self,
        key: &EntityKey,
        field: &str,
    ) -> Result<Option<screens::conseil::Cadre>, ReplicaError> {
        self.read(|conn| screens::conseil::cadre(conn, key, field))
    }

    /// When the council's state shown was written (its author's clock), in ms.
    pub fn conseil_ecrit_le_ms(
        &mut self,
        periode_id: &str,
        division_id: &str,
    ) -> Result<Option<i64>, ReplicaError> {
        self.read(|conn| screens::conseil::ecrit_le_ms(conn, periode_id, division_id))
    }

    /// A council's state as this PC holds it.
    pub fn etat_conseil(
        &mut self,
        periode_id: &str,
        division_id: &str,
    ) -> Result<pupitre_domain::EtatConseil, ReplicaError> {
        self.read(|conn| screens::conseil::etat(conn, periode_id, division_id))
    }

    /// A pupil's competencies for a period, across every service of hers on this PC; `None`
    /// when the pupil is not here.
    pub fn bilan(
        &mut self,
        eleve_id: &str,
        periode_id: &str,
    ) -> Result<Option<BilanView>, ReplicaError> {
        self.read(|conn| {
            let eleves = notes::eleves(conn, None, Some(eleve_id))?;
            let Some(eleve) = eleves.first() else {
                return Ok(None);
            };
            let services: Vec<ServiceRow> = notes::services(conn, None)?
                .into_iter()
                .filter(|s| {
                    eleves
                        .iter()
                        .any(|e| e.eleve_id == eleve_id && e.service_id == s.service_id)
                })
                .collect();
            let rows = BilanRows {
                eleve,
                services: &services,
                devoirs: &notes::devoirs(conn, Lire::Tout)?,
                items: &notes::items(conn, Lire::Tout)?,
                evaluations: &notes::evaluations(conn, Lire::Tout)?,
                positionnements: &notes::positionnements(conn, Lire::Tout)?,
            };
            Ok(Some(competences::bilan(&rows, periode_id)))
        })
    }

    /// Several local edits (a pasted column) in one transaction: all of them or none.
    pub fn edit_all(
        &mut self,
        edits: &[(Edit, OpId)],
        me: &str,
        now_ms: u64,
    ) -> Result<(), ReplicaError> {
        self.write(|tx| {
            for (edit, op_id) in edits {
                let by = Author {
                    me,
                    op_id: *op_id,
                    now_ms,
                };
                edit::write(tx, edit, by, None)?;
            }
            Ok(())
        })
    }
}

/// Every average of some periods, from the rows read in `conn`'s transaction.
fn moyennes_in(
    conn: &Connection,
    periodes: &[String],
) -> Result<Vec<MoyennesPeriode>, ReplicaError> {
    carnet::moyennes(
        periodes,
        &notes::services(conn, None)?,
        &notes::devoirs_only(conn)?,
        &notes::eleves(conn, None, None)?,
        |f| notes::for_each_note(conn, f),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_a_foreign_file_and_reopens_its_own() {
        let dir = tempfile::tempdir().expect("tempdir");
        let text = dir.path().join("notes.sqlite");
        std::fs::write(&text, b"ne pas effacer").expect("write");
        let cle = CleReplica::nouvelle();
        assert!(matches!(
            Store::open(&text, &cle),
            Err(ReplicaError::Sealed(_))
        ));
        assert_eq!(std::fs::read(&text).expect("read"), b"ne pas effacer");
        let path = dir.path().join("r.sqlite");
        drop(Store::open(&path, &cle).expect("create"));
        assert!(matches!(
            Store::open(&path, &CleReplica::nouvelle()),
            Err(ReplicaError::Sealed(_))
        ));
        let store = Store::open(&path, &cle).expect("reopen");
        assert_eq!(store.integrity_check().expect("check"), "ok");
    }
}
