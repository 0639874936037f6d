//! Hostile or broken requests at the real central service: each gets a 4xx with a JSON reason,
//! nothing is applied, and the service keeps serving. A table of known attacks, then generated
//! input (property tests) against the push decoder.

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use pupitre_fixtures::{
    DEMO_CPE_LOGIN, DEMO_CPE_PASSWORD, DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD,
};
use pupitre_sync_protocol::version::{HEADER_PROTOCOL, HEADER_SCHEMA};
use pupitre_sync_protocol::wire::{ApiError, PushResponse, PushResult};
use pupitre_sync_protocol::{PROTOCOL_VERSION, SCHEMA_VERSION};
use serde_json::{Value, json};
mod common;
use common::{Central, refused};

fn change(seq: u64, op: &str, seance: &str) -> Value {
    json!({
        "op_id": op, "client_seq": seq,
        "entity": {"kind": "appel", "id": seance}, "field": "etat", "value": "fait",
        "base_version": 0, "hlc": {"wall_ms": 1, "counter": 0}
    })
}

/// A change of any field, as a hostile client would write it.
fn raw(seq: u64, kind: &str, id: &str, field: &str, value: Value) -> Value {
    json!({
        "op_id": uuid(1000 + seq), "client_seq": seq,
        "entity": {"kind": kind, "id": id}, "field": field, "value": value,
        "base_version": 0, "hlc": {"wall_ms": 1, "counter": 0}
    })
}

fn devoir(date: &str, periode: &str, coef: i64, bareme: i64) -> Value {
    json!({"titre": "DS", "date": date, "periode_id": periode, "coefficient_centiemes": coef,
           "bareme_centiemes": bareme, "compte": true})
}

/// Each change's refusal code (a reason must come with it), or "accepted".
fn codes_of(answer: &PushResponse) -> Vec<&str> {
    answer
        .outcomes
        .iter()
        .map(|o| match &o.result {
            PushResult::Refused { code, message } => {
                assert!(!message.is_empty());
                code.as_str()
            }
            PushResult::Accepted { .. } => "accepted",
        })
        .collect()
}

#[tokio::test]
async fn hostile_gradebook_changes_get_reasons_and_change_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let central = Central::start(dir.path()).await;
    let client = "6f9c1a52-0000-4000-8000-000000000003";
    let token = central
        .login(DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD, client)
        .await;
    let snapshot = central.snapshot(&token).await;
    let school = &snapshot.school;
    let service = school
        .services
        .iter()
        .find(|s| s.enseignant_id == snapshot.moi.id)
        .expect("own service");
    let pupil_of = |inside: bool| {
        school
            .eleves
            .iter()
            .find(|e| e.dans(&service.cible) == inside)
            .expect("a pupil")
            .id
            .clone()
    };
    let (inside, outside) = (pupil_of(true), pupil_of(false));
    let sv = &service.id;
    let d = format!("{sv}/ds1");
    let push = |changes: Vec<Value>| {
        central.post("/v1/push", Some(&token)).json(&json!({
            "client_id": client, "log": snapshot.log, "changes": changes,
            "hlc": {"wall_ms": 0, "counter": 0}, "wall_ms": 0
        }))
    };
    // (change, the refusal's code): each refused with a reason, in order; one valid devoir.
    let cases = [
        (
            raw(
                1,
                "note",
                &format!("{d}/{inside}"),
                "valeur",
                json!({"points": 1200}),
            ),
            "devoir_inconnu",
        ),
        (
            raw(
                2,
                "devoir",
                &d,
                "definition",
                devoir("2026-11-23", "T1", 100, 0),
            ),
            "valeur_invalide",
        ),
        (
            raw(
                3,
                "devoir",
                &d,
                "definition",
                devoir("2026-11-23", "T1", -100, 2000),
            ),
            "valeur_invalide",
        ),
        (
            raw(
                4,
                "devoir",
                &d,
                "definition",
                devoir("2027-08-01", "T1", 100, 2000),
            ),
            "valeur_invalide",
        ),
        (
            raw(
                5,
                "devoir",
                &d,
                "definition",
                devoir("2026-11-23", "T9", 100, 2000),
            ),
            "periode_inconnue",
        ),
        (
            raw(6, "devoir", &d, "supprime", json!(false)),
            "valeur_invalide",
        ),
        (
            raw(
                7,
                "devoir",
                &d,
                "definition",
                devoir("2026-11-23", "T1", 100, 2000),
            ),
            "accepted",
        ),
        (
            raw(
                8,
                "note",
                &format!("{d}/{inside}"),
                "valeur",
                json!({"points": 2001}),
            ),
            "valeur_invalide",
        ),
        (
            raw(
                9,
                "note",
                &format!("{d}/{inside}"),
                "valeur",
                json!("absent"),
            ),
            "valeur_invalide",
        ),
        (
            raw(
                10,
                "note",
                &format!("{d}/{outside}"),
                "valeur",
                json!({"points": 1000}),
            ),
            "eleve_inconnu",
        ),
        (
            raw(
                11,
                "evaluation",
                &format!("{d}/it1/{inside}"),
                "niveau",
                json!({"niveau": 3}),
            ),
            "item_inconnu",
        ),
        (
            raw(
                12,
                "positionnement",
                &format!("T1/{sv}/{inside}"),
                "niveau",
                json!(7),
            ),
            "valeur_invalide",
        ),
        (
            raw(
                13,
                "positionnement",
                &format!("T9/{sv}/{inside}"),
                "niveau",
                json!(2),
            ),
            "periode_inconnue",
        ),
        (
            raw(
                14,
                "item",
                &format!("{sv}/it1"),
                "definition",
                json!({"libelle": "", "composante": "CPD_FRA"}),
            ),
            "valeur_invalide",
        ),
        (
            raw(
                15,
                "devoir",
                &d,
                "definition",
                json!({"titre": "DS", "date": "2026-11-23", "periode_id": "T1", "coefficient_centiemes": 100, "bareme_centiemes": 2000, "compte": true, "items": ["it1"]}),
            ),
            "item_inconnu",
        ),
    ];
    let expected: Vec<&str> = cases.iter().map(|(_, code)| *code).collect();
    let answer = outcomes(push(cases.iter().map(|(c, _)| c.clone()).collect())).await;
    assert_eq!(codes_of(&answer), expected);
    assert_eq!(central.log_len(), 1, "only the valid devoir is in the log");
}

#[tokio::test]
async fn hostile_vie_scolaire_changes_get_reasons_and_change_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let central = Central::start(dir.path()).await;
    let client = "6f9c1a52-0000-4000-8000-000000000004";
    let token = central
        .login(DEMO_CPE_LOGIN, DEMO_CPE_PASSWORD, client)
        .await;
    let snapshot = central.snapshot(&token).await;
    let school = &snapshot.school;
    let seance = &school.seances[0];
    let service = school
        .services
        .iter()
        .find(|s| s.id == seance.service_id)
        .expect("the séance's service");
    let e = &school
        .eleves
        .iter()
        .find(|e| e.dans(&service.cible))
        .expect("a pupil")
        .id;
    let day = seance.date.to_string();
    let span = |de: &str, a: &str| json!({"debut": {"date": day, "heure": de}, "fin": {"date": day, "heure": a}, "prevenu": false});
    let justification = |motif: &str, commentaire: Option<&str>| json!({"etat": "justifiee", "motif": motif, "billet": null, "commentaire": commentaire});
    let presence = format!("{}/{e}", seance.id);
    let mut reglages =
        serde_json::to_value(pupitre_domain::absences::Reglages::default()).expect("settings");
    let motifs = reglages["motifs"].as_array_mut().expect("motifs");
    motifs.retain(|m| m["code"] != "FAMILLE");
    let push = |changes: Vec<Value>| {
        central.post("/v1/push", Some(&token)).json(&json!({
            "client_id": client, "log": snapshot.log, "changes": changes,
            "hlc": {"wall_ms": 0, "counter": 0}, "wall_ms": 0
        }))
    };
    let a = format!("{e}/a1");
    // (change, the refusal's code): each refused with a reason, in order; two accepted.
    let cases = [
        (
            raw(
                1,
                "absence",
                &a,
                "justification",
                justification("FAMILLE", None),
            ),
            "absence_inconnue",
        ),
        (
            raw(
                2,
                "absence",
                &a,
                "definition",
                json!({"debut": {"date": "2027-08-01", "heure": "08:00"},
                       "fin": {"date": "2027-08-01", "heure": "12:00"}, "prevenu": false}),
            ),
            "hors_annee",
        ),
        (
            raw(3, "absence", &a, "definition", span("12:00", "08:00")),
            "valeur_invalide",
        ),
        (
            raw(4, "absence", &a, "definition", span("08:00", "12:00")),
            "accepted",
        ),
        (
            raw(
                5,
                "absence",
                &format!("{e}/a2"),
                "definition",
                span("11:00", "13:00"),
            ),
            "chevauchement",
        ),
        (
            raw(
                6,
                "absence",
                &a,
                "justification",
                justification("INVENTE", None),
            ),
            "motif_inconnu",
        ),
        (
            raw(
                7,
                "absence",
                &a,
                "justification",
                justification("MALADIE", Some("angine")),
            ),
            "motif_inconnu",
        ),
        (
            raw(
                8,
                "absence",
                &a,
                "justification",
                justification("FAMILLE", None),
            ),
            "accepted",
        ),
        (
            raw(9, "reglages", "vie_scolaire", "valeur", reglages.clone()),
            "motif_inconnu",
        ),
        (
            raw(
                10,
                "presence",
                &presence,
                "justification",
                justification("TRANSPORT", None),
            ),
            "sans_objet",
        ),
        (
            raw(11, "presence", &presence, "rapport", json!("Bavardages.")),
            "sans_objet",
        ),
        (
            raw(
                12,
                "dispense",
                &format!("{e}/d1"),
                "definition",
                json!({"du": day, "au": day, "matiere": "999999", "presence_obligatoire": false}),
            ),
            "valeur_invalide",
        ),
        (
            raw(
                13,
                "absence",
                "E-INCONNU/a1",
                "definition",
                span("08:00", "09:00"),
            ),
            "eleve_inconnu",
        ),
        (
            raw(14, "absence", &format!("{e}/a9"), "supprime", json!(true)),
            "absence_inconnue",
        ),
        (
            raw(15, "reglages", "autre", "valeur", reglages),
            "valeur_invalide",
        ),
        // What became of a notification is the central's own record: nobody writes it.
        (
            raw(
                16,
                "notification",
                &format!("{e}/20261123"),
                "envoi",
                json!({"etat": "envoyee", "tentatives": 1, "erreur": null, "message_id": "<x>"}),
            ),
            "hors_perimetre",
        ),
        (
            raw(
                17,
                "notification",
                &format!("{e}/2026-11-23"),
                "message",
                json!(null),
            ),
            "valeur_invalide",
        ),
        (
            raw(
                18,
                "notification",
                &format!("{e}/20261123"),
                "message",
                json!({"date": day, "destinataires": ["pas une adresse"], "objet": "Absence", "corps": "…"}),
            ),
            "valeur_invalide",
        ),
    ];
    let expected: Vec<&str> = cases.iter().map(|(_, code)| *code).collect();
    let answer = outcomes(push(cases.iter().map(|(c, _)| c.clone()).collect())).await;
    assert_eq!(codes_of(&answer), expected);
    assert_eq!(
        central.log_len(),
        2,
        "only the valid absence and its justification"
    );

    // A teacher writes no absence.
    let teacher_client = "6f9c1a52-0000-4000-8000-000000000005";
    let teacher = central
        .login(DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD, teacher_client)
        .await;
    let answer = outcomes(central.post("/v1/push", Some(&teacher)).json(&json!({
        "client_id": teacher_client, "log": snapshot.log,
        "changes": [raw(1, "absence", &format!("{e}/a5"), "definition", span("14:00", "15:00"))],
        "hlc": {"wall_ms": 0, "counter": 0}, "wall_ms": 0
    })))
    .await;
    assert!(matches!(
        &answer.outcomes[0].result,
        PushResult::Refused { code, .. } if code.as_str() == "hors_perimetre"
    ));
    assert_eq!(central.log_len(), 2);
}

#[tokio::test]
async fn hostile_requests_get_reasons_and_change_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let central = Central::start(dir.path()).await;
    let client = "6f9c1a52-0000-4000-8000-000000000001";
    let token = central
        .login(DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD, client)
        .await;
    let (seance, log) = central.own_seance(&token).await;
    let t = Some(token.as_str());

    // Malformed JSON, wrong types, unknown fields and kinds.
    let bodies = [
        "{".to_owned(),
        "null".to_owned(),
        json!({"client_id": client, "changes": "x", "hlc": {"wall_ms": 0, "counter": 0}}).to_string(),
        json!({"client_id": client, "changes": [], "hlc": {"wall_ms": -1, "counter": 0}}).to_string(),
        json!({"client_id": client, "changes": [change(1, "not-a-uuid", &seance)], "hlc": {"wall_ms": 0, "counter": 0}}).to_string(),
        json!({"client_id": client, "changes": [{"kind": "note"}], "hlc": {"wall_ms": 0, "counter": 0}}).to_string(),
        json!({"client_id": client, "changes": [], "hlc": {"wall_ms": 0, "counter": 0}, "admin": true}).to_string(),
    ];
    for body in bodies {
        let request = central
            .post("/v1/push", t)
            .header("content-type", "application/json")
            .body(body.clone());
        assert_eq!(refused(request, 400).await, "requete_invalide", "{body}");
    }

    // A huge body is cut off before it is read; too many changes are refused.
    let huge = format!("{{\"pad\":\"{}\"}}", "x".repeat(2 * 1024 * 1024));
    assert_eq!(
        refused(central.post("/v1/push", t).body(huge), 413).await,
        "requete_invalide"
    );
    // An unknown address, a wrong method, a body that is not JSON: our French error too.
    let unknown = central.http.get(format!("{}/v1/inconnu", central.url));
    assert_eq!(refused(unknown, 404).await, "requete_invalide");
    let wrong_method = central
        .http
        .get(format!("{}/v1/push", central.url))
        .header(HEADER_PROTOCOL, PROTOCOL_VERSION.to_string())
        .header(HEADER_SCHEMA, SCHEMA_VERSION.to_string());
    assert_eq!(refused(wrong_method, 405).await, "requete_invalide");
    let not_json = central
        .post("/v1/push", t)
        .header("content-type", "text/plain")
        .body("{}");
    assert_eq!(refused(not_json, 400).await, "requete_invalide");
    let many: Vec<Value> = (1..=501).map(|i| change(i, &uuid(i), &seance)).collect();
    let body = json!({"client_id": client, "log": log, "changes": many, "hlc": {"wall_ms": 0, "counter": 0}, "wall_ms": 0});
    assert_eq!(
        refused(central.post("/v1/push", t).json(&body), 413).await,
        "trop_de_modifications"
    );

    // Missing or stale versions, missing or forged token, another replica's id.
    let no_versions = central
        .http
        .post(format!("{}/v1/pull", central.url))
        .bearer_auth(&token)
        .json(&json!({"cursor": 0, "limit": 10}));
    assert_eq!(refused(no_versions, 400).await, "requete_invalide");
    let old = central
        .http
        .post(format!("{}/v1/pull", central.url))
        .header(HEADER_PROTOCOL, (PROTOCOL_VERSION - 1).to_string())
        .header(HEADER_SCHEMA, SCHEMA_VERSION.to_string())
        .bearer_auth(&token)
        .json(&json!({"cursor": 0, "limit": 10}));
    assert_eq!(refused(old, 426).await, "mise_a_jour_necessaire");
    assert_eq!(
        refused(
            central
                .post("/v1/pull", None)
                .json(&json!({"cursor": 0, "limit": 10})),
            401
        )
        .await,
        "session"
    );
    assert_eq!(
        refused(
            central
                .post("/v1/pull", Some("forged"))
                .json(&json!({"cursor": 0, "limit": 10})),
            401
        )
        .await,
        "session"
    );
    let cpe_token = central
        .login(
            DEMO_CPE_LOGIN,
            DEMO_CPE_PASSWORD,
            "6f9c1a52-0000-4000-8000-000000000002",
        )
        .await;
    let body = json!({"client_id": client, "log": log, "changes": [change(1, &uuid(1), &seance)], "hlc": {"wall_ms": 0, "counter": 0}, "wall_ms": 0});
    assert_eq!(
        refused(central.post("/v1/push", Some(&cpe_token)).json(&body), 403).await,
        "poste"
    );
    // A replica id already registered to someone else cannot be taken over at login.
    let takeover =
        json!({"login": DEMO_CPE_LOGIN, "password": DEMO_CPE_PASSWORD, "client_id": client});
    assert_eq!(
        refused(central.post("/v1/login", None).json(&takeover), 409).await,
        "poste"
    );
    assert_eq!(central.log_len(), 0);

    // Sequences from the future are refused (and resent later); a reused sequence with another
    // op id is refused; values outside the domain are refused with a reason.
    let push = |changes: Vec<Value>| {
        central.post("/v1/push", t).json(
            &json!({"client_id": client, "log": log, "changes": changes, "hlc": {"wall_ms": 0, "counter": 0}, "wall_ms": 0}),
        )
    };
    let answer = outcomes(push(vec![change(5, &uuid(5), &seance)])).await;
    assert!(
        matches!(&answer.outcomes[0].result, PushResult::Refused { code, .. } if code.as_str() == "sequence_manquante")
    );
    let answer = outcomes(push(vec![change(1, &uuid(1), &seance)])).await;
    assert!(matches!(
        answer.outcomes[0].result,
        PushResult::Accepted { server_seq: 1, .. }
    ));
    let answer = outcomes(push(vec![change(1, &uuid(99), &seance)])).await;
    assert!(
        matches!(&answer.outcomes[0].result, PushResult::Refused { code, .. } if code.as_str() == "sequence_reutilisee")
    );
    let mut bad_value = change(2, &uuid(2), &seance);
    bad_value["value"] = json!("terminé");
    let mut bad_id = change(3, &uuid(3), "../../etc");
    bad_id["entity"]["kind"] = json!("presence");
    bad_id["field"] = json!("statut");
    bad_id["value"] = json!({"statut": "absent"});
    let answer = outcomes(push(vec![bad_value, bad_id])).await;
    for outcome in &answer.outcomes {
        assert!(
            matches!(&outcome.result, PushResult::Refused { code, .. } if code.as_str() == "valeur_invalide"),
            "{outcome:?}"
        );
    }
    assert_eq!(central.log_len(), 1);

    // Causal metadata naming what the central never issued: a version far above the head, a
    // later edit of this PC as its own base, an acknowledgement before a restore that never
    // was, a timestamp beyond what a clock can say. Each is refused with a reason, nothing is
    // applied, and the PC's next change still goes through.
    let mut far_base = change(4, &uuid(4), &seance);
    far_base["base_version"] = json!(i64::MAX);
    let mut own_future = change(5, &uuid(5), &seance);
    own_future["base_own"] = json!(5);
    let mut never_acked = change(6, &uuid(6), &seance);
    never_acked["acked_as"] = json!(1);
    let mut far_clock = change(7, &uuid(7), &seance);
    far_clock["hlc"] = json!({"wall_ms": u64::MAX, "counter": 0});
    let fine = change(8, &uuid(8), &seance);
    let answer = outcomes(push(vec![
        far_base,
        own_future,
        never_acked,
        far_clock,
        fine,
    ]))
    .await;
    let codes: Vec<&str> = answer
        .outcomes
        .iter()
        .map(|o| match &o.result {
            PushResult::Refused { code, .. } => code.as_str(),
            PushResult::Accepted { .. } => "accepted",
        })
        .collect();
    assert_eq!(
        codes,
        [
            "version_inconnue",
            "causalite_invalide",
            "version_inconnue",
            "horodatage_invalide",
            "accepted"
        ]
    );
    assert_eq!(central.log_len(), 2);

    // A log epoch that does not exist, another log, a cursor above the head.
    let mut future_epoch = log.clone();
    future_epoch["epoch"] = json!(99);
    let body = |log: &Value| json!({"client_id": client, "log": log, "changes": [change(9, &uuid(9), &seance)], "hlc": {"wall_ms": 0, "counter": 0}, "wall_ms": 0});
    assert_eq!(
        refused(central.post("/v1/push", t).json(&body(&future_epoch)), 400).await,
        "epoque_inconnue"
    );
    let mut other_log = log.clone();
    other_log["log_id"] = json!("ailleurs");
    assert_eq!(
        refused(central.post("/v1/push", t).json(&body(&other_log)), 409).await,
        "journal_change"
    );
    let pull = |cursor: u64, log: &Value| {
        central
            .post("/v1/pull", t)
            .json(&json!({"cursor": cursor, "log": log, "limit": 10}))
    };
    assert_eq!(refused(pull(u64::MAX, &log), 400).await, "requete_invalide");
    assert_eq!(
        refused(pull(0, &future_epoch), 400).await,
        "requete_invalide"
    );
    assert_eq!(central.log_len(), 2);

    // Still serving.
    let health = central
        .http
        .get(format!("{}/health", central.url))
        .send()
        .await
        .expect("send");
    assert!(health.status().is_success());
}

async fn outcomes(request: reqwest::RequestBuilder) -> PushResponse {
    request
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("a push answer")
}

fn uuid(n: u64) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

/// Any JSON value, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("JSON numbers are finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,40}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            proptest::collection::btree_map("[a-z_]{1,12}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// The places of a push body a mutation replaces ("" is the whole body).
const PLACES: [&str; 22] = [
    "",
    "/client_id",
    "/log",
    "/log/epoch",
    "/changes/0/base_own",
    "/changes/0/acked_as",
    "/changes",
    "/changes/0",
    "/changes/0/op_id",
    "/changes/0/client_seq",
    "/changes/0/entity",
    "/changes/0/entity/kind",
    "/changes/0/entity/id",
    "/changes/0/field",
    "/changes/0/value",
    "/changes/0/base_version",
    "/changes/0/hlc",
    "/changes/0/hlc/wall_ms",
    "/changes/0/resolves",
    "/changes/0/hlc/counter",
    "/hlc",
    "/wall_ms",
];

/// Replaces (or adds) the value at `place` in `body`.
fn mutate(body: &mut Value, place: &str, value: Value) {
    let Some((parent, key)) = place.rsplit_once('/') else {
        *body = value;
        return;
    };
    match body.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.insert(key.to_owned(), value);
        }
        Some(Value::Array(items)) => {
            if let Some(slot) = key.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                *slot = value;
            }
        }
        _ => {}
    }
}

/// The push decoder against generated input: a valid push with one place replaced by any JSON
/// value, and arbitrary bytes. Every answer is a success or a 4xx with a French `{code,
/// message}` body, never a 5xx or a dropped connection; the service keeps serving.
#[test]
fn the_push_decoder_survives_generated_input() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let (central, token, seance, log) = runtime.block_on(async {
        let central = Central::start(dir.path()).await;
        let client = "6f9c1a52-0000-4000-8000-0000000000f1";
        let token = central
            .login(DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD, client)
            .await;
        let (seance, log) = central.own_seance(&token).await;
        (central, token, seance, log)
    });
    let send = |body: Vec<u8>| {
        runtime.block_on(async {
            let response = central
                .post("/v1/push", Some(&token))
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .expect("an answer, not a dropped connection");
            let status = response.status().as_u16();
            let text = response.text().await.expect("body");
            (status, text)
        })
    };
    let check = |status: u16, text: &str| -> Result<(), TestCaseError> {
        prop_assert!(status < 500, "{status}: {text}");
        if status >= 400 {
            let error: ApiError = serde_json::from_str(text)
                .map_err(|e| TestCaseError::fail(format!("{status} without a reason: {e}")))?;
            prop_assert!(!error.message.is_empty());
        }
        Ok(())
    };
    let config = ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(place in proptest::sample::select(&PLACES[..]), value in json_value())| {
        let mut body = json!({
            "client_id": "6f9c1a52-0000-4000-8000-0000000000f1",
            "log": log,
            "changes": [change(1, &uuid(1), &seance)],
            "hlc": {"wall_ms": 0, "counter": 0},
            "wall_ms": 0,
        });
        mutate(&mut body, place, value);
        let (status, text) = send(body.to_string().into_bytes());
        check(status, &text)?;
    });
    proptest!(config, |(bytes in proptest::collection::vec(any::<u8>(), 0..300))| {
        let (status, text) = send(bytes);
        check(status, &text)?;
    });
    let health = runtime.block_on(async {
        central
            .http
            .get(format!("{}/health", central.url))
            .send()
            .await
            .expect("send")
            .status()
    });
    assert!(health.is_success());
}
