//! Pupitre's desktop app: a thin Tauri shell. Each command is a few lines that call
//! `pupitre_replica::Session`; no domain logic lives here.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use pupitre_domain::{EntityKind, Fait, Garder, Presence};
use pupitre_replica::client::{CENTRAL_URL_ENV, DEFAULT_CENTRAL_URL};
use pupitre_replica::views::{
    AbsenceView, AppelView, EtatSynchro, HistoriqueView, LigneAppreciation, Modifications, Moi,
    PeriodeView, SeanceView, ServiceView,
};
use pupitre_replica::{Session, UiError, paths};
use std::sync::{Arc, Mutex};
use tauri::{AppHandle, Emitter, State};

/// The day the app opens on: `PUPITRE_DATE` (demos, tests) or today.
const DATE_ENV: &str = "PUPITRE_DATE";

#[derive(Default)]
struct AppState {
    session: Mutex<Option<Arc<Session>>>,
}

impl AppState {
    fn session(&self) -> Result<Arc<Session>, UiError> {
        let guard = self.session.lock().unwrap_or_else(|p| p.into_inner());
        guard
            .clone()
            .ok_or_else(|| pupitre_replica::ReplicaError::NoSession.into())
    }
}

#[tauri::command]
fn jour_initial() -> String {
    std::env::var(DATE_ENV).unwrap_or_else(|_| pupitre_replica::session::today())
}

/// The demo script's account, to log in by itself (`scripts/demo.sh`). Never set in production.
#[tauri::command]
fn compte_demo() -> Option<(String, String)> {
    Some((
        std::env::var("PUPITRE_DEMO_LOGIN").ok()?,
        std::env::var("PUPITRE_DEMO_PASSWORD").ok()?,
    ))
}

#[tauri::command]
async fn connexion(
    app: AppHandle,
    state: State<'_, AppState>,
    login: String,
    password: String,
) -> Result<Moi, UiError> {
    let central = std::env::var(CENTRAL_URL_ENV).unwrap_or_else(|_| DEFAULT_CENTRAL_URL.to_owned());
    let emitter = app.clone();
    let mut progress = move |p| {
        if let Err(e) = emitter.emit("progression", p) {
            tracing::warn!("progress not shown: {e}");
        }
    };
    let previous = state
        .session
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take();
    if let Some(previous) = previous {
        // Never two sessions at once on a shared PC. A central that cannot revoke the old token
        // must not block the new login: the token expires on its own.
        if let Err(e) = previous.logout().await {
            tracing::warn!("previous session not revoked at the central: {e}");
        }
    }
    let session = Session::login(
        &paths::data_dir(),
        &central,
        &login,
        &password,
        &mut progress,
    )
    .await?;
    session.spawn_sync_loop();
    let mut status = session.subscribe();
    tauri::async_runtime::spawn(async move {
        while status.changed().await.is_ok() {
            let etat = status.borrow_and_update().clone();
            if let Err(e) = app.emit("etat-synchro", etat) {
                tracing::warn!("sync status not shown: {e}");
            }
        }
    });
    let moi = session.moi();
    *state.session.lock().unwrap_or_else(|p| p.into_inner()) = Some(session);
    Ok(moi)
}

#[tauri::command]
async fn deconnexion(state: State<'_, AppState>) -> Result<(), UiError> {
    let session = state
        .session
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take();
    match session {
        Some(session) => Ok(session.logout().await?),
        None => Ok(()),
    }
}

#[tauri::command]
fn seances_du_jour(state: State<'_, AppState>, date: String) -> Result<Vec<SeanceView>, UiError> {
    Ok(state.session()?.seances_du_jour(&date)?)
}

#[tauri::command]
fn appel(state: State<'_, AppState>, seance_id: String) -> Result<AppelView, UiError> {
    Ok(state.session()?.appel(&seance_id)?)
}

#[tauri::command]
fn marquer(
    state: State<'_, AppState>,
    seance_id: String,
    eleve_id: String,
    presence: Presence,
) -> Result<(), UiError> {
    Ok(state.session()?.marquer(&seance_id, &eleve_id, presence)?)
}

#[tauri::command]
fn noter_fait(
    state: State<'_, AppState>,
    seance_id: String,
    eleve_id: String,
    fait: Fait,
) -> Result<(), UiError> {
    Ok(state.session()?.noter_fait(&seance_id, &eleve_id, fait)?)
}

#[tauri::command]
fn trancher(
    state: State<'_, AppState>,
    seance_id: String,
    eleve_id: String,
    garder: Garder,
) -> Result<(), UiError> {
    Ok(state.session()?.trancher(&seance_id, &eleve_id, garder)?)
}

#[tauri::command]
async fn historique(
    state: State<'_, AppState>,
    kind: EntityKind,
    entity_id: String,
    champ: String,
) -> Result<Vec<HistoriqueView>, UiError> {
    Ok(state
        .session()?
        .historique(kind, &entity_id, &champ)
        .await?)
}

#[tauri::command]
fn valider_appel(state: State<'_, AppState>, seance_id: String) -> Result<(), UiError> {
    Ok(state.session()?.valider_appel(&seance_id)?)
}

#[tauri::command]
fn absences_du_jour(state: State<'_, AppState>, date: String) -> Result<Vec<AbsenceView>, UiError> {
    Ok(state.session()?.absences_du_jour(&date)?)
}

#[tauri::command]
fn modifications(state: State<'_, AppState>) -> Result<Modifications, UiError> {
    Ok(state.session()?.modifications()?)
}

#[tauri::command]
fn services(state: State<'_, AppState>) -> Result<Vec<ServiceView>, UiError> {
    Ok(state.session()?.services()?)
}

#[tauri::command]
fn periodes(state: State<'_, AppState>) -> Result<Vec<PeriodeView>, UiError> {
    Ok(state.session()?.periodes()?)
}

#[tauri::command]
fn appreciations(
    state: State<'_, AppState>,
    service_id: String,
    periode_id: String,
) -> Result<Vec<LigneAppreciation>, UiError> {
    Ok(state.session()?.appreciations(&service_id, &periode_id)?)
}

#[tauri::command]
fn ecrire_appreciation(
    state: State<'_, AppState>,
    service_id: String,
    periode_id: String,
    eleve_id: String,
    texte: String,
) -> Result<(), UiError> {
    Ok(state
        .session()?
        .ecrire_appreciation(&service_id, &periode_id, &eleve_id, &texte)?)
}

#[tauri::command]
fn resoudre_conflit(
    state: State<'_, AppState>,
    kind: EntityKind,
    entity_id: String,
    champ: String,
    garder: u64,
) -> Result<(), UiError> {
    Ok(state
        .session()?
        .resoudre_conflit(kind, &entity_id, &champ, garder)?)
}

#[tauri::command]
fn etat_synchro(state: State<'_, AppState>) -> Result<EtatSynchro, UiError> {
    Ok(state.session()?.etat())
}

#[tauri::command]
fn synchroniser(state: State<'_, AppState>) -> Result<(), UiError> {
    state.session()?.sync_soon();
    Ok(())
}

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let result = tauri::Builder::default()
        .manage(AppState::default())
        .invoke_handler(tauri::generate_handler![
            jour_initial,
            compte_demo,
            connexion,
            deconnexion,
            seances_du_jour,
            appel,
            marquer,
            noter_fait,
            trancher,
            historique,
            valider_appel,
            absences_du_jour,
            modifications,
            services,
            periodes,
            appreciations,
            ecrire_appreciation,
            resoudre_conflit,
            etat_synchro,
            synchroniser
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("Pupitre n'a pas pu démarrer : {e}");
        std::process::exit(1);
    }
}
