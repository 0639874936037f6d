//! The school's periods (trimestres or semestres), from a CSV the administrator writes or saves
//! from a spreadsheet (README « Les périodes »): a header `periode;libelle;debut;fin`, then one
//! period a line, dates as `JJ/MM/AAAA` or `AAAA-MM-JJ`. UTF-8, or Windows-1252 as a French
//! spreadsheet saves it; `;` or `,` between fields.

use super::ErreurImport;
use chrono::NaiveDate;
use pupitre_domain::Periode;

const ENTETE: [&str; 4] = ["periode", "libelle", "debut", "fin"];

/// The periods of the file, each with its line; `None` when it is not a periods' CSV (its
/// header says), rather than an XML export.
pub fn lire(nom: &str, octets: &[u8]) -> Option<Result<Vec<(Periode, u32)>, ErreurImport>> {
    let texte = decoder(octets);
    let premiere = texte.lines().next().unwrap_or("");
    let debut = premiere.to_lowercase().replace(',', ";").replace('é', "e");
    debut
        .starts_with("periode;")
        .then(|| periodes(nom, &texte, premiere))
}

fn periodes(nom: &str, texte: &str, premiere: &str) -> Result<Vec<(Periode, u32)>, ErreurImport> {
    let separateur = if premiere.contains(';') { b';' } else { b',' };
    let mut lecteur = csv::ReaderBuilder::new()
        .delimiter(separateur)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(texte.as_bytes());
    let entete: Vec<String> = lecteur
        .headers()
        .map_err(|e| ErreurImport::new(nom, "", 1, format!("en-tête illisible ({e})")))?
        .iter()
        .map(|h| h.to_lowercase().replace('é', "e"))
        .collect();
    if entete != ENTETE {
        return Err(ErreurImport::new(
            nom,
            "",
            1,
            format!("en-tête attendu : {}", ENTETE.join(";")),
        ));
    }
    let mut out = Vec::new();
    for (i, ligne) in lecteur.records().enumerate() {
        let n = i as u32 + 2;
        let erreur = |m: String| ErreurImport::new(nom, "", n, m);
        let ligne = ligne.map_err(|e| erreur(format!("ligne illisible ({e})")))?;
        if ligne.iter().all(str::is_empty) {
            continue;
        }
        if ligne.len() != 4 {
            return Err(erreur(format!("4 champs attendus, {} lus", ligne.len())));
        }
        let (id, libelle) = (ligne[0].to_owned(), ligne[1].to_owned());
        if id.is_empty() || libelle.is_empty() {
            return Err(erreur("la période et son libellé sont obligatoires".into()));
        }
        let (debut, fin) = (
            date(&ligne[2]).map_err(erreur)?,
            date(&ligne[3]).map_err(erreur)?,
        );
        if fin < debut {
            return Err(erreur(format!("la période {id} finit avant de commencer")));
        }
        out.push((
            Periode {
                id,
                libelle,
                debut,
                fin,
            },
            n,
        ));
    }
    Ok(out)
}

fn date(texte: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(texte, "%d/%m/%Y")
        .or_else(|_| NaiveDate::parse_from_str(texte, "%Y-%m-%d"))
        .map_err(|_| format!("date « {texte} » : attendu JJ/MM/AAAA"))
}

/// UTF-8 (its BOM dropped), else Windows-1252.
fn decoder(octets: &[u8]) -> std::borrow::Cow<'_, str> {
    let sans_bom = octets.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(octets);
    match std::str::from_utf8(sans_bom) {
        Ok(t) => t.into(),
        Err(_) => {
            encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(sans_bom)
                .0
        }
    }
}
