//! Where the central is, as the school's technician sets it once per PC: a system-wide file
//! (`/etc/pupitre/pupitre.toml`, on Windows `%ProgramData%\Pupitre\pupitre.toml`), then the
//! `PUPITRE_CENTRAL_URL` environment variable, which overrides it (demos, tests). A missing or
//! wrong file never keeps the app from opening: it opens on what the PC holds, with a French
//! message that names the file and the line.
//!
//! ```toml
//! [central]
//! url = "https://pupitre.ac-exemple.fr"
//! ```

use crate::client::{CENTRAL_URL_ENV, DEFAULT_CENTRAL_URL};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// `PUPITRE_CONFIG` names another file (tests, a portable install).
pub const CONFIG_ENV: &str = "PUPITRE_CONFIG";

/// What the app starts with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Configuration {
    pub central_url: String,
    /// Why the file could not be used, for the person at the PC (None: all is well).
    pub avertissement: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Fichier {
    central: Central,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Central {
    url: String,
}

/// The system-wide file's place on this platform.
pub fn default_path() -> PathBuf {
    #[cfg(windows)]
    {
        let base = std::env::var_os("ProgramData").unwrap_or_else(|| "C:\\ProgramData".into());
        PathBuf::from(base).join("Pupitre").join("pupitre.toml")
    }
    #[cfg(not(windows))]
    {
        PathBuf::from("/etc/pupitre/pupitre.toml")
    }
}

/// Reads the configuration at startup: the file (`PUPITRE_CONFIG` or the platform's place), then
/// the environment.
pub fn load() -> Configuration {
    let path = std::env::var_os(CONFIG_ENV).map_or_else(default_path, PathBuf::from);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => Ok(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(None),
        Err(e) => Err(Some(e.to_string())),
    };
    decide(&path, text, std::env::var(CENTRAL_URL_ENV).ok())
}

/// The central's URL from the file's text (or why it could not be read) and the environment's
/// value. Pure: `load` does the reading.
pub fn decide(
    path: &Path,
    text: Result<String, Option<String>>,
    env: Option<String>,
) -> Configuration {
    let from_file = match text {
        Ok(text) => from_text(path, &text),
        Err(None) => Err(format!(
            "Le fichier de configuration {} est absent : Pupitre ne sait pas où joindre le service central. Demandez au technicien de le créer (voir la documentation d'installation) ; en attendant, vous pouvez travailler sur les données de ce poste.",
            path.display()
        )),
        Err(Some(why)) => Err(format!(
            "Le fichier de configuration {} est illisible ({why}). Demandez au technicien de le vérifier ; en attendant, vous pouvez travailler sur les données de ce poste.",
            path.display()
        )),
    };
    match (env, from_file) {
        // The environment overrides the file, which then need not exist.
        (Some(url), _) => match check_url(&url) {
            Ok(()) => Configuration {
                central_url: url,
                avertissement: None,
            },
            Err(why) => Configuration {
                central_url: DEFAULT_CENTRAL_URL.to_owned(),
                avertissement: Some(format!("{CENTRAL_URL_ENV} : {why}")),
            },
        },
        (None, Ok(url)) => Configuration {
            central_url: url,
            avertissement: None,
        },
        (None, Err(avertissement)) => Configuration {
            central_url: DEFAULT_CENTRAL_URL.to_owned(),
            avertissement: Some(avertissement),
        },
    }
}

fn from_text(path: &Path, text: &str) -> Result<String, String> {
    let at = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
    let fichier: Fichier = toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(1, |s| at(s.start));
        format!(
            "Le fichier de configuration {}, ligne {line}, est mal écrit : {}. Demandez au technicien de le corriger ; en attendant, vous pouvez travailler sur les données de ce poste.",
            path.display(),
            e.message().trim_end_matches('\n')
        )
    })?;
    let url = fichier.central.url.trim().to_owned();
    check_url(&url).map_err(|why| {
        let line = text
            .lines()
            .position(|l| l.trim_start().starts_with("url"))
            .map_or(1, |i| i + 1);
        format!(
            "Le fichier de configuration {}, ligne {line} : {why} Demandez au technicien de le corriger ; en attendant, vous pouvez travailler sur les données de ce poste.",
            path.display()
        )
    })?;
    Ok(url)
}

/// A central is reached over HTTPS, or over plain HTTP on this PC only (a local central).
fn check_url(url: &str) -> Result<(), String> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| format!("l'adresse du service central « {url} » est invalide ({e})."))?;
    let host = parsed.host_str().unwrap_or_default();
    let ip = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = host == "localhost"
        || ip
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match parsed.scheme() {
        "https" if !host.is_empty() => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(format!(
            "l'adresse du service central « {url} » doit commencer par https:// (seul un service sur ce poste peut être en http://)."
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "/etc/pupitre/pupitre.toml";

    fn with_file(text: &str, env: Option<&str>) -> Configuration {
        decide(Path::new(FILE), Ok(text.to_owned()), env.map(str::to_owned))
    }

    #[test]
    fn the_file_sets_the_central_and_the_environment_overrides_it() {
        let file = "[central]\nurl = \"https://pupitre.ac-exemple.fr\"\n";
        let c = with_file(file, None);
        assert_eq!(c.central_url, "https://pupitre.ac-exemple.fr");
        assert_eq!(c.avertissement, None);
        let c = with_file(file, Some("http://127.0.0.1:18787"));
        assert_eq!(c.central_url, "http://127.0.0.1:18787");
        let c = decide(
            Path::new(FILE),
            Err(None),
            Some("http://localhost:8787".into()),
        );
        assert_eq!(
            (c.central_url.as_str(), c.avertissement),
            ("http://localhost:8787", None)
        );
    }

    #[test]
    fn a_bad_file_names_itself_and_its_line_and_the_app_still_opens() {
        let cases = [
            // (file, line named)
            ("[central]\nurl = \"https://a.fr\"\nport = 3\n", Some(3)),
            ("[central]\nurl = https://a.fr\n", Some(2)),
            (
                "# Pupitre\n[central]\nurl = \"http://pupitre.ac-exemple.fr\"\n",
                Some(3),
            ),
            (
                "[central]\nurl = \"ftp://pupitre.ac-exemple.fr\"\n",
                Some(2),
            ),
            ("[central]\nurl = \"pas une adresse\"\n", Some(2)),
            ("", None),
        ];
        for (text, line) in cases {
            let c = with_file(text, None);
            let why = c
                .avertissement
                .unwrap_or_else(|| panic!("{text:?} accepted"));
            assert!(why.contains(FILE), "{why}");
            if let Some(line) = line {
                assert!(why.contains(&format!("ligne {line}")), "{text:?}: {why}");
            }
            assert!(why.contains("données de ce poste"), "{why}");
            assert_eq!(c.central_url, DEFAULT_CENTRAL_URL);
        }
        let missing = decide(Path::new(FILE), Err(None), None);
        assert!(missing.avertissement.is_some_and(|w| w.contains("absent")));
        let plain = with_file("[central]\nurl = \"http://[::1]:8787\"\n", None);
        assert_eq!(plain.avertissement, None, "loopback may be plain http");
        let bad_env = with_file("", Some("http://10.0.0.5"));
        assert!(
            bad_env
                .avertissement
                .is_some_and(|w| w.contains(CENTRAL_URL_ENV))
        );
    }
}
