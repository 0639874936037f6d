//! The year's import sent from the app by the direction, at the real central: the same files
//! as the command, a January re-import larger than any other request, refused to a teacher,
//! a bad file or an archive refused whole with a French reason, and audited.

mod common;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::NaiveDate;
use common::refused;
use pupitre_central::Db;
use pupitre_central::db::{accounts, audit};
use pupitre_domain::School;
use pupitre_sync_protocol::version::{HEADER_PROTOCOL, HEADER_SCHEMA};
use pupitre_sync_protocol::{PROTOCOL_VERSION, SCHEMA_VERSION};
use serde_json::{Value, json};
use std::path::Path;

const PASSWORD: &str = "une phrase de passe solide";

fn fichier(nom: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fichiers")
        .join(nom);
    std::fs::read(&path).expect("test file")
}

fn envoi(fichiers: &[(&str, Vec<u8>)], date: &str) -> Value {
    let fichiers: Vec<Value> = fichiers
        .iter()
        .map(|(nom, octets)| json!({"nom": nom, "contenu": BASE64.encode(octets)}))
        .collect();
    json!({"fichiers": fichiers, "date": date})
}

fn school(db: &Path) -> School {
    Db::open(db)
        .expect("db")
        .with(|c| pupitre_school_db::read_school(c))
        .expect("school")
}

#[tokio::test]
async fn the_direction_imports_the_year_from_the_app_and_a_teacher_cannot() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("central.sqlite");
    let db = Db::open(&path).expect("db");
    let rentree: Vec<(String, Vec<u8>)> = [
        "sts_emp_0670099U_2026.xml",
        "Nomenclature.xml",
        "ElevesSansAdresses.xml",
        "ResponsablesAvecAdresses.xml",
    ]
    .iter()
    .map(|n| (n.to_string(), fichier(n)))
    .collect();
    let day = NaiveDate::from_ymd_opt(2026, 9, 1).expect("date");
    pupitre_central::import::importer(&db, &rentree, None, day).expect("rentrée");
    let hash = pupitre_central::auth::hash_password(PASSWORD).expect("hash");
    db.with(|c| {
        accounts::insert_compte(c, "m.schoelcher", "105", &hash)?;
        accounts::insert_compte(c, "c.oettinger", "101", &hash)
    })
    .expect("accounts");
    let central = common::Central::serving(path.clone()).await;
    let post = |token: &str, body: &Value| {
        central
            .http
            .post(format!("{}/v1/import", central.url))
            .header(HEADER_PROTOCOL, PROTOCOL_VERSION.to_string())
            .header(HEADER_SCHEMA, SCHEMA_VERSION.to_string())
            .bearer_auth(token)
            .json(body)
    };
    // January's files; the pupils' file made larger than any sync request may be (a lycée's).
    let mut eleves = fichier("ElevesSansAdresses_janvier.xml");
    let declaration = eleves
        .iter()
        .position(|b| *b == b'\n')
        .expect("declaration")
        + 1;
    let padding = format!("<!-- {} -->\n", "x".repeat(2 * 1024 * 1024));
    eleves.splice(declaration..declaration, padding.into_bytes());
    let janvier = envoi(
        &[
            (
                "sts_emp_0670099U_2026_janvier.xml",
                fichier("sts_emp_0670099U_2026_janvier.xml"),
            ),
            ("ElevesSansAdresses_janvier.xml", eleves),
        ],
        "2027-01-05",
    );
    let avant = school(&path);

    let teacher = central
        .login("c.oettinger", PASSWORD, &uuid::Uuid::new_v4().to_string())
        .await;
    assert_eq!(
        refused(post(&teacher, &janvier), 403).await,
        "requete_invalide"
    );
    assert_eq!(school(&path), avant, "a teacher imports nothing");

    let head = central
        .login("m.schoelcher", PASSWORD, &uuid::Uuid::new_v4().to_string())
        .await;
    // A truncated file, or a school's archive: refused whole, the school unchanged.
    let tronque = fichier("ElevesSansAdresses_janvier.xml")[..400].to_vec();
    let cases = [
        (
            envoi(&[("ElevesSansAdresses_janvier.xml", tronque)], "2027-01-05"),
            "ElevesSansAdresses_janvier.xml",
        ),
        (
            envoi(
                &[("ecole.zip", b"PK\x03\x04 an archive".to_vec())],
                "2027-01-05",
            ),
            "archive d'un établissement",
        ),
        (envoi(&[], "2027-01-05"), "Aucun fichier"),
        (
            envoi(
                &[("Nomenclature.xml", fichier("Nomenclature.xml"))],
                "5 janvier",
            ),
            "AAAA-MM-JJ",
        ),
    ];
    for (body, says) in cases {
        let response = post(&head, &body).send().await.expect("send");
        assert_eq!(response.status().as_u16(), 422, "{says}");
        let error: Value = response.json().await.expect("error");
        assert_eq!(error["code"], "import_refuse");
        let message = error["message"].as_str().expect("message");
        assert!(message.contains(says), "{message}");
        assert_eq!(school(&path), avant, "{says}: nothing imported");
    }

    let response = post(&head, &janvier).send().await.expect("send");
    assert_eq!(response.status().as_u16(), 200);
    let answer: Value = response.json().await.expect("report");
    let rapport = answer["rapport"].as_str().expect("report");
    assert!(rapport.contains("Postes prévenus"), "{rapport}");
    let apres = school(&path);
    // Léa moved to 6B on 5 January, as the command would have done.
    let lea = apres.eleves.iter().find(|e| e.id == "5002").expect("Léa");
    assert_eq!(lea.division_id, "D6B");
    let audited = db.with(|c| audit::read_since(c, 0)).expect("audit");
    assert!(
        audited.iter().any(|l| l.quoi == "annee_importee"
            && l.personnel_id.as_deref() == Some("105")
            && l.detail.contains("ElevesSansAdresses_janvier.xml")),
        "{audited:?}"
    );
}
