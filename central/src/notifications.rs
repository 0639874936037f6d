//! The families' notifications leave through the central, by SMTP: each one exactly once, or,
//! when the central stopped while the mail server had it, never again without a person.
//!
//! How "never twice" holds (ARCHITECTURE.md): every notification has one Message-ID, fixed when
//! the central accepts it (`db::envois`). Before a message is handed to the mail server, the
//! ledger beside the database (`<db>.envois`, an append-only file synced to disk, which a
//! restore of the database does not touch) records that its sending began; after the server
//! accepts it, that it ended; then the database records the outcome and tells the replicas.
//! A message whose sending began and never ended is marked `Incertaine` and never sent again by
//! the central; one the ledger says ended is recorded as sent, not sent again, even from a
//! database restored from a backup older than the sending.

use crate::clock;
use crate::db::{Db, envois, identity};
use crate::error::CentralError;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use pupitre_domain::notifications::{Envoi, EtatEnvoi};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How often the sender looks for notifications due.
const TOUR: Duration = Duration::from_secs(1);
/// The first retry after a failure to reach the mail server, doubled each time, up to an hour.
const PREMIER_DELAI_MS: u64 = 2_000;
const DELAI_MAX_MS: u64 = 3_600_000;
/// At most this many notifications per round.
const PAR_TOUR: u32 = 50;

/// Where and how the central sends mail.
#[derive(Debug, Clone)]
pub struct Courriel {
    pub host: String,
    pub port: u16,
    /// STARTTLS to the server (a real relay); off only for a server on this machine.
    pub starttls: bool,
    pub from: String,
    /// Test seam: stop the process right after the mail server accepted a message and before
    /// anything records it (the crash this design is for).
    pub arret_apres_envoi: bool,
}

/// What the ledger says of a Message-ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trace {
    Debut,
    Fin,
    /// The server refused or was not reached: nothing left; it may be tried again.
    Echec,
}

/// The append-only ledger of sendings, beside the database.
pub struct Registre {
    path: PathBuf,
    /// The database's path, whose high-water mark each recorded outcome moves (the central's
    /// own changes take sequences too, which no restore may give again).
    db: PathBuf,
}

impl Registre {
    pub fn beside(db: &Path) -> Registre {
        let mut name = db.as_os_str().to_owned();
        name.push(".envois");
        Registre {
            path: PathBuf::from(name),
            db: db.to_owned(),
        }
    }

    /// The ledger's file (a school's archive carries it).
    pub fn chemin(&self) -> &Path {
        &self.path
    }

    /// Records an outcome (`envois::record`), then the high-water mark it moved.
    fn enregistrer(
        &self,
        db: &Db,
        du: &envois::Du,
        envoi: &Envoi,
        prochain_ms: u64,
        now: u64,
    ) -> Result<(), CentralError> {
        let mark = db.with(|c| {
            envois::record(c, du, envoi, prochain_ms, now)?;
            identity::mark_of(c)
        })?;
        identity::write_high_water(&self.db, &mark)
    }

    fn lire(&self) -> Result<HashMap<String, Trace>, CentralError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(CentralError::Io(e)),
        };
        let mut last = HashMap::new();
        for line in text.lines() {
            let trace = match line.split_once(' ') {
                Some(("debut", id)) => (id, Trace::Debut),
                Some(("fin", id)) => (id, Trace::Fin),
                Some(("echec", id)) => (id, Trace::Echec),
                // A line cut short by a crash while it was written: its sending had not begun.
                _ => continue,
            };
            last.insert(trace.0.to_owned(), trace.1);
        }
        Ok(last)
    }

    fn noter(&self, trace: &str, message_id: &str) -> Result<(), CentralError> {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        // A line of its own even after a line torn by a crash (blank lines are skipped).
        file.write_all(format!("\n{trace} {message_id}\n").as_bytes())?;
        file.sync_data()?;
        Ok(())
    }
}

/// What hands a message to the mail system: SMTP in the service, a recorder in the simulation.
pub trait Poste {
    /// Hands over one message; `Err((permanent, reason))` when it was not taken.
    fn poster(&self, du: &envois::Du) -> impl Future<Output = Result<(), (bool, String)>> + Send;

    /// Test seam: stop the process right after a message was taken (`Courriel`).
    fn arret_apres_envoi(&self) -> bool {
        false
    }
}

/// The mail server of `--smtp`.
pub struct Smtp {
    courriel: Courriel,
    transport: Result<AsyncSmtpTransport<Tokio1Executor>, String>,
}

impl Smtp {
    pub fn new(courriel: Courriel) -> Smtp {
        let transport = transport(&courriel);
        Smtp {
            courriel,
            transport,
        }
    }
}

impl Poste for Smtp {
    fn poster(&self, du: &envois::Du) -> impl Future<Output = Result<(), (bool, String)>> + Send {
        let message = construire(&self.courriel, du);
        async move {
            let transport = self
                .transport
                .as_ref()
                .map_err(|e| (false, format!("réglage du serveur de courriel : {e}")))?;
            let message = message.map_err(|e| (true, e))?;
            transport
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| (e.is_permanent(), format!("serveur de courriel : {e}")))
        }
    }

    fn arret_apres_envoi(&self) -> bool {
        self.courriel.arret_apres_envoi
    }
}

/// No mail server configured: notifications wait at the central, and say why.
pub struct SansServeur;

impl Poste for SansServeur {
    fn poster(&self, _: &envois::Du) -> impl Future<Output = Result<(), (bool, String)>> + Send {
        std::future::ready(Err((
            false,
            "aucun serveur de courriel n'est configuré au service central (--smtp)".to_owned(),
        )))
    }
}

/// Sends what is due, every second, until the task is dropped.
pub async fn envoyer_sans_fin(db: Db, registre: Registre, courriel: Option<Courriel>) {
    match courriel {
        Some(c) => boucle(&db, &registre, &Smtp::new(c)).await,
        None => boucle(&db, &registre, &SansServeur).await,
    }
}

async fn boucle(db: &Db, registre: &Registre, poste: &impl Poste) {
    loop {
        if let Err(e) = tour(db, registre, poste, clock::now_ms()).await {
            tracing::error!("envoi des notifications : {e}");
        }
        tokio::time::sleep(TOUR).await;
    }
}

fn transport(c: &Courriel) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    let builder = if c.starttls {
        AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&c.host).map_err(|e| e.to_string())?
    } else {
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&c.host)
    };
    Ok(builder
        .port(c.port)
        .timeout(Some(Duration::from_secs(20)))
        .build())
}

/// Reconciles every waiting notification with the ledger (a restart, a restore): what it says
/// ended is recorded as sent, what began and never ended as uncertain. Then sends what is due.
pub async fn tour(
    db: &Db,
    registre: &Registre,
    poste: &impl Poste,
    now: u64,
) -> Result<(), CentralError> {
    let traces = registre.lire()?;
    for du in db.with(|c| envois::non_reglees(c))? {
        let etat = match traces.get(&du.message_id) {
            Some(Trace::Fin) => EtatEnvoi::Envoyee,
            Some(Trace::Debut) => EtatEnvoi::Incertaine,
            Some(Trace::Echec) | None => continue,
        };
        let erreur = (etat == EtatEnvoi::Incertaine).then(|| {
            "Le service central s'est arrêté pendant l'envoi : le message est probablement parti. Vérifiez auprès de la famille avant de la prévenir à nouveau.".to_owned()
        });
        let envoi = Envoi {
            etat,
            tentatives: du.tentatives.max(1),
            erreur,
            message_id: du.message_id.clone(),
        };
        registre.enregistrer(db, &du, &envoi, 0, now)?;
    }
    let dus = db.with(|c| envois::dus(c, now, PAR_TOUR))?;
    for du in dus {
        let tentatives = du.tentatives + 1;
        let (etat, erreur, prochain) = match envoyer(registre, poste, &du).await? {
            Ok(()) => (EtatEnvoi::Envoyee, None, 0),
            Err((true, e)) => (EtatEnvoi::Echec, Some(e), 0),
            Err((false, e)) => (EtatEnvoi::EnAttente, Some(e), now + delai(tentatives)),
        };
        if etat == EtatEnvoi::EnAttente && erreur == du.erreur {
            db.with(|c| envois::reporter(c, &du.entity_id, tentatives, prochain))?;
            continue;
        }
        let envoi = Envoi {
            etat,
            tentatives,
            erreur,
            message_id: du.message_id.clone(),
        };
        registre.enregistrer(db, &du, &envoi, prochain, now)?;
    }
    Ok(())
}

/// The wait before try `tentatives + 1`.
fn delai(tentatives: u32) -> u64 {
    PREMIER_DELAI_MS
        .saturating_mul(1 << tentatives.saturating_sub(1).min(20))
        .min(DELAI_MAX_MS)
}

/// Hands one message over, the ledger written before and after.
async fn envoyer(
    registre: &Registre,
    poste: &impl Poste,
    du: &envois::Du,
) -> Result<Result<(), (bool, String)>, CentralError> {
    registre.noter("debut", &du.message_id)?;
    match poste.poster(du).await {
        Ok(()) => {
            if poste.arret_apres_envoi() {
                std::process::abort();
            }
            registre.noter("fin", &du.message_id)?;
            Ok(Ok(()))
        }
        Err(e) => {
            // Not taken: nothing is left half-sent, it may be tried again.
            registre.noter("echec", &du.message_id)?;
            Ok(Err(e))
        }
    }
}

fn construire(c: &Courriel, du: &envois::Du) -> Result<Message, String> {
    let from: Mailbox = c
        .from
        .parse()
        .map_err(|e| format!("adresse d'expéditeur « {} » : {e}", c.from))?;
    let mut builder = Message::builder()
        .from(from)
        .subject(du.message.objet.clone())
        .message_id(Some(du.message_id.clone()))
        .header(ContentType::TEXT_PLAIN);
    for to in &du.message.destinataires {
        let to: Mailbox = to.parse().map_err(|e| format!("adresse « {to} » : {e}"))?;
        builder = builder.to(to);
    }
    builder
        .body(du.message.corps.clone())
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_up_to_an_hour() {
        assert_eq!(delai(1), 2_000);
        assert_eq!(delai(2), 4_000);
        assert_eq!(delai(5), 32_000);
        assert_eq!(delai(40), DELAI_MAX_MS);
    }

    #[test]
    fn the_ledger_keeps_the_last_word_and_skips_a_torn_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let registre = Registre::beside(&dir.path().join("c.sqlite"));
        registre.noter("debut", "<a>").expect("write");
        registre.noter("fin", "<a>").expect("write");
        registre.noter("debut", "<b>").expect("write");
        registre.noter("debut", "<c>").expect("write");
        registre.noter("echec", "<c>").expect("write");
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&registre.path)
            .expect("open");
        f.write_all(b"fi").expect("torn");
        let traces = registre.lire().expect("read");
        assert_eq!(traces.get("<a>"), Some(&Trace::Fin));
        assert_eq!(traces.get("<b>"), Some(&Trace::Debut));
        assert_eq!(traces.get("<c>"), Some(&Trace::Echec));
        assert_eq!(traces.len(), 3);
    }
}
