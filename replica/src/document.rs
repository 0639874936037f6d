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
    pub lignes: Vec<(bool, String)>,
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

/// One A4 PDF of `documents`, each beginning on a new page; the error in French words.
pub fn pdf(documents: &[Contenu]) -> Result<Vec<u8>, String> {
    let bad = |e: printpdf::Error| e.to_string();
    let titre = documents.first().map_or("", |c| c.titre.as_str());
    let (doc, page, layer) = PdfDocument::new(titre, Mm(210.0), Mm(297.0), "texte");
    let regular = doc.add_external_font(Cursor::new(REGULAR)).map_err(bad)?;
    let bold = doc.add_external_font(Cursor::new(BOLD)).map_err(bad)?;
    let mut layer: PdfLayerReference = doc.get_page(page).get_layer(layer);
    let mut y = 277.0;
    let write = |layer: &mut PdfLayerReference,
                 y: &mut f32,
                 text: &str,
                 font: &IndirectFontRef,
                 size: f32| {
        if *y < BAS {
            let (p, l) = doc.add_page(Mm(210.0), Mm(297.0), "texte");
            *layer = doc.get_page(p).get_layer(l);
            *y = 277.0;
        }
        layer.use_text(text, size, Mm(20.0), Mm(*y), font);
        *y -= size * 0.5;
    };
    for (i, c) in documents.iter().enumerate() {
        if i > 0 {
            // A new page for each document.
            y = BAS - 1.0;
        }
        for t in couper(&c.titre, LIGNE_TITRE) {
            write(&mut layer, &mut y, &t, &bold, 12.0);
        }
        y -= 4.0;
        for (gras, text) in &c.lignes {
            let font = if *gras { &bold } else { &regular };
            for t in couper(text, LIGNE) {
                write(&mut layer, &mut y, &t, font, 10.0);
            }
        }
    }
    doc.save_to_bytes().map_err(bad)
}
