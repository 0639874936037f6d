//! The spreadsheets an administrator saves as CSV (periods, holidays, timetable): UTF-8 (its
//! BOM dropped) or Windows-1252 as a French spreadsheet saves it, `;` or `,` between fields,
//! a header naming the columns (case and accents ignored), one record a line. Each kind is
//! told by its header's first column.

use super::ErreurImport;
use chrono::NaiveDate;

/// A header's column as compared: lower case, without accents or spaces.
pub fn normal(texte: &str) -> String {
    texte
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'à' | 'â' => 'a',
            'î' | 'ï' => 'i',
            'ô' => 'o',
            'û' | 'ù' => 'u',
            'ç' => 'c',
            other => other,
        })
        .collect()
}

/// The sheet's text, and its first column's name (`normal`), if it looks like a CSV at all.
pub fn entete(octets: &[u8]) -> (std::borrow::Cow<'_, str>, String) {
    let texte = decoder(octets);
    let premiere = texte.lines().next().unwrap_or("");
    let colonne = premiere.split([';', ',']).next().unwrap_or("");
    let colonne = normal(colonne);
    (texte, colonne)
}

/// The records of a sheet whose header is exactly `colonnes` (`normal`), each with its line
/// (the header is line 1); blank lines skipped.
pub fn lignes(
    nom: &str,
    texte: &str,
    colonnes: &[&str],
) -> Result<Vec<(u32, Vec<String>)>, ErreurImport> {
    let premiere = texte.lines().next().unwrap_or("");
    let separateur = if premiere.contains(';') { b';' } else { b',' };
    let mut lecteur = csv::ReaderBuilder::new()
        .delimiter(separateur)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(texte.as_bytes());
    let lues: Vec<String> = lecteur
        .headers()
        .map_err(|e| ErreurImport::new(nom, "", 1, format!("en-tête illisible ({e})")))?
        .iter()
        .map(normal)
        .collect();
    if lues != colonnes {
        return Err(ErreurImport::new(
            nom,
            "",
            1,
            format!("en-tête attendu : {}", colonnes.join(";")),
        ));
    }
    let mut out = Vec::new();
    for (i, ligne) in lecteur.records().enumerate() {
        let n = i as u32 + 2;
        let ligne =
            ligne.map_err(|e| ErreurImport::new(nom, "", n, format!("ligne illisible ({e})")))?;
        if ligne.iter().all(str::is_empty) {
            continue;
        }
        if ligne.len() != colonnes.len() {
            let message = format!("{} champs attendus, {} lus", colonnes.len(), ligne.len());
            return Err(ErreurImport::new(nom, "", n, message));
        }
        out.push((n, ligne.iter().map(str::to_owned).collect()));
    }
    Ok(out)
}

/// A date as `JJ/MM/AAAA` or `AAAA-MM-JJ`.
pub fn date(texte: &str) -> Result<NaiveDate, String> {
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
