//! A replica process for the crash test (`tests/tests/crash_safety.rs`): it logs in as the demo
//! teacher and marks pupils and syncs in a loop until it is killed, printing `EDIT` after each
//! local edit is committed. `finish` instead syncs until nothing is pending and prints `DONE`.
//!
//!   crash-worker <data dir> <central url> run|finish <seed>

use pupitre_domain::Presence;
use pupitre_fixtures::{DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD};
use pupitre_replica::Session;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let [_, data, url, mode, seed] = args.as_slice() else {
        eprintln!("usage: crash-worker <data dir> <central url> run|finish <seed>");
        return ExitCode::FAILURE;
    };
    let mut seed: u64 = seed.parse().unwrap_or(0);
    let session = match Session::login(
        &PathBuf::from(data),
        url,
        DEMO_TEACHER_LOGIN,
        DEMO_TEACHER_PASSWORD,
        &mut |_| {},
    )
    .await
    {
        Ok(s) => s,
        Err(e) => {
            eprintln!("login: {e}");
            return ExitCode::FAILURE;
        }
    };
    let day = pupitre_e2e::test_day().to_string();
    let Some(seance) = session
        .seances_du_jour(&day)
        .ok()
        .and_then(|s| s.into_iter().next())
    else {
        eprintln!("no séance on {day}");
        return ExitCode::FAILURE;
    };
    let eleves: Vec<String> = match session.appel(&seance.id) {
        Ok(a) => a.eleves.into_iter().map(|e| e.eleve_id).collect(),
        Err(e) => {
            eprintln!("appel: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut out = std::io::stdout();
    if mode == "finish" {
        for _ in 0..20 {
            if session.sync_once().await.is_ok() && session.etat().en_attente == 0 {
                let _ = writeln!(out, "DONE");
                return ExitCode::SUCCESS;
            }
        }
        eprintln!("still pending: {:?}", session.etat());
        return ExitCode::FAILURE;
    }
    loop {
        for _ in 0..3 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let eleve = &eleves[(seed >> 33) as usize % eleves.len()];
            let presence = if seed & 1 == 0 {
                Presence::Absent
            } else {
                Presence::Present
            };
            if let Err(e) = session.marquer(&seance.id, eleve, presence) {
                eprintln!("marquer: {e}");
                return ExitCode::FAILURE;
            }
            let _ = writeln!(out, "EDIT");
            let _ = out.flush();
        }
        // Failures are expected here (the test may stop the central); the loop goes on.
        let _ = session.sync_once().await;
    }
}
