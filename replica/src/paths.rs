//! Where replicas live: the platform's data directory (or `PUPITRE_DATA_DIR`), one file per login.

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

/// The replica file of a login. Logins are reduced to a safe file name.
pub fn replica_path(data_dir: &Path, login: &str) -> PathBuf {
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
    data_dir.join("replicas").join(format!("{safe}.sqlite"))
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
}
