//! The families' notifications end to end: the CPE's PC prepares them, the real central (its
//! binary, started and killed for real) sends them through a real SMTP server on loopback
//! (Debian's `python3-aiosmtpd`, writing a Maildir), and the PC shows what became of each.
//! One message per notification, never two: not after the central is killed while the mail
//! server was unreachable, nor after it is killed right after the mail server accepted one.

use pupitre_domain::Presence;
use pupitre_domain::notifications::EtatEnvoi;
use pupitre_e2e::window::{Proc, central_log_tail, free_ports, start_central_with};
use pupitre_e2e::{demo_central_db, on_pc, test_day};
use pupitre_fixtures::{DEMO_CPE_LOGIN, DEMO_CPE_PASSWORD};
use pupitre_replica::Session;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A real SMTP server on loopback that keeps every message it accepts in a Maildir.
fn start_smtp(port: u16, maildir: &Path) -> Proc {
    let child = Command::new("/usr/bin/python3")
        .args(["-m", "aiosmtpd", "-n", "-l"])
        .arg(format!("127.0.0.1:{port}"))
        .args(["-c", "aiosmtpd.handlers.Mailbox"])
        .arg(maildir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3-aiosmtpd (scripts/setup.sh --test installs it)");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the SMTP server never listened");
        std::thread::sleep(Duration::from_millis(100));
    }
    Proc(child)
}

/// The messages the SMTP server received.
fn received(maildir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for sub in ["new", "cur"] {
        let Ok(entries) = std::fs::read_dir(maildir.join(sub)) else {
            continue;
        };
        for e in entries {
            out.push(std::fs::read_to_string(e.expect("entry").path()).expect("message"));
        }
    }
    out
}

fn header<'a>(message: &'a str, name: &str) -> Option<&'a str> {
    message
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name}: ")))
}

/// Syncs the CPE's PC until the notification of `eleve` says `etat` (at most 45 s: a mail server
/// that accepts the connection and says nothing holds a try up to its 20 s timeout). A sync
/// may fail while the central restarts; the last failure and the central's log (`db`) are
/// shown if the state never comes.
async fn until_state(cpe: &Session, db: &Path, eleve: &str, etat: EtatEnvoi) -> String {
    let deadline = Instant::now() + Duration::from_secs(45);
    let mut last_failure = None;
    loop {
        if let Err(e) = cpe.sync_once().await {
            last_failure = Some(e.to_string());
        }
        let n = cpe.notifications().expect("notifications");
        if let Some(n) = n.iter().find(|n| n.eleve_id == eleve)
            && n.etat == Some(etat)
        {
            return n.libelle.clone();
        }
        assert!(
            Instant::now() < deadline,
            "never {etat:?}: {:?}\nlast failed sync: {last_failure:?}\ncentral's log:\n{}",
            n.iter().find(|n| n.eleve_id == eleve),
            central_log_tail(db)
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// The CPE marks pupil `row` of the test day's first séance absent and prepares the day's
/// notifications; returns the pupil.
fn absent_and_notified(cpe: &Session, row: usize) -> String {
    let day = test_day().to_string();
    let seance = cpe.seances_du_jour(&day).expect("day")[0].clone();
    let eleve = cpe.appel(&seance.id).expect("roll").eleves[row]
        .eleve_id
        .clone();
    cpe.marquer(&seance.id, &eleve, Presence::Absent)
        .expect("absent");
    assert!(cpe.notifier_familles(&day).expect("prepared").preparees >= 1);
    eleve
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_family_is_told_once_through_a_real_mail_server_whatever_the_central_s_crashes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = demo_central_db(dir.path());
    let maildir = dir.path().join("courriel");
    let [smtp_port, central_port] = free_ports();
    let addr = format!("127.0.0.1:{central_port}");
    let smtp = format!("127.0.0.1:{smtp_port}");
    let args = [
        "--smtp",
        smtp.as_str(),
        "--smtp-sans-tls",
        "--smtp-from",
        "vie-scolaire@college.example.org",
    ];

    // The mail server is down: the notification waits at the central, and says why.
    let (mut central, url) = start_central_with(&db, &addr, &args, &[]);
    let cpe = on_pc(dir.path(), &url, "cpe", DEMO_CPE_LOGIN, DEMO_CPE_PASSWORD).await;
    let first = absent_and_notified(&cpe, 0);
    let libelle = until_state(&cpe, &db, &first, EtatEnvoi::EnAttente).await;
    assert!(libelle.contains("serveur de courriel"), "{libelle}");
    // Prepared twice, it is still one notification.
    assert_eq!(
        cpe.notifier_familles(&test_day().to_string())
            .expect("again")
            .preparees,
        0
    );

    // The central is killed while it waits; the mail server comes up; the central restarts.
    central.crash();
    let mut smtp_server = start_smtp(smtp_port, &maildir);
    let (mut central, _) = start_central_with(&db, &addr, &args, &[]);
    until_state(&cpe, &db, &first, EtatEnvoi::Envoyee).await;
    let messages = received(&maildir);
    assert_eq!(messages.len(), 1, "sent once");
    let message = &messages[0];
    assert!(header(message, "Message-ID").is_some_and(|id| id.contains("pupitre")));
    assert!(
        header(message, "To").is_some_and(|to| to.contains("@example.org")),
        "to the guardians: {message}"
    );
    assert!(message.contains("n'est pas encore justifi"), "{message}");

    // Killed and restarted once more: nothing is sent again.
    central.crash();
    let (mut central, _) = start_central_with(&db, &addr, &args, &[]);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(received(&maildir).len(), 1, "never twice");

    // A crash right after the mail server accepted a message, before anything recorded it.
    central.terminate();
    let (mut crashing, _) = start_central_with(
        &db,
        &addr,
        &args,
        &[("PUPITRE_CENTRAL_ARRET_APRES_ENVOI", "1")],
    );
    let second = absent_and_notified(&cpe, 1);
    let _ = cpe.sync_once().await;
    assert!(
        crashing.ended_within(Duration::from_secs(30)),
        "the central stopped right after sending"
    );
    assert_eq!(received(&maildir).len(), 2, "the second one left");
    let (mut central, _) = start_central_with(&db, &addr, &args, &[]);
    let libelle = until_state(&cpe, &db, &second, EtatEnvoi::Incertaine).await;
    assert!(
        libelle.contains("Vérifiez auprès de la famille"),
        "{libelle}"
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        received(&maildir).len(),
        2,
        "an uncertain one is never sent again"
    );
    let ids: std::collections::BTreeSet<_> = received(&maildir)
        .iter()
        .filter_map(|m| header(m, "Message-ID").map(str::to_owned))
        .collect();
    assert_eq!(ids.len(), 2, "one Message-ID per notification");
    assert_eq!(cpe.etat().refusees, 0);
    central.terminate();
    smtp_server.terminate();
}
