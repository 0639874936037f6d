//! Pupitre's desktop app: a thin Tauri shell over `pupitre_api`. It reads the startup settings,
//! turns the boundary's command list into Tauri commands (one line each) and forwards the
//! boundary's events to the window. No domain logic and no SQL live here.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use pupitre_api::views::{EtatSynchro, Progression};
use pupitre_api::{Api, Demarrage, Events, UiError, events};
use pupitre_replica::paths;
use std::sync::Arc;
use tauri::{AppHandle, Emitter, Manager, State};

/// The day the app opens on: `PUPITRE_DATE` (demos, tests) or today.
const DATE_ENV: &str = "PUPITRE_DATE";

/// Read once, at startup: the boundary itself reads no environment.
fn demarrage() -> Demarrage {
    let env = |name: &str| std::env::var(name).ok();
    let configuration = pupitre_replica::config::load();
    Demarrage {
        data_dir: paths::data_dir(),
        central_url: configuration.central_url,
        jour: env(DATE_ENV).unwrap_or_else(pupitre_replica::clock::today),
        compte_demo: env("PUPITRE_DEMO_LOGIN").zip(env("PUPITRE_DEMO_PASSWORD")),
        avertissement: configuration.avertissement,
        trousseau: Arc::new(pupitre_replica::trousseau::Systeme),
    }
}

struct Window(AppHandle);

impl Window {
    fn emit(&self, event: &str, payload: impl serde::Serialize + Clone) {
        if let Err(e) = self.0.emit(event, payload) {
            tracing::warn!("{event} not shown: {e}");
        }
    }
}

impl Events for Window {
    fn progression(&self, progression: Progression) {
        self.emit(events::PROGRESSION, progression);
    }
    fn etat_synchro(&self, etat: EtatSynchro) {
        self.emit(events::ETAT_SYNCHRO, etat);
    }
    fn verrouillage(&self, message: String) {
        self.emit(events::VERROUILLAGE, message);
    }
    fn oublier_navigation(&self) {
        for (label, webview) in self.0.webview_windows() {
            if let Err(e) = webview.clear_all_browsing_data() {
                tracing::warn!("webview {label}: browsing data not cleared: {e}");
            }
        }
    }
}

/// One Tauri command per entry of `pupitre_api::commands!`, each calling the method of the same
/// name, and the app that serves them.
macro_rules! shell {
    ($( $name:ident ( $($arg:ident : $ty:ty),* $(,)? ) -> $ret:ty ; )*) => {
        $(
            #[tauri::command]
            async fn $name(api: State<'_, Api>, $($arg: $ty),*) -> Result<$ret, UiError> {
                api.$name($($arg),*).await
            }
        )*

        fn run() -> tauri::Result<()> {
            tauri::Builder::default()
                .plugin(tauri_plugin_dialog::init())
                .setup(|app| {
                    let window = Arc::new(Window(app.handle().clone()));
                    app.manage(Api::new(demarrage(), window));
                    Ok(())
                })
                .invoke_handler(tauri::generate_handler![$($name),*])
                .run(tauri::generate_context!())
        }
    };
}
pupitre_api::commands!(shell);

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    if let Err(e) = run() {
        eprintln!("Pupitre n'a pas pu démarrer : {e}");
        std::process::exit(1);
    }
}
