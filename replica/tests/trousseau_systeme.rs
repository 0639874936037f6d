//! The OS's keyring for real: the Secret Service of a D-Bus session, as a Linux desktop has.
//! `scripts/test.sh` runs it under `dbus-run-session` with `gnome-keyring-daemon` unlocked;
//! without a session bus it cannot run, hence `ignore` for the plain `cargo test`.

use pupitre_replica::trousseau::{Systeme, Trousseau};

#[test]
#[ignore = "needs a Secret Service: scripts/test.sh runs it under dbus-run-session"]
fn le_trousseau_du_systeme_garde_lit_et_oublie() {
    let login = format!("essai-{}", std::process::id());
    let secret = [7u8; 32];
    assert_eq!(Systeme.lire(&login).expect("readable"), None);
    Systeme.garder(&login, &secret).expect("kept");
    // A new entry object reads what another one kept (keyring's mock would not).
    let read = Systeme.lire(&login).expect("readable").expect("there");
    assert_eq!(read.as_slice(), secret.as_slice());
    Systeme.oublier(&login).expect("forgotten");
    assert_eq!(Systeme.lire(&login).expect("readable"), None);
    Systeme
        .oublier(&login)
        .expect("forgetting twice is no error");
}
