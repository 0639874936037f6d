//! The central's configuration file (TOML) beside its flags: what `serve` reads with
//! `--config FILE`, each key the flag of the same name, a flag given on the command line
//! winning over the file. Pure: the text is passed in; a wrong file is a French error naming
//! the line.

use serde::Deserialize;
use std::net::SocketAddr;
use std::path::PathBuf;

/// What a file may say; every key is optional, an unknown one is refused (a typo must not pass
/// for a setting).
#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fichier {
    /// The schools' databases, one per school.
    #[serde(default)]
    pub db: Vec<PathBuf>,
    pub addr: Option<SocketAddr>,
    pub keep_log_days: Option<u32>,
    pub file_max: Option<usize>,
    pub connexions_max: Option<usize>,
    pub smtp: Option<Smtp>,
}

#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Smtp {
    /// HOST:PORT.
    pub serveur: String,
    pub expediteur: Option<String>,
    #[serde(default)]
    pub sans_tls: bool,
}

/// What `serve` was given on its command line (`None`, empty: not given).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Drapeaux {
    pub db: Vec<PathBuf>,
    pub addr: Option<SocketAddr>,
    pub keep_log_days: Option<u32>,
    pub file_max: Option<usize>,
    pub connexions_max: Option<usize>,
    pub smtp: Option<String>,
    pub smtp_from: Option<String>,
    pub smtp_sans_tls: bool,
}

/// What `serve` runs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reglages {
    pub db: Vec<PathBuf>,
    pub addr: SocketAddr,
    pub keep_log_days: u32,
    pub capacite: crate::Capacite,
    /// The mail server, the sender, and whether STARTTLS is used.
    pub smtp: Option<(String, String, bool)>,
}

pub const DB_PAR_DEFAUT: &str = "pupitre-central.sqlite";
pub const EXPEDITEUR_PAR_DEFAUT: &str = "vie-scolaire@pupitre.invalid";

/// The file `nom`'s text read, or why not, in French with its line.
pub fn lire(nom: &str, texte: &str) -> Result<Fichier, String> {
    toml::from_str(texte).map_err(|e| {
        let ligne = (e.span()).map(|s| texte[..s.start.min(texte.len())].matches('\n').count() + 1);
        match ligne {
            Some(l) => format!("{nom}, ligne {l} : réglage refusé ({})", e.message().trim()),
            None => format!("{nom} : réglage refusé ({})", e.message().trim()),
        }
    })
}

/// The flags over the file over the defaults.
pub fn reglages(fichier: Fichier, drapeaux: Drapeaux) -> Reglages {
    let db = match (drapeaux.db, fichier.db) {
        (d, _) if !d.is_empty() => d,
        (_, f) if !f.is_empty() => f,
        _ => vec![PathBuf::from(DB_PAR_DEFAUT)],
    };
    let smtp_fichier = fichier.smtp;
    let serveur = drapeaux
        .smtp
        .or_else(|| smtp_fichier.as_ref().map(|s| s.serveur.clone()));
    let expediteur = drapeaux
        .smtp_from
        .or_else(|| smtp_fichier.as_ref().and_then(|s| s.expediteur.clone()))
        .unwrap_or_else(|| EXPEDITEUR_PAR_DEFAUT.to_owned());
    let sans_tls = drapeaux.smtp_sans_tls || smtp_fichier.is_some_and(|s| s.sans_tls);
    Reglages {
        db,
        addr: (drapeaux.addr)
            .or(fichier.addr)
            .unwrap_or(SocketAddr::from(([127, 0, 0, 1], 8787))),
        keep_log_days: (drapeaux.keep_log_days)
            .or(fichier.keep_log_days)
            .unwrap_or(crate::Retention::DEFAULT_DAYS),
        capacite: crate::Capacite {
            file: (drapeaux.file_max)
                .or(fichier.file_max)
                .unwrap_or(crate::db::FILE_PAR_DEFAUT),
            connexions: (drapeaux.connexions_max)
                .or(fichier.connexions_max)
                .unwrap_or(crate::serveur::CONNEXIONS_MAX),
        },
        smtp: serveur.map(|s| (s, expediteur, !sans_tls)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMPLET: &str = r#"
db = ["/var/lib/pupitre-central/a.sqlite", "/var/lib/pupitre-central/b.sqlite"]
addr = "0.0.0.0:8787"
keep_log_days = 90
file_max = 64

[smtp]
serveur = "smtp.ac-exemple.fr:587"
expediteur = "vie-scolaire@college.example.org"
"#;

    #[test]
    fn flags_win_over_the_file_which_wins_over_the_defaults() {
        let fichier = lire("central.toml", COMPLET).expect("valid");
        let rien = Drapeaux::default();
        let r = reglages(fichier.clone(), rien.clone());
        assert_eq!(r.db.len(), 2);
        assert_eq!(r.addr.to_string(), "0.0.0.0:8787");
        assert_eq!(r.keep_log_days, 90);
        assert_eq!(
            (r.capacite.file, r.capacite.connexions),
            (64, crate::serveur::CONNEXIONS_MAX)
        );
        assert_eq!(
            r.smtp,
            Some((
                "smtp.ac-exemple.fr:587".into(),
                "vie-scolaire@college.example.org".into(),
                true
            ))
        );
        let drapeaux = Drapeaux {
            db: vec!["ici.sqlite".into()],
            addr: Some("127.0.0.1:9000".parse().expect("addr")),
            keep_log_days: Some(0),
            file_max: Some(32),
            smtp_sans_tls: true,
            ..rien.clone()
        };
        let r = reglages(fichier, drapeaux);
        assert_eq!(r.db, vec![PathBuf::from("ici.sqlite")]);
        assert_eq!(r.addr.to_string(), "127.0.0.1:9000");
        assert_eq!(r.keep_log_days, 0);
        assert_eq!(r.capacite.file, 32);
        assert_eq!(r.smtp.map(|s| s.2), Some(false), "--smtp-sans-tls given");
        let defauts = reglages(Fichier::default(), rien);
        assert_eq!(defauts.db, vec![PathBuf::from(DB_PAR_DEFAUT)]);
        assert_eq!(defauts.addr.to_string(), "127.0.0.1:8787");
        assert_eq!(defauts.keep_log_days, crate::Retention::DEFAULT_DAYS);
        assert_eq!(defauts.smtp, None);
        assert_eq!(defauts.capacite, crate::Capacite::default());
    }

    #[test]
    fn a_wrong_file_is_refused_with_its_line() {
        for (texte, attendu) in [
            (
                "addr = \"127.0.0.1:8787\"\nkeep_logs_days = 3\n",
                "central.toml, ligne 2",
            ),
            ("addr = \"pas une adresse\"\n", "central.toml, ligne 1"),
            ("keep_log_days = -1\n", "central.toml, ligne 1"),
            ("[smtp]\nexpediteur = \"x@y.fr\"\n", "central.toml"),
            ("db = \"un.sqlite\"\n", "central.toml, ligne 1"),
        ] {
            let err = lire("central.toml", texte).expect_err(texte);
            assert!(err.starts_with(attendu), "{texte:?}: {err}");
        }
        assert_eq!(lire("vide.toml", "").expect("empty"), Fichier::default());
    }
}
