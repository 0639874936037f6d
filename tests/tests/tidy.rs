//! Walks the tree for what ARCHITECTURE.md promises about where things live: the pure crates
//! name no clock, I/O, randomness or async and depend on no crate that does; each binary reads
//! the clock in one module; no SQL in the desktop shell, the pure crates or the UI; only
//! `ui/src/lib/backend.ts` imports `@tauri-apps`.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_owned()
}

/// Every file below `dir` (relative to the root) whose name ends with one of `exts`.
fn files(dir: &str, exts: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![root().join(dir)];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                todo.push(path);
            } else if exts.iter().any(|e| path.to_string_lossy().ends_with(e)) {
                out.push(path);
            }
        }
    }
    assert!(!out.is_empty(), "no files under {dir}");
    out
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn relative(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}

const IMPURE: &[&str] = &[
    "::now(",
    "SystemTime",
    "Instant",
    "std::fs",
    "std::net",
    "std::env",
    "std::process",
    "new_v4",
    "rand::",
    "tokio",
    "async fn",
    "thread_rng",
];

#[test]
fn the_pure_crates_name_no_clock_io_or_randomness() {
    for krate in ["sync-protocol/src", "domain/src"] {
        for path in files(krate, &[".rs"]) {
            let text = read(&path);
            for word in IMPURE {
                assert!(!text.contains(word), "{} names {word}", relative(&path));
            }
        }
    }
}

#[test]
fn the_pure_crates_depend_on_no_io_crate() {
    for krate in ["sync-protocol", "domain"] {
        let manifest = read(&root().join(krate).join("Cargo.toml"));
        let deps = manifest
            .split("[dependencies]")
            .nth(1)
            .expect("dependencies section");
        let deps = deps.split("\n[").next().unwrap_or(deps);
        for crate_name in ["tokio", "reqwest", "rusqlite", "rand", "axum"] {
            assert!(
                !deps.lines().any(|l| l.trim_start().starts_with(crate_name)),
                "{krate} depends on {crate_name}"
            );
        }
        // chrono without its clock: time is passed in.
        assert!(
            deps.lines()
                .filter(|l| l.starts_with("chrono"))
                .all(|l| !l.contains("clock") && !l.contains("workspace")),
            "{krate} asks for chrono's clock"
        );
    }
}

#[test]
fn each_binary_reads_the_clock_in_one_module() {
    let allowed = ["central/src/clock.rs", "replica/src/session.rs"];
    for dir in [
        "central/src",
        "replica/src",
        "src-tauri/src",
        "domain/src",
        "sync-protocol/src",
        "school-db/src",
    ] {
        for path in files(dir, &[".rs"]) {
            let text = read(&path);
            let reads = ["SystemTime::now", "Local::now", "Utc::now", "Instant::now"]
                .iter()
                .any(|w| text.contains(w));
            assert!(
                !reads || allowed.contains(&relative(&path).as_str()),
                "{} reads the clock (only {allowed:?} may)",
                relative(&path)
            );
        }
    }
}

#[test]
fn no_sql_in_the_shell_the_pure_crates_or_the_ui() {
    let sql = [
        "SELECT ",
        "INSERT INTO",
        "UPDATE ",
        "DELETE FROM",
        "CREATE TABLE",
    ];
    for (dir, exts) in [
        ("src-tauri/src", &[".rs"][..]),
        ("domain/src", &[".rs"][..]),
        ("sync-protocol/src", &[".rs"][..]),
        ("ui/src", &[".ts", ".svelte"][..]),
    ] {
        for path in files(dir, exts) {
            let text = read(&path);
            for word in sql {
                assert!(
                    !text.contains(word),
                    "{} holds SQL ({word:?}): SQL lives in the stores",
                    relative(&path)
                );
            }
        }
    }
}

#[test]
fn only_the_backend_module_imports_tauri() {
    for path in files("ui/src", &[".ts", ".svelte"]) {
        let imports = read(&path).contains("@tauri-apps");
        assert!(
            !imports || relative(&path) == "ui/src/lib/backend.ts",
            "{} imports @tauri-apps (only ui/src/lib/backend.ts may)",
            relative(&path)
        );
    }
}
