//! Files the administrator's commands write (a school's archive, the new accounts' passwords):
//! new ones only, readable by their owner only, complete or absent (written under another
//! name, renamed once whole).

use crate::error::CentralError;
use std::path::Path;

/// Writes the new file `out` with `ecrire`; on any failure nothing is left at `out`.
pub fn nouveau<T>(
    out: &Path,
    ecrire: impl FnOnce(std::fs::File) -> Result<T, CentralError>,
) -> Result<T, CentralError> {
    if out.exists() {
        return Err(CentralError::Invalid(format!(
            "{} existe déjà : choisissez un autre nom de fichier",
            out.display()
        )));
    }
    let mut partiel = out.as_os_str().to_owned();
    partiel.push(".partiel");
    let partiel = std::path::PathBuf::from(partiel);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let result = options
        .open(&partiel)
        .map_err(CentralError::from)
        .and_then(ecrire);
    match result.and_then(|t| Ok(std::fs::rename(&partiel, out).map(|()| t)?)) {
        Ok(t) => Ok(t),
        Err(e) => {
            let _ = std::fs::remove_file(&partiel);
            Err(e)
        }
    }
}
