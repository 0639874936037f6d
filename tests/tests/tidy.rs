//! Walks the tree for what ARCHITECTURE.md promises about where things live: the pure crates
//! name no clock, I/O, randomness or async and depend on no crate that does; each binary reads
//! the clock in one module; no SQL outside the stores; only `ui/src/lib/backend.ts` imports
//! `@tauri-apps`; no `.expect(` outside tests and startup; no function of the product longer
//! than 80 lines.

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
        // `rand_core` (traits only: a random source is passed in) is not `rand`.
        let name = |l: &str| -> String {
            l.trim_start()
                .split(|c: char| c == '.' || c == '=' || c.is_whitespace())
                .next()
                .unwrap_or_default()
                .to_owned()
        };
        for crate_name in ["tokio", "reqwest", "rusqlite", "rand", "axum", "getrandom"] {
            assert!(
                !deps.lines().any(|l| name(l) == crate_name),
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
    let allowed = ["central/src/clock.rs", "replica/src/clock.rs"];
    for dir in PRODUCT {
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

/// The product's Rust sources (not its tests, benchmarks or tools).
const PRODUCT: &[&str] = &[
    "api/src",
    "central/src",
    "replica/src",
    "src-tauri/src",
    "domain/src",
    "sync-protocol/src",
    "fixtures/src",
    "school-db/src",
];

/// Where SQL may be written: the central's and the replica's stores, and the school's tables
/// they share.
const STORES: &[&str] = &["central/src/db/", "replica/src/store/", "school-db/src/"];

/// A source file's product code: what comes before its test module.
fn product_code(text: &str) -> &str {
    text.split("#[cfg(test)]").next().unwrap_or(text)
}

#[test]
fn no_sql_outside_the_stores() {
    let sql = [
        "SELECT ",
        "INSERT INTO",
        "INSERT OR",
        "UPDATE ",
        "DELETE FROM",
        "CREATE TABLE",
    ];
    let mut sources: Vec<PathBuf> = PRODUCT.iter().flat_map(|d| files(d, &[".rs"])).collect();
    sources.extend(files("ui/src", &[".ts", ".svelte"]));
    for path in sources {
        let name = relative(&path);
        if STORES.iter().any(|s| name.starts_with(s)) {
            continue;
        }
        let text = read(&path);
        for word in sql {
            assert!(
                !text.contains(word),
                "{name} holds SQL ({word:?}): SQL lives in the stores ({STORES:?})"
            );
        }
    }
}

#[test]
fn no_expect_outside_tests_and_startup() {
    let startup = ["central/src/main.rs", "src-tauri/src/main.rs"];
    // The demo generator's expects are on its own constant tables (hours of the timetable, the
    // school year's dates), which its tests cover.
    let generator = "fixtures/src/";
    for path in PRODUCT.iter().flat_map(|d| files(d, &[".rs"])) {
        let name = relative(&path);
        if startup.contains(&name.as_str()) || name.starts_with(generator) {
            continue;
        }
        let text = read(&path);
        assert!(
            !product_code(&text).contains(".expect("),
            "{name} calls .expect( outside its tests: return an error instead"
        );
    }
}

/// The functions of `text` longer than `limit` lines, as (first line, length). A function starts
/// at a line whose code begins with `fn`, `pub fn`, `async fn`, ... and ends at the first line
/// that closes it at its own indentation.
fn long_functions(text: &str, limit: usize) -> Vec<(usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let code = line.trim_start();
        let starts = [
            "fn ",
            "pub fn ",
            "pub(crate) fn ",
            "async fn ",
            "pub async fn ",
        ]
        .iter()
        .chain(&["pub(crate) async fn ", "const fn ", "pub const fn "])
        .any(|p| code.starts_with(p));
        if !starts || code.ends_with(';') {
            continue;
        }
        let close = format!("{}}}", &line[..line.len() - code.len()]);
        if let Some(len) = lines[i..].iter().position(|l| *l == close)
            && len + 1 > limit
        {
            out.push((i + 1, len + 1));
        }
    }
    out
}

#[test]
fn the_length_check_sees_a_long_function() {
    let long = format!(
        "fn long() {{\n{}}}\nfn short() {{\n}}\n",
        "    step();\n".repeat(80)
    );
    assert_eq!(long_functions(&long, 80), vec![(1, 82)]);
    assert!(long_functions("fn short() {\n    a();\n}\n", 80).is_empty());
}

#[test]
fn no_function_of_the_product_is_longer_than_80_lines() {
    let mut long = Vec::new();
    for path in PRODUCT.iter().flat_map(|d| files(d, &[".rs"])) {
        let text = read(&path);
        for (line, len) in long_functions(product_code(&text), 80) {
            long.push(format!("{}:{line} ({len} lines)", relative(&path)));
        }
    }
    assert!(long.is_empty(), "functions over 80 lines: {long:#?}");
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

#[test]
fn the_code_map_names_every_module() {
    let architecture = read(&root().join("ARCHITECTURE.md"));
    let map = architecture
        .split("## Code map")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("a code map in ARCHITECTURE.md");
    let mut missing = Vec::new();
    for path in PRODUCT.iter().flat_map(|d| files(d, &[".rs"])) {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        let Some(name) = name.filter(|n| !["lib.rs", "main.rs", "mod.rs"].contains(&n.as_str()))
        else {
            continue;
        };
        if !map.contains(&format!("`{name}`")) && !map.contains(&format!("/{name}`")) {
            missing.push(relative(&path));
        }
    }
    assert!(
        missing.is_empty(),
        "modules the code map does not name: {missing:#?}"
    );
}
