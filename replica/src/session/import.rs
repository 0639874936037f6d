//! The year's import, sent from this PC by the direction or the administrator: the files they
//! chose, read here and sent whole to the central, which imports them into the school in one
//! transaction and answers its report. Online only: the school's reference data is the
//! central's; what the import changes reaches this PC, like every PC, at the next sync.

use super::Session;
use crate::error::ReplicaError;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use pupitre_sync_protocol::wire::{FichierImporte, ImportRequest};
use std::path::Path;

impl Session {
    /// Sends the files at `chemins` (SIECLE and STS-Web exports, the periods', holidays' and
    /// timetable's CSV), taking effect on `date` (`AAAA-MM-JJ`; the central's today without
    /// it); the central's report, in French.
    pub async fn importer_annee(
        &self,
        chemins: &[String],
        date: Option<String>,
    ) -> Result<String, ReplicaError> {
        pupitre_domain::droits::may_import(self.me.fonction)
            .map_err(|why| ReplicaError::Invalid(why.into()))?;
        if chemins.is_empty() {
            return Err(ReplicaError::Invalid(
                "choisissez les fichiers à importer (exports SIECLE et STS-Web, CSV)".into(),
            ));
        }
        let mut fichiers = Vec::new();
        for chemin in chemins {
            let path = Path::new(chemin);
            let octets = std::fs::read(path).map_err(|e| {
                ReplicaError::Invalid(format!("le fichier {chemin} est illisible ({e})"))
            })?;
            let nom = path
                .file_name()
                .map_or(chemin.clone(), |n| n.to_string_lossy().into_owned());
            fichiers.push(FichierImporte {
                nom,
                contenu: BASE64.encode(octets),
            });
        }
        let request = ImportRequest { fichiers, date };
        let answer = self.api.import(&self.token().await?, &request).await?;
        Ok(answer.rapport)
    }
}
