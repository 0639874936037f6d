//! Helpers shared by the end-to-end tests: a demo central on a loopback port, started and
//! stopped for real; `window`, the real app driven in its window.

pub mod window;

use chrono::NaiveDate;
use pupitre_central::{Db, demo};
use pupitre_domain::{Cible, School};
use pupitre_replica::views::{LigneAppreciation, PeriodeView};
use pupitre_replica::{ReplicaError, Session};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The Monday the tests take their roll calls on.
pub fn test_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).expect("valid date")
}

/// Creates a central database with the demo school for the year of `test_day()`.
pub fn demo_central_db(dir: &Path) -> PathBuf {
    let path = dir.join("central.sqlite");
    let db = Db::open(&path).expect("open central db");
    demo::import(
        &db,
        &pupitre_fixtures::generate(pupitre_fixtures::DEMO_SEED),
        test_day(),
    )
    .expect("import demo school");
    path
}

/// Creates the database `path` with the demo school of `seed` named `nom` (another seed,
/// another school: its own UAI and pupils, the same staff logins).
pub fn demo_school_db(path: &Path, seed: u64, nom: &str) -> PathBuf {
    let db = Db::open(path).expect("open central db");
    let mut school = pupitre_fixtures::generate(seed);
    school.reference.etablissement.nom = nom.to_owned();
    demo::import(&db, &school, test_day()).expect("import demo school");
    path.to_owned()
}

/// A central database of the demo school whose classes the demo teacher (10001) teaches hold
/// `size` pupils (the demo's hold 25; a French collège class often 30; a council run in a
/// test may want 3).
pub fn demo_central_db_with_classes_of(dir: &Path, size: usize) -> PathBuf {
    let mut demo_school = pupitre_fixtures::generate(pupitre_fixtures::DEMO_SEED);
    let school = &mut demo_school.reference;
    let taught: Vec<String> = school
        .services
        .iter()
        .filter(|s| s.enseignant_id == "10001")
        .filter_map(|s| match &s.cible {
            Cible::Division(d) => Some(d.clone()),
            Cible::Groupe(_) | Cible::Etablissement | Cible::VieScolaire => None,
        })
        .collect();
    for division in taught {
        let of: Vec<_> = school
            .eleves
            .iter()
            .filter(|e| e.division_id == division)
            .cloned()
            .collect();
        let surplus: Vec<String> = of.iter().skip(size).map(|e| e.id.clone()).collect();
        school.eleves.retain(|e| !surplus.contains(&e.id));
        school
            .etats_civils
            .retain(|c| !surplus.contains(&c.eleve_id));
        school
            .responsables
            .retain(|r| !surplus.contains(&r.eleve_id));
        for n in of.len()..size {
            let mut e = of[n % of.len()].clone();
            let mut etat_civil = (school.etats_civils.iter())
                .find(|c| c.eleve_id == e.id)
                .cloned()
                .expect("every demo pupil has her état civil");
            e.id = format!("{}{n:02}", e.id);
            etat_civil.eleve_id = e.id.clone();
            etat_civil.ine = format!("{}{n:02}", &etat_civil.ine[..9]);
            school.etats_civils.push(etat_civil);
            e.prenom = format!("{} {}", e.prenom, ["bis", "ter"][n % 2]);
            school.eleves.push(e);
        }
    }
    let path = dir.join("central.sqlite");
    let db = Db::open(&path).expect("open central db");
    demo::import(&db, &demo_school, test_day()).expect("import demo school");
    path
}

/// Compacts the central's whole log, as its hourly task does once the retention has passed.
pub fn compact_everything(db: &Path) -> pupitre_central::db::compaction::Compacted {
    use pupitre_central::db::{compaction, log};
    Db::open(db)
        .expect("central db")
        .with(|c| {
            let head = log::head(c)?;
            compaction::compact(c, head)
        })
        .expect("compaction")
}

/// The demo school with the timetable of `test_day()` only.
pub fn test_day_school() -> School {
    let demo_school = pupitre_fixtures::generate(pupitre_fixtures::DEMO_SEED);
    let mut school = demo_school.school(test_day());
    school.seances.retain(|s| s.date == test_day());
    school
}

/// A central database of the demo school reduced to `test_day()`, imported once per test binary;
/// each run copies the file. Returns its path and the school.
pub fn test_day_template() -> (&'static Path, &'static School) {
    static TEMPLATE: std::sync::OnceLock<(tempfile::TempDir, PathBuf, School)> =
        std::sync::OnceLock::new();
    let (_, path, school) = TEMPLATE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let school = test_day_school();
        let path = dir.path().join("template.sqlite");
        demo::import_school(&Db::open(&path).expect("db"), &school, &[]).expect("import");
        (dir, path, school)
    });
    (path, school)
}

/// A member of staff of `school` by id.
pub fn personnel(school: &School, id: &str) -> pupitre_domain::Personnel {
    school
        .personnels
        .iter()
        .find(|p| p.id == id)
        .expect("personnel")
        .clone()
}

/// A colleague of the demo teacher (10001) and a service of theirs that can be given to her: one
/// with séances on the test day, in a class neither teaches otherwise and the colleague is not
/// the professeur principal of (so the colleague loses the class and she gains it).
pub fn class_to_move(school: &School) -> (String, String) {
    let teaches = |teacher: &str, cible: &Cible| {
        school
            .services
            .iter()
            .filter(|s| s.enseignant_id == teacher && &s.cible == cible)
            .count()
    };
    school
        .services
        .iter()
        .find(|s| {
            s.enseignant_id != "10001"
                && teaches("10001", &s.cible) == 0
                && teaches(&s.enseignant_id, &s.cible) == 1
                // Nor is its professeur principal (she would keep following it).
                && !school.divisions.iter().any(|d| {
                    s.cible == Cible::Division(d.id.clone())
                        && d.professeur_principal_id.as_ref() == Some(&s.enseignant_id)
                })
                && school.seances.iter().any(|se| se.service_id == s.id)
        })
        .map(|s| (s.enseignant_id.clone(), s.id.clone()))
        .expect("a class to move in the demo school")
}

/// A temporary directory holding a demo central database, and the central serving it on a free
/// loopback port.
pub async fn demo_central() -> (tempfile::TempDir, PathBuf, RunningCentral) {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = demo_central_db(dir.path());
    let central = RunningCentral::start(&db, "127.0.0.1:0".parse().expect("addr")).await;
    (dir, db, central)
}

/// The central service running in this process on a real loopback socket.
pub struct RunningCentral {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl RunningCentral {
    /// Starts on `addr` (port 0: any free port).
    pub async fn start(db: &Path, addr: SocketAddr) -> RunningCentral {
        RunningCentral::try_start(db, addr)
            .await
            .expect("central serves")
    }

    /// Starts on `addr`, or says why the central refuses this database.
    pub async fn try_start(db: &Path, addr: SocketAddr) -> Result<RunningCentral, String> {
        RunningCentral::try_start_ecoles(&[db.to_owned()], addr).await
    }

    /// Starts on `addr` serving one school per database of `dbs`, the first answering the PCs
    /// that name none.
    pub async fn try_start_ecoles(
        dbs: &[PathBuf],
        addr: SocketAddr,
    ) -> Result<RunningCentral, String> {
        // What `serve` checks first: a database older than what was served before is refused.
        for db in dbs {
            pupitre_central::open_epoch(
                &pupitre_central::Db::open(db).map_err(|e| e.to_string())?,
                db,
                false,
            )
            .map_err(|e| e.to_string())?;
        }
        let listener = tokio::net::TcpListener::bind(addr).await.expect("bind");
        let addr = listener.local_addr().expect("local addr");
        let (stop, stopped) = oneshot::channel::<()>();
        let dbs = dbs.to_owned();
        let task = tokio::spawn(async move {
            pupitre_central::serve_ecoles(listener, &dbs, None, false, None, async {
                let _ = stopped.await;
            })
            .await
            .expect("central serves");
        });
        Ok(RunningCentral {
            addr,
            stop: Some(stop),
            task: Some(task),
        })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops the service and waits until its socket is closed.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("central task");
        }
    }
}

/// Logs in through the real session (online, or offline when the central is down) and checks
/// that the bootstrap reported its last step.
pub async fn login(
    data: &Path,
    url: &str,
    login: &str,
    password: &str,
) -> Result<Arc<Session>, ReplicaError> {
    let mut steps = Vec::new();
    let session = Session::login(data, url, login, password, &mut |p| steps.push(p.etape)).await;
    if session.is_ok() {
        assert_eq!(
            steps.last().map(|s| s.starts_with("Prêt")),
            Some(true),
            "{steps:?}"
        );
    }
    session
}

/// `login` logged in on PC `name` (its data directory under `dir`), online.
pub async fn on_pc(
    dir: &Path,
    url: &str,
    name: &str,
    login_: &str,
    password: &str,
) -> Arc<Session> {
    login(&dir.join(name), url, login_, password)
        .await
        .unwrap_or_else(|e| panic!("{login_} logs in on {name}: {e}"))
}

/// The demo teacher logged in on PC `name`.
pub async fn teacher_pc(dir: &Path, url: &str, name: &str) -> Arc<Session> {
    use pupitre_fixtures::{DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD};
    on_pc(dir, url, name, DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD).await
}

/// The head logged in on her PC.
pub async fn head_pc(dir: &Path, url: &str) -> Arc<Session> {
    use pupitre_fixtures::{DEMO_HEAD_LOGIN, DEMO_HEAD_PASSWORD};
    on_pc(dir, url, "direction", DEMO_HEAD_LOGIN, DEMO_HEAD_PASSWORD).await
}

/// A pupil's appreciation row in a service on one PC.
pub fn ligne_of(session: &Session, service: &str, periode: &str, eleve: &str) -> LigneAppreciation {
    session
        .appreciations(service, periode)
        .expect("pupils")
        .into_iter()
        .find(|l| l.eleve_id == eleve)
        .expect("pupil")
}

/// The school gives `service` to `teacher`, at the central (as an import would).
pub fn give_service(central: &Db, service: &str, teacher: &str) {
    central
        .with(|c| {
            c.execute(
                "UPDATE services SET enseignant_id = ?2 WHERE id = ?1",
                [service, teacher],
            )
        })
        .expect("give the service");
}

/// The school hands the professeur principal role of the division of `seance`'s class from
/// `from` to `to`, at the central (as a re-import would, with the class's services).
pub fn hand_principal_of(conn: &rusqlite::Connection, seance: &str, from: &str, to: &str) {
    conn.execute(
        "UPDATE divisions SET professeur_principal_id = ?3
         WHERE professeur_principal_id = ?2 AND 'division:' || id =
             (SELECT sv.cible_key FROM seances se JOIN services sv ON sv.id = se.service_id
              WHERE se.id = ?1)",
        [seance, from, to],
    )
    .expect("hand the PP role");
}

/// The period of `test_day()` as a PC lists it.
/// The one conflict a PC lists (there must be exactly one).
pub fn one_conflict(session: &Session) -> pupitre_replica::views::ConflitView {
    let mut conflits = session.modifications().expect("lists").conflits;
    assert_eq!(conflits.len(), 1, "{conflits:?}");
    conflits.remove(0)
}

/// The values a conflict keeps, the one in force first.
pub fn versions_of(conflit: &pupitre_replica::views::ConflitView) -> Vec<&str> {
    conflit.versions.iter().map(|v| v.valeur.as_str()).collect()
}

/// A PC's first service and the test day's period: where the gradebook tests write.
pub fn first_service_and_period(session: &Session) -> (String, String) {
    let service = session.services().expect("services")[0].id.clone();
    (service, periode_of_test_day(session).id)
}

pub fn periode_of_test_day(session: &Session) -> PeriodeView {
    let day = test_day().to_string();
    session
        .periodes()
        .expect("periods")
        .into_iter()
        .find(|p| p.debut <= day && day <= p.fin)
        .expect("the test day's period")
}

/// A PC whose clock is off by `skew_ms`, built from the real parts beneath the session: its
/// replica file, the HTTP client and the sync round (the session reads the system clock, which
/// a test cannot set back a year).
pub struct SkewedPc {
    pub store: pupitre_replica::sync::SharedStore,
    pub who: pupitre_domain::Personnel,
    api: pupitre_replica::client::CentralClient,
    token: String,
    client: pupitre_sync_protocol::ClientId,
    skew_ms: i64,
    _dir: tempfile::TempDir,
}

impl SkewedPc {
    pub async fn login(url: &str, login: &str, password: &str, skew_ms: i64) -> SkewedPc {
        use pupitre_sync_protocol::wire::LoginRequest;
        let dir = tempfile::tempdir().expect("tempdir");
        let api = pupitre_replica::client::CentralClient::new(url).expect("client");
        let client = pupitre_sync_protocol::ClientId(uuid::Uuid::new_v4());
        let answer = api
            .login(&LoginRequest {
                login: login.into(),
                password: password.into(),
                client_id: client.clone(),
                cle_envoi: None,
            })
            .await
            .expect("login");
        let snapshot = api.snapshot(&answer.jetons.token).await.expect("snapshot");
        let mut store = pupitre_replica::store::Store::open(
            &dir.path().join("replica.sqlite"),
            &pupitre_replica::cle::CleReplica::nouvelle(),
        )
        .expect("open");
        store.rebase(&snapshot, &mut |_, _| {}).expect("bootstrap");
        SkewedPc {
            store: Arc::new(std::sync::Mutex::new(store)),
            who: answer.personnel,
            api,
            token: answer.jetons.token,
            client,
            skew_ms,
            _dir: dir,
        }
    }

    /// This PC's wrong clock.
    pub fn now_ms(&self) -> u64 {
        (pupitre_replica::clock::now_ms() as i64 + self.skew_ms) as u64
    }

    pub fn edit(&self, edit: &pupitre_domain::Edit) {
        let op = pupitre_sync_protocol::OpId(uuid::Uuid::new_v4());
        pupitre_replica::sync::lock(&self.store)
            .edit(edit, &self.who.id, op, self.now_ms())
            .expect("local edit");
    }

    pub async fn sync(&self) -> pupitre_replica::sync::RoundReport {
        let now = self.now_ms();
        pupitre_replica::sync::round(&self.store, &self.api, &self.token, &self.client, || now)
            .await
            .expect("sync round")
    }

    /// The visible value of one field, as JSON.
    pub fn value(
        &self,
        kind: pupitre_domain::EntityKind,
        id: &str,
        field: &str,
    ) -> Option<serde_json::Value> {
        pupitre_replica::sync::lock(&self.store)
            .field_values()
            .expect("values")
            .into_iter()
            .find(|(k, e, f, _)| k == kind.as_str() && e == id && f == field)
            .map(|(_, _, _, v)| v)
    }
}

/// How many pupils the CPE, logging in on her own PC (under `dir`), sees absent on the test day.
pub async fn absents_seen_by_the_cpe(dir: &Path, url: &str) -> usize {
    use pupitre_fixtures::{DEMO_CPE_LOGIN, DEMO_CPE_PASSWORD};
    let cpe = on_pc(dir, url, "cpe", DEMO_CPE_LOGIN, DEMO_CPE_PASSWORD).await;
    cpe.absences_du_jour(&test_day().to_string())
        .expect("absences")
        .iter()
        .filter(|a| a.presence == pupitre_domain::Presence::Absent)
        .count()
}

/// The store of a replica the app wrote, opened as the app does: its key unsealed by `password`.
pub fn open_replica(replica: &Path, password: &str) -> pupitre_replica::store::Store {
    pupitre_replica::store::Store::open(replica, &replica_key(replica, password))
        .expect("replica opens with its owner's password")
}

/// A plain connection to a replica the app wrote, for a test to look at what the file holds.
pub fn replica_connection(replica: &Path, password: &str) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(replica).expect("open replica");
    pupitre_school_db::apply_key(&conn, "main", replica_key(replica, password).octets())
        .expect("key");
    conn
}

fn replica_key(replica: &Path, password: &str) -> pupitre_replica::cle::CleReplica {
    pupitre_replica::cle::ouvrir(replica, password)
        .expect("key file readable")
        .expect("a key file beside the replica")
}

/// Every file under `dir`, however deep (none if it does not exist). A directory that cannot
/// be read fails the test: a search must not skip what it cannot see.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_owned()];
    while let Some(d) = todo.pop() {
        let entries = match std::fs::read_dir(&d) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => panic!("{}: {e}", d.display()),
        };
        for entry in entries {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                todo.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out
}

/// A raw request with the protocol's version headers, as a PC sends them.
pub fn versionnee(request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    use pupitre_sync_protocol::version::{HEADER_PROTOCOL, HEADER_SCHEMA};
    request
        .header(
            HEADER_PROTOCOL,
            pupitre_sync_protocol::PROTOCOL_VERSION.to_string(),
        )
        .header(
            HEADER_SCHEMA,
            pupitre_sync_protocol::SCHEMA_VERSION.to_string(),
        )
}
