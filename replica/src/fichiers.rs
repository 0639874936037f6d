//! Files the app writes outside its replica (a CSV, a PDF): only where the person chose (the
//! front end's save dialog gives the path), and whole or not at all (written beside, then
//! renamed over).

use crate::error::ReplicaError;
use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `chemin`, an absolute path the person chose: a file already there is
/// replaced only once the new one is complete on disk.
pub fn ecrire(chemin: &str, bytes: &[u8]) -> Result<(), ReplicaError> {
    let path = Path::new(chemin);
    let invalid = |m: String| ReplicaError::Invalid(m);
    if !path.is_absolute() {
        return Err(invalid(format!(
            "« {chemin} » n'est pas un emplacement complet : choisissez-le dans la fenêtre d'enregistrement"
        )));
    }
    let dossier = path.parent().filter(|d| d.is_dir()).ok_or_else(|| {
        invalid(format!(
            "le dossier de « {chemin} » n'existe pas : choisissez-en un autre"
        ))
    })?;
    let refuse = |e: std::io::Error| {
        invalid(format!(
            "impossible d'écrire dans « {} » ({e}) : choisissez un autre dossier",
            dossier.display()
        ))
    };
    remplacer(path, bytes).map_err(refuse)
}

/// Creates a directory of the app's own (the replicas, the envelopes), readable by this OS
/// user only where the OS says so: the files are encrypted, but their names (logins) do not
/// concern other accounts.
pub fn dossier_prive(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Writes `bytes` to `path` beside it (readable by this OS user only), synced, then renamed
/// over it: a crash leaves the old file or the new one, whole.
pub fn remplacer(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dossier = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dossier)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// A CSV for a spreadsheet: `;`-separated and UTF-8 with its byte-order mark, which is how
/// Excel, as French offices have it, reads accents right.
pub fn tableur(
    lignes: impl FnOnce(&mut csv::Writer<Vec<u8>>) -> Result<(), csv::Error>,
) -> Result<String, csv::Error> {
    let mut w = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(Vec::new());
    lignes(&mut w)?;
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(format!("\u{feff}{}", String::from_utf8_lossy(&bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_written_whole_where_asked_or_not_at_all() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("stats.csv");
        std::fs::write(&target, b"ancien").expect("old");
        ecrire(target.to_str().expect("utf-8"), b"nouveau").expect("write");
        assert_eq!(std::fs::read(&target).expect("read"), b"nouveau");
        assert!(ecrire("stats.csv", b"x").is_err(), "a relative path");
        let missing = dir.path().join("absent").join("stats.csv");
        assert!(ecrire(missing.to_str().expect("utf-8"), b"x").is_err());
        // Nothing else was left beside it.
        assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 1);
    }
}
