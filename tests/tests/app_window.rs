//! The real desktop app in a real window (under Xvfb in CI), driven through tauri-driver and
//! WebKitWebDriver: log in, open a séance, mark a pupil absent with the keyboard, validate, see
//! the change pending while the central is down, then acknowledged once it is back; the CPE
//! notes a fact that accounts for the absence and settles a contradiction from her desk; the
//! teacher sees that her entry did not stand, and who wrote what stands.
//!
//! Needs the binaries built (`cargo build --workspace --bins`), `tauri-driver` on the PATH and
//! Debian's `webkit2gtk-driver`; `scripts/test.sh` provides all three.
#![cfg(unix)]

use fantoccini::{Client, Locator};
use pupitre_e2e::window::{
    app_env, binary, click, failed, log_in, open_app, open_seance, screenshot, start_central,
    start_central_with, teacher_in_the_app, text_of, wait_text,
};
use pupitre_e2e::{demo_central_db, files_under};
use pupitre_fixtures::{
    DEMO_ADMIN_LOGIN, DEMO_ADMIN_PASSWORD, DEMO_CPE_LOGIN, DEMO_CPE_PASSWORD, DEMO_HEAD_LOGIN,
    DEMO_HEAD_PASSWORD, DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD,
};
use std::time::{Duration, Instant};

/// A screenshot at 1280x800, then one at 900x600 (a small classroom screen), named `name` and
/// `name` with `-900` before its extension.
async fn screenshots(client: &Client, name: &str) {
    screenshot(client, name).await;
    client
        .set_window_size(900, 600)
        .await
        .expect("resize to 900x600");
    screenshot(client, &name.replace(".png", "-900.png")).await;
    client
        .set_window_size(1280, 800)
        .await
        .expect("resize back");
}

/// A central serving `central_db` and the app on a PC under `dir`, the demo teacher logged in:
/// the central, the driver, the session and her first séance of the day.
async fn teacher_on(
    dir: &std::path::Path,
    central_db: &std::path::Path,
) -> (
    pupitre_e2e::window::Proc,
    pupitre_e2e::window::Proc,
    Client,
    fantoccini::elements::Element,
) {
    let (central, url) = start_central(central_db, "127.0.0.1:0");
    let (driver, client, first) =
        teacher_in_the_app(&binary("pupitre"), &dir.join("poste"), Some(url.as_str())).await;
    (central, driver, client, first)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roll_call_in_the_real_window() {
    // reqwest and fantoccini both bring rustls providers: pick one for the process.
    let dir = tempfile::tempdir().expect("tempdir");
    let central_db = demo_central_db(dir.path());
    let (mut central, url) = start_central(&central_db, "127.0.0.1:0");
    let addr = url.trim_start_matches("http://").to_owned();

    // Log in: the replica bootstraps, today's séances show.
    let poste = dir.path().join("poste");
    let (driver, client, first) =
        teacher_in_the_app(&binary("pupitre"), &poste, Some(url.as_str())).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    screenshot(&client, "journee.png").await;
    let debut: String = first
        .text()
        .await
        .expect("séance text")
        .chars()
        .take(5)
        .collect();
    let seance_id = first
        .attr("data-seance")
        .await
        .expect("attr")
        .expect("séance id");

    // The central goes down; the roll call works the same.
    central.terminate();
    let tile = open_seance(&client, &first).await;
    tile.send_keys("a").await.expect("key A");
    let tiles = client
        .find_all(Locator::Css("[data-testid=eleve]"))
        .await
        .expect("tiles");
    assert_eq!(
        tiles[0].attr("data-statut").await.expect("attr").as_deref(),
        Some("absent")
    );
    tiles[1].send_keys("r").await.expect("key R");
    click(&client, "[data-testid=valider]", "valider").await;
    wait_text(&client, "[data-testid=appel-fait]", "Appel validé").await;
    wait_text(&client, "[data-testid=etat-synchro]", "Hors ligne").await;
    wait_text(
        &client,
        "[data-testid=en-attente]",
        "3 modifications en attente",
    )
    .await;
    let sync = text_of(&client, "[data-testid=sync-seance]").await;
    // Not sent; or, when the first try went out on a kept-alive connection the dead central
    // had not yet closed, sent without an answer (the PC cannot know it did not arrive): both
    // say that nothing is confirmed, and both go again.
    assert!(
        [
            "Enregistré sur ce poste, pas encore envoyé",
            "Envoyé, en attente de confirmation"
        ]
        .contains(&sync.as_str()),
        "{sync}"
    );
    screenshot(&client, "appel-hors-ligne.png").await;

    // The Synchronisation panel lists the three waiting changes.
    click(&client, "[data-testid=etat-synchro]", "badge").await;
    let table = wait_text(&client, "[data-testid=en-attente-liste]", "Absent").await;
    assert!(
        table.contains("Appel validé") && table.contains("Retard"),
        "{table}"
    );
    screenshot(&client, "synchronisation.png").await;
    click(
        &client,
        "[data-testid=synchronisation] button.secondaire",
        "close",
    )
    .await;

    // Logging out now would leave them here: the app says how many, and when they will go.
    click(&client, "[data-testid=deconnexion]", "logout").await;
    let warning = wait_text(
        &client,
        "[data-testid=changements-en-attente]",
        "3 modifications ne sont pas encore arrivées",
    )
    .await;
    assert!(warning.contains("hors ligne"), "{warning}");
    screenshot(&client, "deconnexion-en-attente.png").await;
    click(
        &client,
        "[data-testid=confirmer-deconnexion] button.secondaire",
        "stay logged in",
    )
    .await;

    // The central is back on the same address: the outbox goes out by itself.
    let (_central, _) = start_central(&central_db, &addr);
    wait_text(&client, "[data-testid=en-attente]", "tout est envoyé").await;
    wait_text(
        &client,
        "[data-testid=sync-seance]",
        "Reçu par le service central",
    )
    .await;
    let tiles = client
        .find_all(Locator::Css("[data-testid=eleve]"))
        .await
        .expect("tiles");
    assert_eq!(
        tiles[0].attr("data-sync").await.expect("attr").as_deref(),
        Some("acquitte")
    );
    wait_text(&client, "[data-testid=etat-synchro]", "En ligne").await;
    screenshot(&client, "appel.png").await;
    let absent_name = tiles[0]
        .find(Locator::Css(".nom strong"))
        .await
        .expect("name")
        .text()
        .await
        .expect("text");
    let absent_id = tiles[0]
        .attr("data-eleve")
        .await
        .expect("attr")
        .expect("pupil id");
    let present_id = tiles[2]
        .attr("data-eleve")
        .await
        .expect("attr")
        .expect("pupil id");

    // The teacher writes an appreciation: saved on leaving the field, then acknowledged.
    click(
        &client,
        "[data-testid=onglet-appreciations]",
        "appreciations tab",
    )
    .await;
    let first = client
        .wait()
        .for_element(Locator::Css("[data-testid=appreciation] textarea"))
        .await
        .expect("an appreciation field");
    // The counter follows the keys, before the text is saved (« é » is one character).
    first.send_keys("Bon trimestre, été").await.expect("type");
    wait_text(
        &client,
        "[data-testid=appreciation] [data-testid=compte]",
        "18 / 600",
    )
    .await;
    first
        .send_keys(" : participation active.\t")
        .await
        .expect("type");
    wait_text(
        &client,
        "[data-testid=appreciation] [data-testid=sync]",
        "Reçu par le service central",
    )
    .await;
    screenshot(&client, "appreciations.png").await;

    // The CPE logs in on this PC: the absence is on the vie scolaire desk. (Once nothing waits:
    // a logout with changes unsent asks first.)
    wait_text(&client, "[data-testid=en-attente]", "tout est envoyé").await;
    click(&client, "[data-testid=deconnexion]", "logout").await;
    // The next person at the login screen: nothing on this PC's disk shows the pupil's name,
    // not the replicas, not the webview's storage or caches.
    wait_text(&client, "#se-connecter", "Se connecter").await;
    let files = files_under(&poste);
    assert!(
        files
            .iter()
            .any(|f| f.display().to_string().contains("replicas")),
        "{files:?}"
    );
    for file in &files {
        let bytes = std::fs::read(file).unwrap_or_default();
        assert!(
            !bytes
                .windows(absent_name.len())
                .any(|w| w == absent_name.as_bytes()),
            "{absent_name} readable in {} after logout",
            file.display()
        );
    }
    log_in(&client, DEMO_CPE_LOGIN, DEMO_CPE_PASSWORD).await;
    let row = wait_text(&client, "[data-testid=absences]", &absent_name).await;
    assert!(row.contains("Absent") && row.contains(&debut), "{row}");
    screenshot(&client, "vie-scolaire.png").await;

    // She knows better: the pupil marked absent is at the infirmary. She notes it on his row.
    client
        .find(Locator::Css(&format!(
            "[data-testid=absence][data-eleve='{absent_id}'] [data-testid=noter-fait]"
        )))
        .await
        .expect("the fact selector of the row")
        .select_by_value("infirmerie")
        .await
        .expect("note the infirmary");
    let row = wait_text(
        &client,
        &format!("[data-testid=absence][data-eleve='{absent_id}']"),
        "Infirmerie",
    )
    .await;
    assert!(!row.contains("Noter…Absent"), "{row}");
    // A family calls: another pupil of that class is excluded this week, though the roll call
    // has him present. The contradiction lands in her inbox.
    let form = "[data-testid=nouveau-fait]";
    client
        .find(Locator::Css(&format!("{form} select[aria-label='Séance']")))
        .await
        .expect("séance selector")
        .select_by_value(&seance_id)
        .await
        .expect("pick the séance");
    let eleve_select = format!("{form} select[aria-label='Élève'] option[value='{present_id}']");
    client
        .wait()
        .for_element(Locator::Css(&eleve_select))
        .await
        .expect("its pupils");
    client
        .find(Locator::Css(&format!("{form} select[aria-label='Élève']")))
        .await
        .expect("pupil selector")
        .select_by_value(&present_id)
        .await
        .expect("pick the pupil");
    client
        .find(Locator::Css(&format!("{form} select[aria-label='Fait']")))
        .await
        .expect("fact selector")
        .select_by_value("exclusion")
        .await
        .expect("pick exclusion");
    click(&client, &format!("{form} button.principal"), "Noter").await;
    wait_text(&client, "[data-testid=a-verifier]", "Exclusion").await;
    screenshots(&client, "cpe-a-verifier.png").await;
    // She checks: the teacher was right. She keeps the roll call; the inbox empties.
    click(&client, "[data-testid=garder-appel]", "keep the roll call").await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while client
        .find(Locator::Css("[data-testid=a-verifier]"))
        .await
        .is_ok()
    {
        assert!(Instant::now() < deadline, "the inbox never emptied");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    wait_text(&client, "[data-testid=en-attente]", "tout est envoyé").await;
    screenshot(&client, "vie-scolaire-faits.png").await;

    // The teacher comes back: her roll call tells her that her entry did not stand, and who
    // wrote what stands; the history says who, when and on which PC.
    click(&client, "[data-testid=deconnexion]", "logout").await;
    log_in(&client, DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD).await;
    client
        .wait()
        .for_element(Locator::Css(&format!("[data-seance='{seance_id}']")))
        .await
        .expect("her séance")
        .click()
        .await
        .expect("open");
    let avis = wait_text(&client, "[data-testid=avis]", "n'a pas été retenue").await;
    assert!(
        avis.contains(&absent_name) && avis.contains("M. Roux (CPE) a noté Infirmerie"),
        "{avis}"
    );
    let tile = wait_text(
        &client,
        &format!("[data-testid=eleve][data-eleve='{absent_id}']"),
        "Vie scolaire : Infirmerie",
    )
    .await;
    assert!(tile.contains("Absent"), "her own mark stays: {tile}");
    screenshots(&client, "appel-avis.png").await;
    click(
        &client,
        &format!("[data-testid=eleve][data-eleve='{absent_id}'] [data-testid=ouvrir-historique]"),
        "history button",
    )
    .await;
    let history = wait_text(&client, "[data-testid=historique]", "M. Roux (CPE)").await;
    assert!(history.contains("Infirmerie"), "{history}");
    screenshots(&client, "historique.png").await;

    client.close().await.expect("close session");
    drop(driver);
}

/// The focused cell of the grid, as `row-column`.
async fn focused_cell(client: &Client) -> Option<String> {
    let active = client.active_element().await.ok()?;
    active.attr("data-cell").await.ok().flatten()
}

/// Waits until the focus is on cell `cell` (the grid moves it once the value is saved).
async fn wait_focus(client: &Client, cell: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if focused_cell(client).await.as_deref() == Some(cell) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "the focus never reached cell {cell}: {:?}",
        focused_cell(client).await
    );
}

/// Types the open devoir form's title and submits it with Entrée.
async fn submit_devoir(client: &Client, titre: &str) {
    let enter: char = fantoccini::key::Key::Enter.into();
    client
        .find(Locator::Css("[data-testid=devoir-titre]"))
        .await
        .expect("title field")
        .send_keys(&format!("{titre}{enter}"))
        .await
        .expect("type the title and submit");
}

/// Types `keys` into whatever has the focus.
async fn type_keys(client: &Client, keys: &str) {
    let active = client.active_element().await.expect("focused element");
    active.send_keys(keys).await.expect("type");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_column_of_marks_typed_by_keyboard_in_the_real_window() {
    let dir = tempfile::tempdir().expect("tempdir");
    // 6A: 30 pupils on the test day, and the one who moved to 6B in November (listed, no cell).
    let central_db = pupitre_e2e::demo_central_db_with_classes_of(dir.path(), 31);
    let (_central, driver, client, _) = teacher_on(dir.path(), &central_db).await;
    click(&client, "[data-testid=onglet-notes]", "Notes tab").await;
    click(&client, "[data-testid=nouveau-devoir]", "new devoir").await;
    let enter: char = fantoccini::key::Key::Enter.into();
    submit_devoir(&client, "Contrôle de grammaire").await;
    // The new column has the focus, on the first pupil: from here on, the keyboard only.
    wait_focus(&client, "0-0").await;
    let rows = client
        .find_all(Locator::Css("[data-testid=ligne-notes]"))
        .await
        .expect("rows");
    let mut with_cell = Vec::new();
    for (row, tr) in rows.iter().enumerate() {
        let text = tr.text().await.expect("row text");
        if tr.find(Locator::Css("input")).await.is_ok() {
            with_cell.push(row);
        } else {
            assert!(
                text.contains("Passée en 6B"),
                "a row without a cell: {text}"
            );
        }
    }
    assert_eq!((rows.len(), with_cell.len()), (31, 30), "30 cells to fill");
    // Even cells 10, odd ones 15; the 4th absent (no average), the 5th not handed in (0).
    let typed = |k: usize| match k {
        3 => "abs",
        4 => "nr",
        k if k % 2 == 0 => "10",
        _ => "15",
    };
    for (k, row) in with_cell.iter().enumerate() {
        wait_focus(&client, &format!("{row}-0")).await;
        if k == 5 {
            // Above the barème: refused on the spot, with the reason; the focus comes back.
            type_keys(&client, &format!("25{enter}")).await;
            let alert = wait_text(&client, "[data-testid=erreur]", "dépasse le barème").await;
            assert!(alert.contains("25"), "{alert}");
            wait_focus(&client, &format!("{row}-0")).await;
            screenshot(&client, "notes-refus.png").await;
        }
        // Enter steps over the pupil who has no cell.
        type_keys(&client, &format!("{}{enter}", typed(k))).await;
    }
    // The averages, computed by hand: 14 pupils at 15, 14 at 10, one at 0, one without.
    let moyenne = wait_text(&client, "[data-testid=classe-moyenne]", "12,07").await;
    assert_eq!(moyenne, "12,07");
    assert_eq!(
        wait_text(&client, "[data-testid=classe-min]", "0,00").await,
        "0,00"
    );
    assert_eq!(
        wait_text(&client, "[data-testid=classe-max]", "15,00").await,
        "15,00"
    );
    let moyennes = client
        .find_all(Locator::Css("[data-testid=moyenne]"))
        .await
        .expect("averages");
    let mut shown = Vec::new();
    for row in with_cell.iter().take(6) {
        shown.push(moyennes[*row].text().await.expect("text"));
    }
    assert_eq!(shown, ["10,00", "15,00", "10,00", "—", "0,00", "15,00"]);
    screenshots(&client, "notes.png").await;

    // Called away from the classroom PC: Ctrl+L locks; only her password opens it again.
    let ctrl_l = format!("{}l", char::from(fantoccini::key::Key::Control));
    type_keys(&client, &ctrl_l).await;
    wait_text(&client, "[data-testid=verrou]", "Session verrouillée").await;
    screenshots(&client, "verrou.png").await;
    let password = client
        .find(Locator::Css("#mot-de-passe-verrou"))
        .await
        .expect("password field");
    password.send_keys("demo").await.expect("type");
    click(&client, "[data-testid=deverrouiller]", "unlock").await;
    wait_text(&client, "[data-testid=erreur-verrou]", "mot de passe").await;
    password.clear().await.expect("clear");
    password
        .send_keys(DEMO_TEACHER_PASSWORD)
        .await
        .expect("type");
    click(&client, "[data-testid=deverrouiller]", "unlock").await;
    wait_text(&client, "[data-testid=classe-moyenne]", "12,07").await;
    // Her name in the header opens the change of her password.
    click(&client, "[data-testid=moi]", "her name").await;
    wait_text(&client, "[data-testid=mot-de-passe]", "Mot de passe actuel").await;
    screenshots(&client, "mot-de-passe.png").await;
    client.close().await.expect("close session");
    drop(driver);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn competencies_evaluated_and_a_bilan_in_the_real_window() {
    let dir = tempfile::tempdir().expect("tempdir");
    let central_db = demo_central_db(dir.path());
    let (_central, driver, client, _) = teacher_on(dir.path(), &central_db).await;
    let enter: char = fantoccini::key::Key::Enter.into();
    click(&client, "[data-testid=onglet-notes]", "Notes tab").await;
    // The screen is loaded (its buttons have their places) once the gradebook offers a devoir.
    wait_text(&client, "[data-testid=nouveau-devoir]", "Nouveau devoir").await;
    // An item of the socle for the subject.
    click(
        &client,
        "[data-testid=vue-competences]",
        "competencies view",
    )
    .await;
    click(&client, "[data-testid=nouvel-item]", "new item").await;
    let libelle = client
        .find(Locator::Css("[data-testid=item-libelle]"))
        .await
        .expect("item field");
    libelle
        .send_keys(&format!("Rédiger un texte cohérent{enter}"))
        .await
        .expect("type and submit");
    wait_text(&client, ".items", "Rédiger un texte cohérent").await;
    // A devoir that evaluates it.
    click(&client, "[data-testid=vue-notes]", "marks view").await;
    click(&client, "[data-testid=nouveau-devoir]", "new devoir").await;
    click(
        &client,
        ".items-devoir input[type=checkbox]",
        "the item's box",
    )
    .await;
    submit_devoir(&client, "Rédaction").await;
    wait_focus(&client, "0-0").await;
    // Levels by keyboard in the competencies grid, then the positionnement proposed.
    click(
        &client,
        "[data-testid=vue-competences]",
        "competencies view",
    )
    .await;
    click(&client, "[data-cell='c0-0']", "first cell").await;
    for (row, level) in ["2", "3", "abs"].iter().enumerate() {
        wait_focus(&client, &format!("c{row}-0")).await;
        type_keys(&client, &format!("{level}{enter}")).await;
    }
    wait_focus(&client, "c3-0").await;
    type_keys(&client, &format!("5{enter}")).await;
    let alert = wait_text(&client, "[data-testid=erreur]", "ni un niveau").await;
    assert!(alert.contains('5'), "{alert}");
    let proposed = client
        .find(Locator::Css("[data-cell='c1-1']"))
        .await
        .expect("second pupil's positionnement")
        .attr("placeholder")
        .await
        .expect("placeholder");
    assert_eq!(proposed.as_deref(), Some("3 proposé"));
    screenshots(&client, "competences.png").await;
    click(&client, "[data-testid=ouvrir-bilan]", "first pupil's bilan").await;
    let bilan = wait_text(&client, "[data-testid=bilan]", "Maîtrise fragile").await;
    assert!(
        bilan.contains("■■□□") && bilan.contains("Non évaluée"),
        "{bilan}"
    );
    screenshot(&client, "bilan.png").await;
    client.close().await.expect("close session");
    drop(driver);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_absence_justified_from_the_cpe_s_desk_and_the_pupil_s_file_in_the_real_window() {
    let dir = tempfile::tempdir().expect("tempdir");
    let central_db = demo_central_db(dir.path());
    let (_central, driver, client, first) = teacher_on(dir.path(), &central_db).await;
    // The teacher takes the roll by keyboard alone: A on the first pupil, Ctrl+Enter.
    let tile = open_seance(&client, &first).await;
    let absent = tile
        .attr("data-eleve")
        .await
        .expect("attr")
        .expect("pupil id");
    let name = tile
        .find(Locator::Css(".nom strong"))
        .await
        .expect("name")
        .text()
        .await
        .expect("text");
    tile.send_keys("a").await.expect("key A");
    let ctrl_enter = format!(
        "{}{}",
        char::from(fantoccini::key::Key::Control),
        char::from(fantoccini::key::Key::Enter)
    );
    client
        .active_element()
        .await
        .expect("focus")
        .send_keys(&ctrl_enter)
        .await
        .expect("Ctrl+Enter");
    wait_text(&client, "[data-testid=appel-fait]", "Appel validé").await;
    wait_text(
        &client,
        "[data-testid=sync-seance]",
        "Reçu par le service central",
    )
    .await;

    // The CPE, on the same PC: the missed séance is on her desk, to treat.
    wait_text(&client, "[data-testid=en-attente]", "tout est envoyé").await;
    click(&client, "[data-testid=deconnexion]", "logout").await;
    log_in(&client, DEMO_CPE_LOGIN, DEMO_CPE_PASSWORD).await;
    click(&client, "[data-testid=onglet-absences]", "Absences tab").await;
    let row = format!("[data-testid=a-traiter] li[data-eleve='{absent}']");
    wait_text(&client, &row, &name).await;
    // The family wrote: a family reason, by the carnet. She justifies it from the row.
    client
        .find(Locator::Css("[data-testid=motif]"))
        .await
        .expect("motif")
        .select_by_value("FAMILLE")
        .await
        .expect("pick the motif");
    click(
        &client,
        &format!("{row} [data-testid=enregistrer-absence]"),
        "record the absence",
    )
    .await;
    let recorded = wait_text(
        &client,
        &format!(".groupe-eleve[data-eleve='{absent}']"),
        "Justifiée",
    )
    .await;
    assert!(
        recorded.contains("Réunion solennelle de famille"),
        "{recorded}"
    );
    screenshots(&client, "cpe-absences.png").await;
    // Her file: the absence, the month's demi-journées and the family's contact.
    click(
        &client,
        &format!(".groupe-eleve[data-eleve='{absent}'] button.lien"),
        "the pupil's file",
    )
    .await;
    let file = wait_text(&client, "[data-testid=dossier]", "Responsables légaux").await;
    assert!(
        file.contains("Justifiée") && file.contains("@example.org"),
        "{file}"
    );
    screenshot(&client, "dossier-eleve.png").await;

    // The administrator, on the same PC: the school's settings, and no pupil anywhere.
    click(&client, "[data-testid=fermer-dossier]", "close the file").await;
    click(&client, "[data-testid=deconnexion]", "logout").await;
    log_in(&client, DEMO_ADMIN_LOGIN, DEMO_ADMIN_PASSWORD).await;
    wait_text(&client, "[data-testid=reglages]", "Verrouiller une session").await;
    let page = text_of(&client, "main").await;
    assert!(
        !page.contains(&name),
        "the administrator sees no pupil: {page}"
    );
    screenshots(&client, "administrateur.png").await;
    drop(client);
    drop(driver);
}

/// A teacher on two collèges, on her laptop, against one central serving both: the login
/// screen offers the two, she chooses the second, and the app opens on that school's day.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_teacher_of_two_schools_chooses_hers_at_login_in_the_real_window() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = demo_central_db(dir.path());
    let b = pupitre_e2e::demo_school_db(
        &dir.path().join("college-b.sqlite"),
        pupitre_fixtures::DEMO_SEED + 1,
        "Collège Louise-Michel",
    );
    let nom = |db: &std::path::Path| -> String {
        pupitre_central::Db::open(db)
            .expect("db")
            .with(|c| c.query_row("SELECT nom FROM etablissement", [], |r| r.get(0)))
            .expect("name")
    };
    let (nom_a, nom_b) = (nom(&a), nom(&b));
    let b_arg = b.display().to_string();
    let (_central, url) = start_central_with(&a, "127.0.0.1:0", &["--db", &b_arg], &[]);
    let env = app_env(&dir.path().join("portable"), Some(url.as_str()));
    let (_driver, client) = open_app(&binary("pupitre"), &env).await;
    let choix = match client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("[data-testid=etablissement]"))
        .await
    {
        Ok(choix) => choix,
        Err(e) => failed(&client, &format!("no choice of school: {e}")).await,
    };
    let offered = choix.text().await.expect("options");
    assert!(
        offered.contains(&nom_a) && offered.contains(&nom_b),
        "{offered}"
    );
    screenshot(&client, "etablissements.png").await;
    choix.select_by_index(1).await.expect("choose B");
    screenshots(&client, "etablissement-choisi.png").await;
    log_in(&client, DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD).await;
    wait_text(&client, "[data-testid=moi]", &nom_b).await;
    client
        .wait()
        .for_element(Locator::Css("[data-testid=seance]"))
        .await
        .expect("her day in B");
    screenshot(&client, "etablissement-b.png").await;
}

/// The head's import screen: what to choose, the day it takes effect (a person looks at the
/// screenshot; the files come from the system's dialog, which no WebDriver drives, and the
/// import itself is `the_head_imports_a_new_timetable_from_her_pc_and_the_roll_call_taken_stays`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_head_s_import_screen_in_the_real_window() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_central, url) = start_central(&demo_central_db(dir.path()), "127.0.0.1:0");
    let env = app_env(&dir.path().join("direction"), Some(url.as_str()));
    let (_driver, client) = open_app(&binary("pupitre"), &env).await;
    log_in(&client, DEMO_HEAD_LOGIN, DEMO_HEAD_PASSWORD).await;
    // Her screen first (a click before it would land on the login's).
    wait_text(&client, "[data-testid=moi]", "BERNARD").await;
    click(&client, "[data-testid=onglet-import]", "the import tab").await;
    wait_text(
        &client,
        "[data-testid=import-annee]",
        "ElevesSansAdresses.xml",
    )
    .await;
    let date = client
        .find(Locator::Css("[data-testid=date-import]"))
        .await
        .expect("date")
        .prop("value")
        .await
        .expect("value");
    assert_eq!(
        date.as_deref(),
        Some(pupitre_e2e::test_day().to_string().as_str())
    );
    let importer = client
        .find(Locator::Css("[data-testid=importer]"))
        .await
        .expect("button");
    assert!(
        !importer.is_enabled().await.expect("enabled"),
        "nothing chosen yet"
    );
    // Once the first sync is over the window has painted the screen (a screenshot right after
    // the login may show the form still).
    wait_text(&client, "[data-testid=en-attente]", "tout est envoyé").await;
    screenshots(&client, "import-annee.png").await;
}

/// A council of three pupils run by the professeur principal: opened, each pupil's general
/// appreciation typed and the next pupil reached by the keyboard alone, shown projected,
/// closed; then the period's appreciations are visibly locked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_council_of_three_pupils_run_by_keyboard_in_the_real_window() {
    let dir = tempfile::tempdir().expect("tempdir");
    let central_db = pupitre_e2e::demo_central_db_with_classes_of(dir.path(), 3);
    let (_central, driver, client, _) = teacher_on(dir.path(), &central_db).await;
    click(&client, "[data-testid=onglet-conseil]", "Councils tab").await;
    wait_text(&client, "[data-testid=conseil-etat]", "En préparation").await;
    click(&client, "[data-testid=ouvrir-seance]", "open the council").await;
    wait_text(&client, "[data-testid=conseil-etat]", "En séance").await;
    wait_text(&client, "[data-testid=eleve-rang]", "1 / 3").await;
    click(
        &client,
        "[data-testid=decision-appreciation]",
        "the first text",
    )
    .await;
    let page_down: char = fantoccini::key::Key::PageDown.into();
    let page_up: char = fantoccini::key::Key::PageUp.into();
    let textes = [
        "Très bon trimestre, félicitations.",
        "Des progrès réels ; poursuivez l'effort.",
        "Trimestre irrégulier : il faut s'y mettre.",
    ];
    for (i, texte) in textes.iter().enumerate() {
        wait_text(
            &client,
            "[data-testid=eleve-rang]",
            &format!("{} / 3", i + 1),
        )
        .await;
        type_keys(&client, texte).await;
        let compte = text_of(&client, "[data-testid=compte-generale]").await;
        assert_eq!(compte, format!("{} / 1000", texte.chars().count()));
        if i < 2 {
            type_keys(&client, &page_down.to_string()).await;
        }
    }
    // Back one pupil: her text was saved when the secretary moved on.
    type_keys(&client, &page_up.to_string()).await;
    wait_text(&client, "[data-testid=eleve-rang]", "2 / 3").await;
    let saved = client
        .find(Locator::Css("[data-testid=decision-appreciation]"))
        .await
        .expect("text")
        .prop("value")
        .await
        .expect("value");
    assert_eq!(saved.as_deref(), Some(textes[1]));
    click(&client, "[data-testid=projection]", "projector mode").await;
    screenshots(&client, "conseil-projection.png").await;
    click(&client, "[data-testid=projection]", "projector mode off").await;
    click(&client, "[data-testid=clore]", "close the council").await;
    wait_text(&client, "[data-testid=conseil-etat]", "Clos").await;
    wait_text(&client, "[data-testid=appreciation-lue]", textes[1]).await;
    screenshots(&client, "conseil-clos.png").await;
    // The period is locked for her subject's appreciations too, and says so.
    click(
        &client,
        "[data-testid=onglet-appreciations]",
        "Appreciations tab",
    )
    .await;
    wait_text(&client, "[data-testid=appreciation]", "Conseil clos").await;
    client.close().await.expect("close session");
    drop(driver);
}
