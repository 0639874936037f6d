//! The UI compiles against TypeScript generated from the Rust types and the command list. This
//! test fails when `ui/src/lib/ipc-types.ts` is stale;
//! `UPDATE_BINDINGS=1 cargo test -p pupitre-api --test bindings` rewrites it.

use std::path::Path;

#[test]
fn ui_types_and_commands_are_fresh() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/ipc-types.ts");
    let expected = pupitre_api::typescript::module();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &expected).expect("write bindings");
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "{} is stale: run `UPDATE_BINDINGS=1 cargo test -p pupitre-api --test bindings`",
        path.display()
    );
}
