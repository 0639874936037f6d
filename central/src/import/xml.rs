//! Reading a national export: its bytes decoded by the encoding it declares (encoding_rs), then
//! read by a streaming parser (quick-xml) into a small tree whose every element knows its line,
//! so that an error names the file, the element and the line.

use super::ErreurImport;
use encoding_rs::Encoding;
use quick_xml::events::Event;
use std::borrow::Cow;

/// An element: its name, attributes, text and children, and the line it opens on.
#[derive(Debug, Clone, Default)]
pub struct Noeud {
    pub nom: String,
    pub attributs: Vec<(String, String)>,
    pub texte: String,
    pub enfants: Vec<Noeud>,
    pub ligne: u32,
}

impl Noeud {
    /// The first child named `nom`.
    pub fn enfant(&self, nom: &str) -> Option<&Noeud> {
        self.enfants.iter().find(|n| n.nom == nom)
    }

    /// The children named `nom`.
    pub fn tous<'a>(&'a self, nom: &'a str) -> impl Iterator<Item = &'a Noeud> + 'a {
        self.enfants.iter().filter(move |n| n.nom == nom)
    }

    /// The element at `chemin` (names separated by `/`) under this one.
    pub fn chemin(&self, chemin: &str) -> Option<&Noeud> {
        chemin.split('/').try_fold(self, |n, nom| n.enfant(nom))
    }

    /// The trimmed text of the child `nom`, if it is there and not empty.
    pub fn texte_de(&self, nom: &str) -> Option<&str> {
        (self.enfant(nom).map(|n| n.texte.trim())).filter(|t| !t.is_empty())
    }

    /// The trimmed value of the attribute `nom`, if it is there and not empty.
    pub fn attribut(&self, nom: &str) -> Option<&str> {
        (self.attributs.iter())
            .find(|(k, _)| k == nom)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }
}

/// The encoding the XML declaration names (UTF-8 without one, as XML says).
fn declared(octets: &[u8]) -> Result<&'static Encoding, String> {
    let head = &octets[..octets.len().min(200)];
    let head: String = head.iter().map(|&b| b as char).collect();
    let Some(decl) = head
        .strip_prefix('\u{feff}')
        .unwrap_or(&head)
        .strip_prefix("<?xml")
    else {
        return Ok(encoding_rs::UTF_8);
    };
    let decl = decl.split("?>").next().unwrap_or_default();
    let Some(rest) = decl.split("encoding").nth(1) else {
        return Ok(encoding_rs::UTF_8);
    };
    let label: String = rest
        .trim_start_matches([' ', '='])
        .trim_start_matches(['"', '\''])
        .chars()
        .take_while(|c| !matches!(c, '"' | '\''))
        .collect();
    Encoding::for_label(label.trim().as_bytes())
        .ok_or_else(|| format!("l'encodage déclaré « {label} » est inconnu"))
}

fn ligne_de(octets: &[u8], position: usize) -> u32 {
    1 + octets[..position.min(octets.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count() as u32
}

/// The text of `octets` in the encoding it declares, or why not: a UTF-8 file that is not
/// UTF-8, and a file declaring a one-byte encoding (ISO-8859-15, Latin-1) whose accents are in
/// fact written in UTF-8 (each would read as two wrong letters).
fn decode<'a>(fichier: &str, octets: &'a [u8]) -> Result<Cow<'a, str>, ErreurImport> {
    let erreur = |ligne, message: String| ErreurImport::new(fichier, "", ligne, message);
    let encoding = declared(octets).map_err(|m| erreur(1, m))?;
    if encoding == encoding_rs::UTF_8 {
        return match std::str::from_utf8(octets) {
            Ok(text) => Ok(Cow::Borrowed(text.trim_start_matches('\u{feff}'))),
            Err(e) => Err(erreur(
                ligne_de(octets, e.valid_up_to()),
                "le fichier n'est pas en UTF-8 comme il le déclare (ou ne déclare rien) : \
                 réexportez-le, ou corrigez sa déclaration XML (encoding=\"ISO-8859-15\")"
                    .into(),
            )),
        };
    }
    if !octets.is_ascii()
        && let Ok(text) = std::str::from_utf8(octets)
        && let Some(i) = text.find(|c: char| !c.is_ascii())
    {
        return Err(erreur(
            ligne_de(octets, i),
            format!(
                "le fichier déclare l'encodage {} mais ses accents sont écrits en UTF-8 : \
                 réexportez-le depuis SIECLE / STS-Web sans le modifier, ou corrigez sa \
                 déclaration XML (encoding=\"UTF-8\")",
                encoding.name()
            ),
        ));
    }
    encoding
        .decode_without_bom_handling_and_without_replacement(octets)
        .ok_or_else(|| {
            erreur(
                1,
                format!(
                    "le fichier contient des octets impossibles en {}",
                    encoding.name()
                ),
            )
        })
}

/// Reads the whole document into its root element.
pub fn lire(fichier: &str, octets: &[u8]) -> Result<Noeud, ErreurImport> {
    let text = decode(fichier, octets)?;
    // Text is kept whole (a reference splits it into events); callers trim what they read.
    let mut reader = quick_xml::Reader::from_str(&text);
    let bytes = text.as_bytes();
    let mut pile: Vec<Noeud> = Vec::new();
    let mut racine: Option<Noeud> = None;
    let ouvert = |e: &quick_xml::events::BytesStart<'_>, ligne| -> Result<Noeud, String> {
        let mut n = Noeud {
            nom: e.name().into_inner().to_owned(),
            ligne,
            ..Noeud::default()
        };
        for a in e.attributes() {
            let a = a.map_err(|e| e.to_string())?;
            let value = (a.normalized_value(quick_xml::XmlVersion::Implicit1_0))
                .map_err(|e| e.to_string())?;
            n.attributs
                .push((a.key.into_inner().to_owned(), value.into_owned()));
        }
        Ok(n)
    };
    let mut lignes = Lignes::default();
    loop {
        let at = reader.buffer_position() as usize;
        let event = reader.read_event().map_err(|e| {
            let element = pile.last().map(|n| n.nom.as_str()).unwrap_or_default();
            ErreurImport::new(
                fichier,
                element,
                ligne_de(bytes, reader.error_position() as usize),
                format!("XML mal formé ({e})"),
            )
        })?;
        let ligne = lignes.a(bytes, at);
        let mal = |m: String| ErreurImport::new(fichier, "", ligne, m);
        match event {
            Event::Start(e) => pile.push(ouvert(&e, ligne).map_err(mal)?),
            Event::Empty(e) => {
                let n = ouvert(&e, ligne).map_err(mal)?;
                attacher(&mut pile, &mut racine, n);
            }
            Event::End(_) => {
                if let Some(n) = pile.pop() {
                    attacher(&mut pile, &mut racine, n);
                }
            }
            Event::Text(t) => {
                if let Some(n) = pile.last_mut() {
                    n.texte.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some(n) = pile.last_mut() {
                    n.texte.push_str(&t.into_inner());
                }
            }
            Event::GeneralRef(r) => {
                let c = entite(&r)
                    .ok_or_else(|| mal(format!("entité inconnue « &{}; »", r.xml10_content())))?;
                if let Some(n) = pile.last_mut() {
                    n.texte.push(c);
                }
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
    if let Some(n) = pile.last() {
        return Err(ErreurImport::new(
            fichier,
            &n.nom,
            n.ligne,
            "le fichier est tronqué : cet élément n'est jamais fermé ; réexportez le fichier \
             entier"
                .into(),
        ));
    }
    racine.ok_or_else(|| ErreurImport::new(fichier, "", 1, "le fichier est vide".into()))
}

/// Line numbers of positions that only move forward, counted once.
#[derive(Default)]
struct Lignes {
    position: usize,
    ligne: u32,
}

impl Lignes {
    fn a(&mut self, bytes: &[u8], position: usize) -> u32 {
        let position = position.min(bytes.len());
        if position < self.position {
            return ligne_de(bytes, position);
        }
        self.ligne += bytes[self.position..position]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u32;
        self.position = position;
        self.ligne + 1
    }
}

fn attacher(pile: &mut [Noeud], racine: &mut Option<Noeud>, n: Noeud) {
    match pile.last_mut() {
        Some(parent) => parent.enfants.push(n),
        None => *racine = Some(n),
    }
}

/// A character or predefined entity.
fn entite(r: &quick_xml::events::BytesRef<'_>) -> Option<char> {
    if r.is_char_ref() {
        return r.resolve_char_ref().ok().flatten();
    }
    match r.xml10_content().as_ref() {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "apos" => Some('\''),
        "quot" => Some('"'),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn latin9(text: &str) -> Vec<u8> {
        let (bytes, _, bad) = encoding_rs::ISO_8859_15.encode(text);
        assert!(!bad, "{text}");
        bytes.into_owned()
    }

    #[test]
    fn iso_8859_15_reads_its_own_letters() {
        let doc = "<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>\n<A><B X=\"Cœur\">Œuvre à 5 € &amp; &#233;té</B><C/></A>";
        let root = lire("f.xml", &latin9(doc)).expect("read");
        let b = root.enfant("B").expect("B");
        assert_eq!(b.texte, "Œuvre à 5 € & été");
        assert_eq!(b.attribut("X"), Some("Cœur"));
        assert_eq!(b.ligne, 2);
        assert!(root.enfant("C").is_some());
        // Latin-1 puts other characters at œ's, Œ's and €'s bytes.
        let as_latin1 = encoding_rs::WINDOWS_1252
            .decode(&latin9(doc))
            .0
            .into_owned();
        assert!(!as_latin1.contains('€'));
    }

    #[test]
    fn bad_files_say_where() {
        let cases: [(&[u8], u32, &str); 6] = [
            (
                b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<A>\n<B>\xe9t\xe9</B></A>",
                3,
                "UTF-8",
            ),
            (
                "<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>\n<A>\n\n<B>été</B></A>"
                    .as_bytes(),
                4,
                "UTF-8",
            ),
            (b"<A>\n<B>\n<C>x</C>\n", 2, "tronqu"),
            (b"<A>\n<B>x</C></A>", 2, "mal form"),
            (b"<A>&inconnue;</A>", 1, "entit"),
            (b"", 1, "vide"),
        ];
        for (bytes, ligne, says) in cases {
            let e = lire("ElevesSansAdresses.xml", bytes).expect_err("refused");
            assert_eq!(e.ligne, ligne, "{e}");
            assert!(e.to_string().contains(says), "{e}");
            assert!(e.to_string().contains("ElevesSansAdresses.xml"), "{e}");
        }
    }
}
