//! Text documents laid out as A4 PDF (printpdf, with DejaVu Sans embedded so that every accent
//! prints): a title, then lines, bold or not, cut between words; each document on pages of its
//! own. The DASEN report and the bulletins are such documents.

use printpdf::{IndirectFontRef, Mm, PdfDocument, PdfLayerReference};
use std::io::Cursor;

const REGULAR: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../assets/DejaVuSans-Bold.ttf");
/// Characters per line between the margins, at 10 pt and for the 12 pt bold title (DejaVu
/// Sans is wide).
const LIGNE: usize = 88;
const LIGNE_TITRE: usize = 66;
const BAS: f32 = 20.0;

/// What a document says, gathered before it is laid out (and what a test reads back).
#[derive(Debug, Clone)]
pub struct Contenu {
    pub titre: String,
    pub blocs: Vec<Bloc>,
}

/// A piece of a document: a line (bold or not, cut between words), or a table.
#[derive(Debug, Clone)]
pub enum Bloc {
    Ligne(bool, String),
    Tableau(Tableau),
}

/// A table: its columns (header and width in mm, the widths summing to at most the 170 mm
/// between the margins) and its rows, each cell's text cut between words to its column. A row
/// never splits across pages; the header is repeated on the next page.
#[derive(Debug, Clone)]
pub struct Tableau {
    pub colonnes: Vec<(String, f32)>,
    pub lignes: Vec<Vec<String>>,
}

impl Contenu {
    /// A document of lines only.
    pub fn de_lignes(titre: String, lignes: Vec<(bool, String)>) -> Contenu {
        Contenu {
            titre,
            blocs: lignes.into_iter().map(|(g, t)| Bloc::Ligne(g, t)).collect(),
        }
    }
}

/// Lines of at most `largeur` characters, cut between words.
fn couper(text: &str, largeur: usize) -> Vec<String> {
    let mut out = vec![String::new()];
    for word in text.split(' ') {
        let last = out.last_mut().map(|l| l.chars().count()).unwrap_or(0);
        if last > 0 && last + 1 + word.chars().count() > largeur {
            out.push(String::new());
        }
        if let Some(l) = out.last_mut() {
            if !l.is_empty() {
                l.push(' ');
            }
            l.push_str(word);
        }
    }
    out
}

/// The width of `text` in DejaVu Sans at `taille` pt, in mm, from its glyphs' usual advance
/// (in em: capitals and digits are wider than the lower case); an estimate that errs wide, so
/// that a cell's text stays within its column.
fn largeur_mm(text: &str, taille: f32) -> f32 {
    let em: f32 = text
        .chars()
        .map(|c| match c {
            ' ' | '.' | ',' | ';' | ':' | '\'' | 'i' | 'l' | 'j' | 'I' | '!' => 0.34,
            'm' | 'w' | 'M' | 'W' | '—' => 0.95,
            c if c.is_uppercase() => 0.74,
            c if c.is_ascii_digit() => 0.64,
            _ => 0.61,
        })
        .sum();
    em * taille * 0.3528
}

/// Lines no wider than `largeur` mm at `taille` pt, cut between words, and after a hyphen
/// inside a word too wide for the column (`HISTOIRE-GEOGRAPHIE-EMC`); a word still wider stands
/// alone on its line.
fn couper_mm(text: &str, largeur: f32, taille: f32) -> Vec<String> {
    // Each piece with whether a space comes before it.
    let mut morceaux: Vec<(bool, &str)> = Vec::new();
    for word in text.split(' ') {
        if largeur_mm(word, taille) <= largeur || !word.contains('-') {
            morceaux.push((true, word));
            continue;
        }
        for (k, part) in word.split_inclusive('-').enumerate() {
            morceaux.push((k == 0, part));
        }
    }
    let mut out = vec![String::new()];
    for (espace, piece) in morceaux {
        if let Some(l) = out.last_mut() {
            let essai = match (l.is_empty(), espace) {
                (true, _) => piece.to_owned(),
                (false, true) => format!("{l} {piece}"),
                (false, false) => format!("{l}{piece}"),
            };
            if l.is_empty() || largeur_mm(&essai, taille) <= largeur {
                *l = essai;
                continue;
            }
        }
        out.push(piece.to_owned());
    }
    out
}

const GAUCHE: f32 = 20.0;
const HAUT: f32 = 277.0;
const TAILLE_TABLEAU: f32 = 8.5;

/// Where the writing is: the current page's layer and the height on it.
struct Plume<'a> {
    doc: &'a printpdf::PdfDocumentReference,
    layer: PdfLayerReference,
    y: f32,
}

impl Plume<'_> {
    /// Goes to a new page unless `hauteur` mm still fit on this one.
    fn place(&mut self, hauteur: f32) {
        if self.y - hauteur < BAS {
            let (p, l) = self.doc.add_page(Mm(210.0), Mm(297.0), "texte");
            self.layer = self.doc.get_page(p).get_layer(l);
            self.y = HAUT;
        }
    }

    fn ligne(&mut self, text: &str, font: &IndirectFontRef, size: f32) {
        self.place(size * 0.5);
        self.layer
            .use_text(text, size, Mm(GAUCHE), Mm(self.y), font);
        self.y -= size * 0.5;
    }

    /// A horizontal rule across `largeur` mm at the current height.
    fn trait_(&self, largeur: f32) {
        let points = vec![
            (printpdf::Point::new(Mm(GAUCHE), Mm(self.y)), false),
            (
                printpdf::Point::new(Mm(GAUCHE + largeur), Mm(self.y)),
                false,
            ),
        ];
        self.layer.set_outline_thickness(0.3);
        self.layer.add_line(printpdf::Line {
            points,
            is_closed: false,
        });
    }

    /// One row of a table: each cell's lines from the row's top, then a rule under it.
    fn rangee(
        &mut self,
        colonnes: &[(String, f32)],
        cellules: &[Vec<String>],
        font: &IndirectFontRef,
    ) {
        let interligne = TAILLE_TABLEAU * 0.42;
        let n = cellules.iter().map(Vec::len).max().unwrap_or(1).max(1);
        let mut x = GAUCHE;
        for ((_, largeur), lignes) in colonnes.iter().zip(cellules) {
            for (k, t) in lignes.iter().enumerate() {
                let y = self.y - interligne * (k as f32 + 1.0);
                self.layer
                    .use_text(t, TAILLE_TABLEAU, Mm(x + 1.0), Mm(y), font);
            }
            x += largeur;
        }
        self.y -= interligne * n as f32 + 1.5;
        self.trait_(colonnes.iter().map(|c| c.1).sum());
    }

    fn tableau(&mut self, t: &Tableau, regular: &IndirectFontRef, bold: &IndirectFontRef) {
        let couper_a = |text: &str, largeur: f32| couper_mm(text, largeur - 2.0, TAILLE_TABLEAU);
        let entete: Vec<Vec<String>> = (t.colonnes.iter()).map(|(h, l)| couper_a(h, *l)).collect();
        let hauteur = |cells: &[Vec<String>]| {
            cells.iter().map(Vec::len).max().unwrap_or(1) as f32 * TAILLE_TABLEAU * 0.42 + 1.5
        };
        let en_tete = |plume: &mut Plume<'_>| {
            plume.trait_(t.colonnes.iter().map(|c| c.1).sum());
            plume.rangee(&t.colonnes, &entete, bold);
        };
        self.place(hauteur(&entete) * 2.0);
        en_tete(self);
        for ligne in &t.lignes {
            let cells: Vec<Vec<String>> = (t.colonnes.iter().zip(ligne))
                .map(|((_, l), text)| couper_a(text, *l))
                .collect();
            if self.y - hauteur(&cells) < BAS {
                self.place(f32::MAX);
                en_tete(self);
            }
            self.rangee(&t.colonnes, &cells, regular);
        }
        self.y -= 5.0;
    }
}

/// One A4 PDF of `documents`, each beginning on a new page; the error in French words.
pub fn pdf(documents: &[Contenu]) -> Result<Vec<u8>, String> {
    let bad = |e: printpdf::Error| e.to_string();
    let titre = documents.first().map_or("", |c| c.titre.as_str());
    let (doc, page, layer) = PdfDocument::new(titre, Mm(210.0), Mm(297.0), "texte");
    let regular = doc.add_external_font(Cursor::new(REGULAR)).map_err(bad)?;
    let bold = doc.add_external_font(Cursor::new(BOLD)).map_err(bad)?;
    let mut plume = Plume {
        layer: doc.get_page(page).get_layer(layer),
        doc: &doc,
        y: HAUT,
    };
    for (i, c) in documents.iter().enumerate() {
        if i > 0 {
            plume.place(f32::MAX);
        }
        for t in couper(&c.titre, LIGNE_TITRE) {
            plume.ligne(&t, &bold, 12.0);
        }
        plume.y -= 4.0;
        for bloc in &c.blocs {
            match bloc {
                Bloc::Ligne(gras, text) => {
                    let font = if *gras { &bold } else { &regular };
                    for t in couper(text, LIGNE) {
                        plume.ligne(&t, font, 10.0);
                    }
                }
                Bloc::Tableau(t) => plume.tableau(t, &regular, &bold),
            }
        }
    }
    drop(plume);
    doc.save_to_bytes().map_err(bad)
}

#[cfg(test)]
mod tests {
    use super::{couper_mm, largeur_mm};

    #[test]
    fn a_cell_s_text_is_cut_to_its_column() {
        let cases: [(&str, f32, &[&str]); 5] = [
            ("Bon trimestre", 100.0, &["Bon trimestre"]),
            ("Bon trimestre", 15.0, &["Bon", "trimestre"]),
            (
                "HISTOIRE-GEOGRAPHIE-EMC — M. Nicolas",
                40.0,
                &["HISTOIRE-", "GEOGRAPHIE-EMC — M.", "Nicolas"],
            ),
            (
                "ANTICONSTITUTIONNELLEMENT",
                10.0,
                &["ANTICONSTITUTIONNELLEMENT"],
            ),
            ("", 10.0, &[""]),
        ];
        for (text, largeur, attendu) in cases {
            assert_eq!(
                couper_mm(text, largeur, 8.5),
                attendu,
                "{text} in {largeur} mm"
            );
        }
        // Each line but a lone word too wide fits.
        let texte =
            "Des résultats satisfaisants ; l'attention en classe est réelle. Continuez ainsi.";
        for l in couper_mm(texte, 40.0, 8.5).into_iter().chain(couper_mm(
            "HISTOIRE-GEOGRAPHIE-EMC — M. Nicolas",
            40.0,
            8.5,
        )) {
            assert!(largeur_mm(&l, 8.5) <= 40.0, "{l}");
        }
        assert!(largeur_mm("MMMM", 10.0) > largeur_mm("iiii", 10.0));
    }
}
