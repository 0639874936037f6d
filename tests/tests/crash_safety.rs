//! Crash safety with real processes: a replica process is killed (SIGKILL) at random instants
//! while it edits and syncs with the real central, 200 times. After every kill the replica file
//! passes `PRAGMA integrity_check`; at the end every committed edit reached the central exactly
//! once.
#![cfg(unix)]

use pupitre_central::Db;
use pupitre_e2e::demo_central;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

const KILLS: u64 = 200;

fn worker() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    let path = exe
        .parent()
        .and_then(Path::parent)
        .expect("target dir")
        .join("crash-worker");
    assert!(
        path.exists(),
        "{} is missing: run `cargo build --workspace --bins` first",
        path.display()
    );
    path
}

fn run(data: &Path, url: &str, mode: &str, seed: u64) -> std::process::Child {
    Command::new(worker())
        .arg(data)
        .arg(url)
        .arg(mode)
        .arg(seed.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start worker")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_replicas_stay_sound_and_lose_nothing() {
    let (dir, central_db, central) = demo_central().await;
    let data = dir.path().join("poste");
    let replica = data
        .join("replicas")
        .join(format!("{}.sqlite", pupitre_fixtures::DEMO_TEACHER_LOGIN));

    let mut printed = 0u64;
    for seed in 0..KILLS {
        let mut child = run(&data, &central.url(), "run", seed);
        // Let it log in (first run: bootstrap too) and work for a random while.
        let wait = 150 + (seed * 7919 % 400);
        tokio::time::sleep(Duration::from_millis(wait)).await;
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
        let mut out = String::new();
        child
            .stdout
            .take()
            .expect("stdout")
            .read_to_string(&mut out)
            .expect("read");
        printed += out.lines().filter(|l| *l == "EDIT").count() as u64;
        let store = pupitre_e2e::open_replica(&replica, pupitre_fixtures::DEMO_TEACHER_PASSWORD);
        assert_eq!(
            store.integrity_check().expect("check"),
            "ok",
            "after kill {seed}"
        );
    }
    assert!(
        printed > KILLS,
        "the worker made too few edits to test anything: {printed}"
    );

    let mut child = run(&data, &central.url(), "finish", 0);
    let status = child.wait().expect("finish");
    assert!(status.success(), "the last sync did not empty the outbox");

    let (processed, distinct, accepted): (u64, u64, u64) = Db::open(&central_db)
        .expect("central")
        .with(|c| {
            c.query_row(
                "SELECT COUNT(*), COUNT(DISTINCT op_id), COUNT(server_seq) FROM client_ops",
                [],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)? as u64,
                        r.get::<_, i64>(1)? as u64,
                        r.get::<_, i64>(2)? as u64,
                    ))
                },
            )
        })
        .expect("count");
    assert_eq!(processed, distinct, "an edit was processed twice");
    assert_eq!(accepted, processed, "an edit was refused");
    // Every printed edit was committed before it was printed, so it reached the central; at most
    // one edit per kill was committed without being printed.
    assert!(
        processed >= printed,
        "lost edits: {printed} committed, {processed} at the central"
    );
    assert!(
        processed <= printed + KILLS,
        "{processed} at the central for {printed} printed"
    );
    let store = pupitre_e2e::open_replica(&replica, pupitre_fixtures::DEMO_TEACHER_PASSWORD);
    assert_eq!(store.outbox_counts().expect("counts"), (0, 0, 0));
    central.stop().await;
}
