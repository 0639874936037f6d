//! Where replicas live: the platform's data directory (or `PUPITRE_DATA_DIR`), one file per
//! login and school: `replicas/<login>.sqlite` for the central's first school (what a PC set
//! up before the central served several has), `replicas/<UAI>/<login>.sqlite` for another one
//! (a teacher on two collèges has one replica in each, never one mixing them).

use pupitre_domain::Uai;
use std::path::{Path, PathBuf};

pub const DATA_DIR_ENV: &str = "PUPITRE_DATA_DIR";

/// The data directory: `PUPITRE_DATA_DIR` if set, else the platform's (e.g. `%APPDATA%\Pupitre`
/// on Windows, `~/.local/share/pupitre` on Linux).
pub fn data_dir() -> PathBuf {
    std::env::var_os(DATA_DIR_ENV)
        .map(PathBuf::from)
        .or_else(|| dirs::data_dir().map(|d| d.join("pupitre")))
        .unwrap_or_else(|| PathBuf::from("pupitre-data"))
}

/// Whose replica a file is: a login, in a school the central serves (`None`: its first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compte {
    pub etablissement: Option<Uai>,
    pub login: String,
}

impl Compte {
    pub fn new(etablissement: Option<&Uai>, login: &str) -> Compte {
        Compte {
            etablissement: etablissement.cloned(),
            login: login.trim().to_lowercase(),
        }
    }

    pub fn replica_path(&self, data_dir: &Path) -> PathBuf {
        self.dans(&data_dir.join("replicas"))
            .join(fichier(&self.login))
    }

    /// `base` for the central's first school, `base/<UAI>` for another: where this PC keeps
    /// what is the account's (its replica, its envelopes), each school's apart.
    pub fn dans(&self, base: &Path) -> PathBuf {
        match &self.etablissement {
            None => base.to_owned(),
            Some(uai) => base.join(uai.as_str()),
        }
    }

    /// The name the keyring and the remembered owner know it by: the login, or `UAI/login`.
    pub fn nom(&self) -> String {
        match &self.etablissement {
            None => self.login.clone(),
            Some(uai) => format!("{uai}/{}", self.login),
        }
    }

    /// The account `nom` names.
    pub fn depuis_nom(nom: &str) -> Compte {
        match nom.split_once('/') {
            Some((uai, login)) if let Ok(uai) = Uai::parse(uai) => Compte::new(Some(&uai), login),
            _ => Compte::new(None, nom),
        }
    }
}

/// The schools other than the central's first that this PC holds replicas of (for a login
/// screen offline).
pub fn etablissements_locaux(data_dir: &Path) -> Vec<Uai> {
    let Ok(entries) = std::fs::read_dir(data_dir.join("replicas")) else {
        return Vec::new();
    };
    let mut uais: Vec<Uai> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .filter_map(|e| Uai::parse(&e.file_name().to_string_lossy()).ok())
        .collect();
    uais.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    uais
}

/// The replica file of a login in the central's first school.
pub fn replica_path(data_dir: &Path, login: &str) -> PathBuf {
    data_dir.join("replicas").join(fichier(login))
}

/// A login's replica file name: reduced to a safe one.
fn fichier(login: &str) -> String {
    let safe: String = login
        .trim()
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{safe}.sqlite")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replica_file_names_are_safe() {
        let dir = Path::new("/d");
        assert_eq!(
            replica_path(dir, "C.Martin"),
            Path::new("/d/replicas/c.martin.sqlite")
        );
        assert_eq!(
            replica_path(dir, "../x y"),
            Path::new("/d/replicas/.._x_y.sqlite")
        );
        assert_eq!(
            replica_path(dir, "a/b\\c"),
            Path::new("/d/replicas/a_b_c.sqlite")
        );
    }

    #[test]
    fn each_school_has_its_replica_and_its_name_reads_back() {
        let dir = Path::new("/d");
        let uai = Uai::parse("0670099U").expect("uai");
        for (compte, path, nom) in [
            (
                Compte::new(None, "C.Martin"),
                "/d/replicas/c.martin.sqlite",
                "c.martin",
            ),
            (
                Compte::new(Some(&uai), "C.Martin"),
                "/d/replicas/0670099U/c.martin.sqlite",
                "0670099U/c.martin",
            ),
            (
                Compte::new(Some(&uai), "../x/y"),
                "/d/replicas/0670099U/.._x_y.sqlite",
                "0670099U/../x/y",
            ),
        ] {
            assert_eq!(compte.replica_path(dir), Path::new(path));
            assert_eq!(compte.nom(), nom);
            assert_eq!(Compte::depuis_nom(nom), compte);
        }
        // A login with a slash but no UAI before it stays a login of the first school.
        assert_eq!(Compte::depuis_nom("a/b"), Compte::new(None, "a/b"));
    }
}
