//! Guards the domain's purity: its sources name no clock, I/O, randomness or async, and its
//! manifest no crate that does I/O.

use std::path::Path;

const FORBIDDEN: &[&str] = &[
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
fn sources_name_no_clock_io_or_randomness() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut checked = 0;
    for entry in std::fs::read_dir(&src).expect("src dir") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("source");
        for word in FORBIDDEN {
            assert!(!text.contains(word), "{} names {word}", path.display());
        }
        checked += 1;
    }
    assert!(
        checked >= 10,
        "expected the domain's modules, found {checked}"
    );
}

#[test]
fn manifest_has_no_io_dependencies() {
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
            .expect("manifest");
    let deps = manifest
        .split("[dependencies]")
        .nth(1)
        .expect("dependencies section");
    let deps = deps.split("\n[").next().unwrap_or(deps);
    for crate_name in ["tokio", "reqwest", "rusqlite", "rand", "axum", "uuid"] {
        assert!(
            !deps.lines().any(|l| l.trim_start().starts_with(crate_name)),
            "domain depends on {crate_name}"
        );
    }
    assert!(
        deps.lines()
            .any(|l| l.starts_with("chrono") && !l.contains("clock")),
        "domain's chrono must not ask for the clock feature"
    );
}
