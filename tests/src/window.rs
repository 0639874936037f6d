//! Driving the real desktop app in a real window (under Xvfb in CI) through tauri-driver and
//! WebKitWebDriver: the processes, the WebDriver session and the few gestures the window tests
//! share.
#![cfg(unix)]

use fantoccini::{Client, ClientBuilder, Locator};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn target_dir() -> PathBuf {
    // target/debug/deps/app_window-… → target/debug
    let exe = std::env::current_exe().expect("current exe");
    exe.parent()
        .and_then(Path::parent)
        .expect("target dir")
        .to_owned()
}

pub fn binary(name: &str) -> PathBuf {
    let path = target_dir().join(name);
    assert!(
        path.exists(),
        "{} is missing: run `cargo build --workspace --bins` first",
        path.display()
    );
    path
}

pub fn free_port() -> u16 {
    free_ports::<1>()[0]
}

/// `N` ports free now and distinct from each other (each held until all are found: ports taken
/// one after the other may come back the same).
pub fn free_ports<const N: usize>() -> [u16; N] {
    let held: Vec<_> = (0..N)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0").expect("bind"))
        .collect();
    std::array::from_fn(|i| held[i].local_addr().expect("addr").port())
}

/// Where a central started by `start_central_with` on `db` writes its log (appended across
/// restarts), for a failing test to show.
pub fn central_log(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".journal");
    PathBuf::from(name)
}

/// The last lines of the log of the central on `db`.
pub fn central_log_tail(db: &Path) -> String {
    let text = std::fs::read_to_string(central_log(db)).unwrap_or_default();
    let lines: Vec<_> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

/// A child process stopped with SIGTERM (a SIGKILL of tauri-driver leaves WebKitWebDriver
/// holding the test's output open).
pub struct Proc(pub Child);

impl Proc {
    pub fn terminate(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if matches!(self.0.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }

    /// Stops it at once (SIGKILL), as a crash or a power cut would.
    pub fn crash(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }

    /// Waits for it to end on its own (at most `timeout`); whether it did.
    pub fn ended_within(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if matches!(self.0.try_wait(), Ok(Some(_))) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.terminate();
    }
}

/// Starts `pupitre-central serve` and returns it with the address it printed.
pub fn start_central(db: &Path, addr: &str) -> (Proc, String) {
    start_central_with(db, addr, &[], &[])
}

/// `start_central` with more arguments and environment variables.
pub fn start_central_with(
    db: &Path,
    addr: &str,
    args: &[&str],
    envs: &[(&str, &str)],
) -> (Proc, String) {
    let mut child = Command::new(binary("pupitre-central"))
        .args(["serve", "--db"])
        .arg(db)
        .args(["--addr", addr])
        .args(args)
        .envs(envs.iter().copied())
        .stdout(Stdio::piped())
        .stderr(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(central_log(db))
                .expect("central's log"),
        )
        .spawn()
        .expect("start central");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read address");
    let url = line.trim().rsplit(' ').next().expect("url").to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{line}");
    (Proc(child), url)
}

/// The text of the element `css` shows now.
pub async fn text_of(client: &Client, css: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap_or_else(|e| panic!("text of {css}: {e}"))
}

pub async fn wait_text(client: &Client, css: &str, expected: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut last = String::new();
    while Instant::now() < deadline {
        if let Ok(element) = client.find(Locator::Css(css)).await {
            last = element.text().await.unwrap_or_default();
            if last.contains(expected) {
                return last;
            }
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    failed(
        client,
        &format!("{css} never showed {expected:?}; last text {last:?}"),
    )
    .await
}

pub async fn log_in(client: &Client, login: &str, password: &str) {
    if let Err(e) = client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Id("login"))
        .await
    {
        failed(client, &format!("login form: {e}")).await;
    }
    type_into(client, "login", login).await;
    type_into(client, "password", password).await;
    client
        .find(Locator::Id("se-connecter"))
        .await
        .expect("button")
        .click()
        .await
        .expect("click");
}

/// Types `text` into the field with id `id`.
async fn type_into(client: &Client, id: &str, text: &str) {
    let field = client.find(Locator::Id(id)).await;
    let field = field.unwrap_or_else(|e| panic!("field {id}: {e}"));
    field.send_keys(text).await.expect("type");
}

/// Opens the séance `seance` (its button in the day's list) and returns the grid's first pupil
/// once it shows.
pub async fn open_seance(
    client: &Client,
    seance: &fantoccini::elements::Element,
) -> fantoccini::elements::Element {
    seance.click().await.expect("open séance");
    client
        .wait()
        .for_element(Locator::Css("[data-testid=eleve]"))
        .await
        .expect("grid")
}

/// Clicks the element `css` finds once it shows (`what` names it when it never does).
pub async fn click(client: &Client, css: &str, what: &str) {
    let found = client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(css))
        .await;
    let clicked = match found {
        Ok(element) => element.click().await,
        Err(e) => Err(e),
    };
    if let Err(e) = clicked {
        failed(client, &format!("{what}: {e}")).await;
    }
}

/// Ends a window test that did not see what it waited for: what the user would have seen is
/// saved (`echec.png`) and the page's text goes into the message, so a failure in CI says why.
pub async fn failed(client: &Client, why: &str) -> ! {
    screenshot(client, "echec.png").await;
    let page = match client.find(Locator::Css("body")).await {
        Ok(body) => body.text().await.unwrap_or_default(),
        Err(e) => format!("(no page: {e})"),
    };
    panic!("{why}\n--- what the window showed ---\n{page}");
}

pub async fn screenshot(client: &Client, name: &str) {
    tokio::time::sleep(Duration::from_millis(500)).await;
    let png = client.screenshot().await.expect("screenshot");
    let dir = target_dir().join("screenshots");
    std::fs::create_dir_all(&dir).expect("screenshots dir");
    std::fs::write(dir.join(name), png).expect("write screenshot");
}

/// Starts tauri-driver with `env` for the app, and opens a WebDriver session on `app`.
pub async fn open_app(app: &Path, env: &[(&str, String)]) -> (Proc, Client) {
    // The WebDriver client's TLS wants its crypto named once per process.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let port = free_port();
    let mut command = Command::new("tauri-driver");
    // Only what the caller sets: nothing inherited from the shell steers the app.
    for (name, _) in std::env::vars() {
        if name.starts_with("PUPITRE_") {
            command.env_remove(name);
        }
    }
    command.args([
        "--port",
        &port.to_string(),
        "--native-port",
        &free_port().to_string(),
    ]);
    for (name, value) in env {
        command.env(name, value);
    }
    let driver = Proc(
        command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("tauri-driver on the PATH (cargo install tauri-driver --locked)"),
    );
    let capabilities = serde_json::json!({
        "tauri:options": { "application": app.display().to_string() }
    });
    for _ in 0..50 {
        let mut builder = ClientBuilder::rustls().expect("tls");
        builder.capabilities(capabilities.as_object().expect("object").clone());
        if let Ok(client) = builder.connect(&format!("http://127.0.0.1:{port}")).await {
            return (driver, client);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("no WebDriver session with {}", app.display());
}

/// The app `app` opened on the test day with its replicas in `data_dir` (and the central at
/// `central_url`, else where its configuration says), the demo teacher logged in: returns the
/// driver, the session and the first of her séances once the day shows.
pub async fn teacher_in_the_app(
    app: &Path,
    data_dir: &Path,
    central_url: Option<&str>,
) -> (Proc, Client, fantoccini::elements::Element) {
    let (driver, client) = open_app(app, &app_env(data_dir, central_url)).await;
    use pupitre_fixtures::{DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD};
    log_in(&client, DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD).await;
    let first = client
        .wait()
        .for_element(Locator::Css("[data-testid=seance]"))
        .await
        .expect("séances");
    (driver, client, first)
}

/// The app's environment on the test day, its replicas in `data_dir` (and the central at
/// `central_url`, else where its configuration says).
pub fn app_env(data_dir: &Path, central_url: Option<&str>) -> Vec<(&'static str, String)> {
    let mut env = vec![
        ("PUPITRE_DATA_DIR", data_dir.display().to_string()),
        ("PUPITRE_DATE", crate::test_day().to_string()),
        // The webview's storage and caches, beside the replicas: a test can search them.
        (
            "XDG_DATA_HOME",
            data_dir.join("xdg-data").display().to_string(),
        ),
        (
            "XDG_CACHE_HOME",
            data_dir.join("xdg-cache").display().to_string(),
        ),
    ];
    if let Some(url) = central_url {
        env.push(("PUPITRE_CENTRAL_URL", url.to_owned()));
    }
    env
}
