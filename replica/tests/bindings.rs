//! The UI's TypeScript types are generated from these Rust types. This test fails when
//! `ui/src/lib/ipc-types.ts` is stale; `UPDATE_BINDINGS=1 cargo test -p pupitre-replica --test
//! bindings` rewrites it.

use pupitre_domain::{AppelEtat, ConseilEtat, EntityKind, Fait, Fonction, Garder, Issue, Presence};
use pupitre_replica::UiError;
use pupitre_replica::views::{
    AbsenceView, AppelView, AvisView, ConflitView, EtatSync, EtatSynchro, FaitView, HistoriqueView,
    LigneAppel, LigneAppreciation, ModifView, Modifications, Moi, PeriodeView, Progression,
    SeanceView, ServiceView, VersionView,
};
use std::path::Path;
use ts_rs::TS;

fn generated() -> String {
    let decls = [
        Presence::decl(),
        Fait::decl(),
        Issue::decl(),
        Garder::decl(),
        FaitView::decl(),
        AvisView::decl(),
        HistoriqueView::decl(),
        AppelEtat::decl(),
        EtatSync::decl(),
        Fonction::decl(),
        Moi::decl(),
        SeanceView::decl(),
        LigneAppel::decl(),
        AppelView::decl(),
        AbsenceView::decl(),
        ModifView::decl(),
        EntityKind::decl(),
        VersionView::decl(),
        ConflitView::decl(),
        Modifications::decl(),
        ConseilEtat::decl(),
        ServiceView::decl(),
        PeriodeView::decl(),
        LigneAppreciation::decl(),
        EtatSynchro::decl(),
        Progression::decl(),
        UiError::decl(),
    ];
    let mut out = String::from(
        "// Generated from the Rust types by replica/tests/bindings.rs. Do not edit:\n\
         // run `UPDATE_BINDINGS=1 cargo test -p pupitre-replica --test bindings`.\n\n",
    );
    for decl in decls {
        out.push_str("export ");
        out.push_str(&decl);
        out.push_str("\n\n");
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

#[test]
fn ui_types_are_fresh() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/ipc-types.ts");
    let expected = generated();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &expected).expect("write bindings");
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "{} is stale: run `UPDATE_BINDINGS=1 cargo test -p pupitre-replica --test bindings`",
        path.display()
    );
}
