//! The packages as a school's technician installs them: `dpkg -i` of both, the central started
//! by its unit (or, without systemd, by the unit's own command line as its own user), the
//! installed app under Xvfb finding the central in `/etc/pupitre/pupitre.toml`, a roll call that
//! reaches the central, then both packages purged.
//!
//! It installs system packages, so it is ignored by a plain `cargo test`: `scripts/test.sh` runs
//! it as root after `scripts/package.sh --debug`
//! (`cargo test --workspace -- --ignored`: the workspace's one ignored test).
#![cfg(unix)]

use pupitre_e2e::window::{
    Proc, click, free_port, open_seance, screenshot, teacher_in_the_app, wait_text,
};
use pupitre_e2e::{absents_seen_by_the_cpe, test_day};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const DB: &str = "/var/lib/pupitre-central/central.sqlite";
const DEFAULTS: &str = "/etc/default/pupitre-central";
const CONFIG: &str = "/etc/pupitre/pupitre.toml";

fn run(program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{program} {args:?}: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

fn package(prefix: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/packages");
    std::fs::read_dir(&dir)
        .unwrap_or_else(|e| {
            panic!(
                "{}: run scripts/package.sh --debug first ({e})",
                dir.display()
            )
        })
        .map(|e| e.expect("entry").path())
        .find(|p| {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
            name.is_some_and(|n| n.starts_with(prefix) && n.ends_with(".deb"))
        })
        .unwrap_or_else(|| panic!("no {prefix}*.deb in {}", dir.display()))
}

/// Removes both packages and their data (a run that stopped half-way leaves them installed).
fn purge() {
    let status = Command::new("dpkg")
        .args(["--purge", "pupitre", "pupitre-central"])
        .stdout(Stdio::null())
        .status()
        .expect("dpkg");
    assert!(status.success(), "dpkg --purge");
}

fn systemd_runs() -> bool {
    std::fs::read_to_string("/proc/1/comm").is_ok_and(|c| c.trim() == "systemd")
}

/// The central as its unit starts it: through systemd, or the unit's command line as its user.
fn start_central() -> Option<Proc> {
    if systemd_runs() {
        run("systemctl", &["restart", "pupitre-central"]);
        return None;
    }
    let unit = std::fs::read_to_string("/usr/lib/systemd/system/pupitre-central.service")
        .expect("the unit is installed");
    let exec = unit
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .expect("ExecStart")
        .replace("${", "\"${")
        .replace('}', "}\"");
    let script = format!("umask 077; set -a; . {DEFAULTS}; exec {exec}");
    let child = Command::new("runuser")
        .args(["-u", "pupitre-central", "--", "sh", "-c", &script])
        .stdout(Stdio::null())
        .spawn()
        .expect("runuser");
    Some(Proc(child))
}

fn wait_for_port(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "the installed central never listened"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "installs system packages: run by scripts/test.sh after scripts/package.sh --debug"]
async fn the_packages_install_take_a_roll_call_and_uninstall() {
    purge();
    let (desktop, central) = (package("pupitre_"), package("pupitre-central_"));
    run(
        "dpkg",
        &[
            "-i",
            &desktop.display().to_string(),
            &central.display().to_string(),
        ],
    );
    let entry = std::fs::read_to_string("/usr/share/applications/Pupitre.desktop").expect("entry");
    assert!(entry.contains("Comment[fr]=Appel, absences"), "{entry}");
    let uid: u32 = run("id", &["-u", "pupitre-central"])
        .trim()
        .parse()
        .expect("uid");

    // The school, imported as the service's user: the database is its own, mode 600.
    let script = format!(
        "umask 077; /usr/bin/pupitre-central demo --db {DB} --date {}",
        test_day()
    );
    run(
        "runuser",
        &["-u", "pupitre-central", "--", "sh", "-c", &script],
    );
    let meta = std::fs::metadata(DB).expect("database");
    assert_eq!(
        (meta.uid(), meta.mode() & 0o777),
        (uid, 0o600),
        "owner and mode of {DB}"
    );

    let port = free_port();
    let defaults = std::fs::read_to_string(DEFAULTS).expect("defaults");
    let defaults: String = defaults
        .lines()
        .map(|l| match l.starts_with("PUPITRE_ADDR=") {
            true => format!("PUPITRE_ADDR=127.0.0.1:{port}\n"),
            false => format!("{l}\n"),
        })
        .collect();
    std::fs::write(DEFAULTS, defaults).expect("set the port");
    let mut service = start_central();
    wait_for_port(port);

    // The technician's one file; the app reads nothing else to find the central.
    let kept = std::fs::read(CONFIG).ok();
    std::fs::create_dir_all("/etc/pupitre").expect("/etc/pupitre");
    let url = format!("http://127.0.0.1:{port}");
    std::fs::write(CONFIG, format!("[central]\nurl = \"{url}\"\n")).expect("config");

    let dir = tempfile::tempdir().expect("tempdir");
    let poste = dir.path().join("poste");
    let (driver, client, first) =
        teacher_in_the_app(Path::new("/usr/bin/pupitre"), &poste, None).await;
    let tile = open_seance(&client, &first).await;
    tile.send_keys("a").await.expect("key A");
    click(&client, "[data-testid=valider]", "valider").await;
    wait_text(&client, "[data-testid=appel-fait]", "Appel validé").await;
    wait_text(&client, "[data-testid=en-attente]", "tout est envoyé").await;
    screenshot(&client, "installe.png").await;
    client.close().await.expect("close the window");
    drop(driver);

    // Through: the vie scolaire sees the absence at the installed central.
    let absents = absents_seen_by_the_cpe(dir.path(), &url).await;
    assert_eq!(absents, 1, "the CPE sees the roll call's one absence");

    match service.as_mut() {
        Some(central) => central.terminate(),
        None => {
            run("systemctl", &["stop", "pupitre-central"]);
        }
    }
    purge();
    assert!(!Path::new("/usr/bin/pupitre").exists() && !Path::new(DB).exists());
    match kept {
        Some(text) => std::fs::write(CONFIG, text).expect("restore config"),
        None => std::fs::remove_file(CONFIG).expect("remove config"),
    }
}
