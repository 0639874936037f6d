//! `pupitre-central`: the central service's command line.

use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use pupitre_central::db::{audit, compaction, identity};
use pupitre_central::notifications::Courriel;
use pupitre_central::{
    Db, Retention, archive, clock, comptes, configuration, conservation, demo, import, sorties,
};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "pupitre-central",
    about = "Service central Pupitre",
    long_about = "Service central Pupitre. `serve` takes its settings from its flags or from a TOML file \
                  (`serve --config central.toml`; a flag wins over the file): see `pupitre-central serve --help`."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// A class council, for the commands that export one.
#[derive(clap::Args)]
struct ConseilArgs {
    #[arg(long, default_value = "pupitre-central.sqlite")]
    db: PathBuf,
    /// The division's code (`6A`).
    #[arg(long)]
    division: String,
    /// The period's code (`T1`) or name.
    #[arg(long)]
    periode: String,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API on ADDR with the SQLite database DB. Several schools: one `--db` each
    /// (each its own file); the first answers the PCs that name no school. The settings may
    /// come from a TOML file (`--config`), each key the flag of the same name, a flag given
    /// here winning over it: `db = ["a.sqlite", "b.sqlite"]`, `addr = "127.0.0.1:8787"`,
    /// `keep_log_days = 60`, `file_max = 128`, `connexions_max = 4096`, and `[smtp]` with `serveur = "HOST:PORT"`, `expediteur = "…"`,
    /// `sans_tls = false`. An unknown key is refused, with its line.
    Serve {
        /// The configuration file (TOML).
        #[arg(long)]
        config: Option<PathBuf>,
        /// [default: pupitre-central.sqlite]
        #[arg(long, num_args = 1)]
        db: Vec<PathBuf>,
        /// [default: 127.0.0.1:8787]
        #[arg(long)]
        addr: Option<SocketAddr>,
        /// Days the log is kept in full; older superseded changes and erasures are compacted
        /// (hourly). 0 never compacts. [default: 60]
        #[arg(long)]
        keep_log_days: Option<u32>,
        /// Requests at each school's database at once, waiting or running; beyond, a 503 with
        /// Retry-After. [default: 128]
        #[arg(long)]
        file_max: Option<usize>,
        /// Connections served at once; beyond, a 503 with Retry-After. [default: 4096]
        #[arg(long)]
        connexions_max: Option<usize>,
        /// DB was just put back from a backup: begin a new epoch (replicas rebase and resend).
        #[arg(long)]
        restored: bool,
        /// The mail server the families' notifications go through, HOST:PORT (without it they
        /// wait at the central).
        #[arg(long)]
        smtp: Option<String>,
        /// The sender's address of the notifications. [default: vie-scolaire@pupitre.invalid]
        #[arg(long)]
        smtp_from: Option<String>,
        /// Talk to the mail server without STARTTLS (only for a server on this machine).
        #[arg(long)]
        smtp_sans_tls: bool,
    },
    /// Copy DB, while it serves, to the new file OUT (SQLite's online backup).
    Backup {
        #[arg(long, default_value = "pupitre-central.sqlite")]
        db: PathBuf,
        #[arg(long)]
        out: PathBuf,
    },
    /// Put the backup FROM in place of DB and begin a new epoch: replicas notice, rebase and
    /// resend what the backup lacks. Run it with the service stopped.
    Restore {
        #[arg(long, default_value = "pupitre-central.sqlite")]
        db: PathBuf,
        #[arg(long)]
        from: PathBuf,
    },
    /// Compact DB's log now, keeping KEEP_DAYS days in full.
    Compact {
        #[arg(long, default_value = "pupitre-central.sqlite")]
        db: PathBuf,
        #[arg(long, default_value_t = Retention::DEFAULT_DAYS)]
        keep_days: u32,
    },
    /// Give LOGIN a new password, read from the standard input (one line): every session of
    /// the person ends and her envelope keys are revoked.
    ReinitialiserMotDePasse {
        #[arg(long, default_value = "pupitre-central.sqlite")]
        db: PathBuf,
        #[arg(long)]
        login: String,
    },
    /// Make an account for every member of staff who has none (an imported school: STS-Web
    /// gives no logins), and write the logins and provisional passwords to the new file OUT
    /// (CSV, readable by its owner only) to hand out.
    Comptes {
        #[arg(long, default_value = "pupitre-central.sqlite")]
        db: PathBuf,
        #[arg(long)]
        out: PathBuf,
    },
    /// Disable LOGIN (no login, no push, no envelope), or enable it again with --reactiver.
    Desactiver {
        #[arg(long, default_value = "pupitre-central.sqlite")]
        db: PathBuf,
        #[arg(long)]
        login: String,
        #[arg(long)]
        reactiver: bool,
    },
    /// Remove now what is past its time: accounts disabled over 3 months ago, the audit log and
    /// the envelopes' delivery records over a year old, sessions past their time.
    Purger {
        #[arg(long, default_value = "pupitre-central.sqlite")]
        db: PathBuf,
    },
    /// Print the audit log of the last DAYS days (failed logins, refusals, revocations).
    Audit {
        #[arg(long, default_value = "pupitre-central.sqlite")]
        db: PathBuf,
        #[arg(long, default_value_t = 7)]
        jours: u64,
    },
    /// Import a school's year from the national exports (SIECLE's ElevesSansAdresses,
    /// ResponsablesAvecAdresses, Nomenclature; STS-Web's sts_emp), each file's kind told by its
    /// root element, all in one transaction; DB is created when empty. Run again later in the
    /// year: arrivals, departures, changes of class and services reach the PCs at their sync.
    /// The periods', holidays' and timetable's CSV (README) may go with them. Or, alone, a
    /// school's archive (`export`), into an empty DB.
    Import {
        #[arg(long, default_value = "pupitre-central.sqlite")]
        db: PathBuf,
        /// The school (its UAI); by default the one in DB, or the one the files name.
        #[arg(long)]
        uai: Option<pupitre_domain::Uai>,
        /// The day the changes take effect (default: today): a pupil who changed class was in
        /// the former one until the day before.
        #[arg(long)]
        date: Option<NaiveDate>,
        #[arg(required = true)]
        fichiers: Vec<PathBuf>,
    },
    /// Write all of the school UAI's data in DB to the new archive OUT (a zip of JSON Lines and
    /// CSV, README « L'archive d'un établissement »); `import` takes it back into an empty DB.
    /// The central may keep serving meanwhile
    Export {
        #[arg(long, default_value = "pupitre-central.sqlite")]
        db: PathBuf,
        #[arg(long)]
        uai: pupitre_domain::Uai,
        #[arg(long)]
        out: PathBuf,
    },
    /// Write the LSU export (XML, schemaVersion 7.0) of DIVISION's council for PERIODE to the
    /// file OUT, written whole or not at all; what it leaves out (a pupil without ELEVE_ID or
    /// general appreciation, a subject without appreciation nor positionnement, a teacher
    /// without an STS id…) is listed on the standard error. With --strict nothing is written
    /// when something is missing. Fails when the council is not closed.
    Lsu {
        #[command(flatten)]
        conseil: ConseilArgs,
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        strict: bool,
    },
    /// Write DIVISION's bulletins for PERIODE as PDF (A4) into the folder OUT (created when
    /// missing): one file per pupil, `<classe>-<période>-<NOM>-<Prénom>-<id>.pdf`, and the
    /// division's batch `<classe>-<période>.pdf`.
    Bulletins {
        #[command(flatten)]
        conseil: ConseilArgs,
        #[arg(long)]
        out: PathBuf,
    },
    /// Create DB with the demo collège (same seed, same school).
    Demo {
        #[arg(long, default_value = "pupitre-central.sqlite")]
        db: PathBuf,
        #[arg(long, default_value_t = pupitre_fixtures::DEMO_SEED)]
        seed: u64,
        /// A day of the school year to generate the timetable for (default: today).
        #[arg(long)]
        date: Option<NaiveDate>,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("pupitre-central : {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Serve {
            config,
            db,
            addr,
            keep_log_days,
            file_max,
            connexions_max,
            restored,
            smtp,
            smtp_from,
            smtp_sans_tls,
        } => {
            let drapeaux = configuration::Drapeaux {
                db,
                addr,
                keep_log_days,
                file_max,
                connexions_max,
                smtp,
                smtp_from,
                smtp_sans_tls,
            };
            let mut r =
                configuration::reglages(fichier_de_configuration(config.as_deref())?, drapeaux);
            let courriel = (r.smtp.take())
                .map(|(serveur, de, tls)| courriel(&serveur, de, tls))
                .transpose()?;
            serve_on(r, restored, courriel).await
        }
        Command::Comptes { db, out } => comptes_manquants(&db, &out),
        Command::Compact { db, keep_days } => compacter(&db, keep_days),
        Command::Backup { db, out } => sauvegarder(&db, &out),
        Command::Restore { db, from } => {
            pupitre_central::restore(&db, &from).map_err(|e| e.to_string())?;
            println!(
                "{} restaurée depuis {} : nouvelle époque ; les postes se resynchronisent à leur prochaine connexion.",
                db.display(),
                from.display()
            );
            Ok(())
        }
        Command::ReinitialiserMotDePasse { db, login } => reinitialiser(&db, &login),
        Command::Desactiver {
            db,
            login,
            reactiver,
        } => desactiver(&db, &login, reactiver),
        Command::Purger { db } => purger(&db),
        Command::Audit { db, jours } => audit_log(&db, jours),
        Command::Import {
            db,
            uai,
            date,
            fichiers,
        } => importer(&db, uai.as_ref(), date, &fichiers),
        Command::Export { db, uai, out } => exporter(&db, &uai, &out),
        Command::Demo { db, seed, date } => demo_school(&db, seed, date),
        Command::Lsu {
            conseil,
            out,
            strict,
        } => lsu(&conseil, &out, strict),
        Command::Bulletins { conseil, out } => bulletins(&conseil, &out),
    }
}

fn compacter(db: &std::path::Path, keep_days: u32) -> Result<(), String> {
    let store = Db::open(db).map_err(|e| e.to_string())?;
    let done = store
        .with(|conn| {
            compaction::compact_older_than(
                conn,
                clock::now_ms(),
                Retention::days(keep_days).keep_ms,
            )
        })
        .map_err(|e| e.to_string())?;
    println!(
        "Journal compacté jusqu'à la modification {} : {} modifications remplacées et {} effacements expirés supprimés.",
        done.horizon, done.changes, done.tombstones
    );
    Ok(())
}

fn sauvegarder(db: &std::path::Path, out: &std::path::Path) -> Result<(), String> {
    let store = Db::open(db).map_err(|e| e.to_string())?;
    let head = store
        .with(|conn| identity::backup(conn, out))
        .map_err(|e| e.to_string())?;
    println!(
        "Sauvegarde écrite dans {} (journal jusqu'à la modification {head}).",
        out.display()
    );
    Ok(())
}

/// The configuration file's settings, none without a file.
fn fichier_de_configuration(
    chemin: Option<&std::path::Path>,
) -> Result<configuration::Fichier, String> {
    let Some(chemin) = chemin else {
        return Ok(configuration::Fichier::default());
    };
    let texte = std::fs::read_to_string(chemin)
        .map_err(|e| format!("impossible de lire {} : {e}", chemin.display()))?;
    configuration::lire(&chemin.display().to_string(), &texte)
}

/// The central's database at `db`, which must exist (an export creates nothing).
fn existante(db: &std::path::Path) -> Result<Db, String> {
    if !db.is_file() {
        return Err(format!("la base « {} » n'existe pas", db.display()));
    }
    Db::open(db).map_err(|e| e.to_string())
}

fn lsu(c: &ConseilArgs, out: &std::path::Path, strict: bool) -> Result<(), String> {
    let store = existante(&c.db)?;
    let mut ecole = sorties::Ecole::lire(&store).map_err(|e| e.to_string())?;
    let view = ecole
        .conseil(&c.division, &c.periode)
        .map_err(|e| e.to_string())?;
    let lsu = ecole.lsu(&view).map_err(|e| e.to_string())?;
    for manque in &lsu.manques {
        eprintln!("manque : {manque}");
    }
    if lsu.bilans == 0 || (strict && !lsu.manques.is_empty()) {
        return Err(format!(
            "rien n'a été écrit dans {} ({} manque(s) ci-dessus)",
            out.display(),
            lsu.manques.len()
        ));
    }
    pupitre_replica::fichiers::remplacer(out, &lsu.xml)
        .map_err(|e| format!("impossible d'écrire {} : {e}", out.display()))?;
    println!(
        "Export LSU de la classe {} ({}) écrit dans {} : {} bilan(s), {} manque(s).",
        view.division,
        view.periode,
        out.display(),
        lsu.bilans,
        lsu.manques.len()
    );
    Ok(())
}

fn bulletins(c: &ConseilArgs, out: &std::path::Path) -> Result<(), String> {
    let store = existante(&c.db)?;
    let view = sorties::Ecole::lire(&store)
        .and_then(|mut ecole| ecole.conseil(&c.division, &c.periode))
        .map_err(|e| e.to_string())?;
    let fichiers = sorties::bulletins(&view).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(out)
        .map_err(|e| format!("impossible de créer le dossier {} : {e}", out.display()))?;
    for (nom, pdf) in &fichiers {
        let chemin = out.join(nom);
        pupitre_replica::fichiers::remplacer(&chemin, pdf)
            .map_err(|e| format!("impossible d'écrire {} : {e}", chemin.display()))?;
    }
    println!(
        "{} bulletin(s) de la classe {} ({}) et le lot de la classe écrits dans {}.",
        fichiers.len() - 1,
        view.division,
        view.periode,
        out.display()
    );
    Ok(())
}

fn demo_school(db: &std::path::Path, seed: u64, date: Option<NaiveDate>) -> Result<(), String> {
    let today = date.unwrap_or_else(clock::today);
    let store = Db::open(db).map_err(|e| e.to_string())?;
    let summary = demo::import(&store, &pupitre_fixtures::generate(seed), today)
        .map_err(|e| e.to_string())?;
    println!(
        "École de démonstration créée dans {} : {} élèves, {} personnels, {} séances.",
        db.display(),
        summary.eleves,
        summary.personnels,
        summary.seances
    );
    Ok(())
}

fn importer(
    db: &std::path::Path,
    uai: Option<&pupitre_domain::Uai>,
    date: Option<NaiveDate>,
    fichiers: &[PathBuf],
) -> Result<(), String> {
    let store = Db::open(db).map_err(|e| e.to_string())?;
    let mut lus = import::lire_fichiers(fichiers).map_err(|e| e.to_string())?;
    if let [(nom, octets)] = lus.as_mut_slice()
        && archive::est_une_archive(octets)
    {
        return importer_archive(&store, db, nom, std::mem::take(octets));
    }
    let le = date.unwrap_or_else(clock::today);
    let rapport = import::importer(&store, &lus, uai, le).map_err(|e| e.to_string())?;
    println!("{rapport}");
    Ok(())
}

fn importer_archive(
    store: &Db,
    db: &std::path::Path,
    nom: &str,
    octets: Vec<u8>,
) -> Result<(), String> {
    let manifeste = archive::importer(store, db, nom, octets).map_err(|e| e.to_string())?;
    let lignes: u64 = manifeste.tables.iter().map(|t| t.lignes).sum();
    println!(
        "Archive de {} ({}), exportée le {}, importée dans {} : {} tables, {lignes} lignes.\n\
         Les postes de l'établissement se resynchroniseront d'eux-mêmes (nouvelle époque du journal).\n\
         Les comptes n'ont pas de mot de passe : donnez-en un à chacun avec \
         `pupitre-central reinitialiser-mot-de-passe`.",
        manifeste.uai,
        manifeste.nom,
        manifeste.exportee_le,
        db.display(),
        manifeste.tables.len()
    );
    Ok(())
}

fn exporter(
    db: &std::path::Path,
    uai: &pupitre_domain::Uai,
    out: &std::path::Path,
) -> Result<(), String> {
    let store = Db::open(db).map_err(|e| e.to_string())?;
    let manifeste = archive::exporter(&store, db, uai.as_str(), out).map_err(|e| e.to_string())?;
    println!(
        "Archive de {} ({}) écrite dans {} :",
        manifeste.uai,
        manifeste.nom,
        out.display()
    );
    for t in &manifeste.tables {
        println!("  {:<20} {:>8} lignes", t.table, t.lignes);
    }
    println!(
        "Laissées hors de l'archive : {}.",
        manifeste.omises.join(", ")
    );
    Ok(())
}

fn reinitialiser(db: &std::path::Path, login: &str) -> Result<(), String> {
    let mut password = String::new();
    std::io::stdin()
        .read_line(&mut password)
        .map_err(|e| format!("mot de passe illisible sur l'entrée standard : {e}"))?;
    let store = Db::open(db).map_err(|e| e.to_string())?;
    let password = password.trim_end_matches(['\r', '\n']);
    comptes::reinitialiser(&store, login.trim(), password, clock::now_ms())
        .map_err(|e| e.to_string())?;
    println!(
        "Mot de passe de {login} réinitialisé ; ses sessions sont fermées et ses clés d'envoi révoquées."
    );
    Ok(())
}

fn desactiver(db: &std::path::Path, login: &str, reactiver: bool) -> Result<(), String> {
    let store = Db::open(db).map_err(|e| e.to_string())?;
    comptes::desactiver(&store, login.trim(), !reactiver, clock::now_ms())
        .map_err(|e| e.to_string())?;
    println!(
        "Compte {login} {}.",
        if reactiver {
            "réactivé"
        } else {
            "désactivé"
        }
    );
    Ok(())
}

fn purger(db: &std::path::Path) -> Result<(), String> {
    let store = Db::open(db).map_err(|e| e.to_string())?;
    let purge = conservation::purger(&store, &Default::default(), clock::now_ms())
        .map_err(|e| e.to_string())?;
    println!(
        "Supprimés : {} compte(s) désactivé(s), {} session(s) expirée(s), {} événement(s) d'audit, {} remise(s) d'enveloppe, {} modification(s) de vie scolaire d'une année close.",
        purge.comptes.len(),
        purge.sessions,
        purge.audit,
        purge.remises,
        purge.vie_scolaire
    );
    Ok(())
}

fn audit_log(db: &std::path::Path, jours: u64) -> Result<(), String> {
    let store = Db::open(db).map_err(|e| e.to_string())?;
    let since = clock::now_ms().saturating_sub(jours * 86_400_000);
    let lines = store
        .with(|conn| audit::read_since(conn, since))
        .map_err(|e| e.to_string())?;
    for l in lines {
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}",
            l.at_ms,
            l.quoi,
            l.login.unwrap_or_default(),
            l.personnel_id.unwrap_or_default(),
            l.client_id.unwrap_or_default(),
            l.adresse.unwrap_or_default(),
            l.detail
        );
    }
    Ok(())
}

/// The mail settings from `--smtp HOST:PORT`. `PUPITRE_CENTRAL_ARRET_APRES_ENVOI=1` (tests
/// only) stops the process right after the mail server accepted a message.
fn courriel(smtp: &str, from: String, starttls: bool) -> Result<Courriel, String> {
    let (host, port) = smtp
        .rsplit_once(':')
        .and_then(|(h, p)| Some((h.to_owned(), p.parse::<u16>().ok()?)))
        .ok_or_else(|| {
            format!("--smtp « {smtp} » : attendu HÔTE:PORT, par exemple smtp.ac-strasbourg.fr:587")
        })?;
    Ok(Courriel {
        host,
        port,
        starttls,
        from,
        arret_apres_envoi: std::env::var_os("PUPITRE_CENTRAL_ARRET_APRES_ENVOI").is_some(),
    })
}

/// Serves until Ctrl-C or SIGTERM.
/// `comptes`: the accounts an imported school's staff lack, their passwords in `out`.
fn comptes_manquants(db: &std::path::Path, out: &std::path::Path) -> Result<(), String> {
    let store = Db::open(db).map_err(|e| e.to_string())?;
    let faits = comptes::creer_manquants(&store, out).map_err(|e| e.to_string())?;
    println!(
        "{} compte(s) créé(s) ; identifiants et mots de passe provisoires dans {} : remettez-les à chacun (qui le changera), puis effacez ce fichier.",
        faits.len(),
        out.display()
    );
    Ok(())
}

async fn serve_on(
    r: configuration::Reglages,
    restored: bool,
    courriel: Option<Courriel>,
) -> Result<(), String> {
    let addr = r.addr;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("impossible d'écouter sur {addr} : {e}"))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    // Tests and scripts read this line to find the port.
    println!("Pupitre central listening on http://{local}");
    let shutdown = async {
        // Without a Ctrl-C handler, serve until SIGTERM rather than stop at once.
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!("no Ctrl-C handler ({e}); stop with SIGTERM");
            std::future::pending::<()>().await;
        }
    };
    let reglages = pupitre_central::Reglages {
        retention: (r.keep_log_days > 0).then(|| Retention::days(r.keep_log_days)),
        restored,
        courriel,
        capacite: r.capacite,
    };
    pupitre_central::serve_limite(listener, &r.db, reglages, shutdown_on_term(shutdown))
        .await
        .map_err(|e| e.to_string())
}

/// Stops on Ctrl-C or, on Unix, SIGTERM (what scripts and tests send).
async fn shutdown_on_term(ctrl_c: impl std::future::Future<Output = ()>) {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => return ctrl_c.await,
            };
        tokio::select! {
            () = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    ctrl_c.await;
}
