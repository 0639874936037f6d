//! The desktop app's hardening, read from the configuration it is built with and the UI it
//! embeds: a CSP without `unsafe-eval` nor inline scripts, nothing loaded from elsewhere,
//! capabilities that give our one window our commands, its events and the file dialogs only.

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn project() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The CSP's directives, each with its sources.
fn directives(csp: &str) -> BTreeMap<String, Vec<String>> {
    csp.split(';')
        .filter_map(|d| {
            let mut words = d.split_whitespace();
            let name = words.next()?.to_owned();
            Some((name, words.map(str::to_owned).collect()))
        })
        .collect()
}

#[test]
fn the_csp_runs_our_scripts_only_and_loads_nothing_from_elsewhere() {
    let conf = json(&project().join("src-tauri/tauri.conf.json"));
    let csp = conf["app"]["security"]["csp"]
        .as_str()
        .expect("a CSP is set");
    let d = directives(csp);
    assert_eq!(d["default-src"], ["'self'"]);
    // Scripts: ours, from the app's own files; never eval, never inline.
    let scripts = d.get("script-src").unwrap_or(&d["default-src"]);
    assert_eq!(scripts, &["'self'"], "{csp}");
    assert!(!csp.contains("unsafe-eval"), "{csp}");
    for (name, sources) in &d {
        for source in sources {
            let remote = source.starts_with("http") && source != "http://ipc.localhost";
            assert!(
                !remote && source != "*" && !source.starts_with("https:"),
                "{name} allows {source}"
            );
            if name != "style-src" {
                assert_ne!(source, "'unsafe-inline'", "{name}");
            }
        }
    }
    assert_eq!(
        d["connect-src"],
        ["ipc:", "http://ipc.localhost"],
        "talks to our commands only"
    );
    for closed in ["object-src", "frame-src", "base-uri", "form-action"] {
        assert_eq!(d[closed], ["'none'"], "{closed}");
    }
    // The UI is embedded: no dev server, no remote page.
    assert!(conf["build"].get("devUrl").is_none());
    for window in conf["app"]["windows"].as_array().expect("windows") {
        let url = window["url"].as_str().unwrap_or("index.html");
        assert!(!url.contains("://"), "window loads {url}");
    }
}

#[test]
fn capabilities_give_our_window_our_commands_events_and_the_file_dialogs_only() {
    let dir = project().join("src-tauri/capabilities");
    let mut files = std::fs::read_dir(&dir)
        .expect("capabilities")
        .map(|e| e.expect("entry").path())
        .collect::<Vec<_>>();
    files.sort();
    assert_eq!(files.len(), 1, "{files:?}");
    let capability = json(&files[0]);
    assert_eq!(capability["windows"], serde_json::json!(["main"]));
    assert!(
        capability.get("remote").is_none(),
        "no remote origin may call commands"
    );
    let permissions: Vec<&str> = capability["permissions"]
        .as_array()
        .expect("permissions")
        .iter()
        .map(|p| p.as_str().expect("a plain permission"))
        .collect();
    assert_eq!(
        permissions,
        [
            "core:event:default",
            "dialog:allow-save",
            "dialog:allow-open"
        ]
    );
    // Nothing that reads or writes files, opens URLs or runs programs.
    let conf = std::fs::read_to_string(project().join("src-tauri/Cargo.toml")).expect("Cargo.toml");
    for plugin in [
        "tauri-plugin-fs",
        "tauri-plugin-shell",
        "tauri-plugin-http",
        "tauri-plugin-opener",
    ] {
        assert!(!conf.contains(plugin), "{plugin}");
    }
}

#[test]
fn the_embedded_ui_has_no_inline_nor_remote_script() {
    let index = project().join("ui/dist/index.html");
    let html = std::fs::read_to_string(&index)
        .unwrap_or_else(|e| panic!("{} (build the UI first): {e}", index.display()));
    let mut rest = html.as_str();
    let mut scripts = 0;
    while let Some(at) = rest.find("<script") {
        let tag_end = rest[at..].find('>').expect("tag end") + at;
        let tag = &rest[at..=tag_end];
        let body_end = rest[tag_end..].find("</script>").expect("closing tag") + tag_end;
        let body = rest[tag_end + 1..body_end].trim();
        assert!(body.is_empty(), "an inline script: {body}");
        let src = tag
            .split("src=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("src");
        assert!(
            src.starts_with('/') && !src.starts_with("//"),
            "script from {src}"
        );
        scripts += 1;
        rest = &rest[body_end..];
    }
    assert_eq!(scripts, 1, "{html}");
    for remote in ["http://", "https://", "//cdn"] {
        assert!(!html.contains(remote), "{remote} in {}", index.display());
    }
}
