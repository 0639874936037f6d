//! The LSU export and the bulletins of a class's period, end to end: a school imported from its national exports
//! (SIECLE and STS-Web, names with Œ and accents), its staff's accounts, a real central on a
//! loopback port; the professeur principal marks and writes, the head writes the general
//! appreciations and closes the council, then exports. The file validates with `xmllint` against
//! the ministry's schema; what is missing is listed in French and left out.

use chrono::NaiveDate;
use pupitre_central::Db;
use pupitre_domain::ConseilEtat;
use pupitre_e2e::{RunningCentral, login};
use pupitre_replica::session::DevoirSaisie;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fichier(nom: &str) -> (String, Vec<u8>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../central/tests/fichiers")
        .join(nom);
    (nom.to_owned(), std::fs::read(&path).expect("test file"))
}

fn schema() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../formats/lsun/import-complet-strict.xsd")
}

/// `xmllint --schema`'s verdict: `Ok` or its complaint.
fn valide(xml: &Path) -> Result<(), String> {
    let out = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(schema())
        .arg(xml)
        .output()
        .expect("xmllint (libxml2-utils, scripts/setup.sh --test)");
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// A school's first term, imported and written: its central, the professeur principal's and
/// the head's PCs, 6A's id and its three pupils, marked by the PP, two of them with the
/// council's general appreciation.
struct Trimestre {
    dir: tempfile::TempDir,
    central: RunningCentral,
    pp: std::sync::Arc<pupitre_replica::Session>,
    head: std::sync::Arc<pupitre_replica::Session>,
    division: String,
    eleves: Vec<String>,
}

const PERIODE: &str = "T1";

async fn premier_trimestre() -> Trimestre {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("central.sqlite");
    let db = Db::open(&path).expect("db");
    let mut files: Vec<_> = [
        "sts_emp_0670099U_2026.xml",
        "Nomenclature.xml",
        "ElevesSansAdresses.xml",
        "ResponsablesAvecAdresses.xml",
    ]
    .iter()
    .map(|n| fichier(n))
    .collect();
    files.push((
        "periodes.csv".into(),
        "Période;Libellé;Début;Fin\r\nT1;1er trimestre;01/09/2026;30/11/2026\r\nT2;2e trimestre;01/12/2026;28/02/2027\r\nT3;3e trimestre;01/03/2027;04/07/2027\r\n"
            .as_bytes()
            .to_vec(),
    ));
    let rentree = NaiveDate::from_ymd_opt(2026, 9, 1).expect("date");
    pupitre_central::import::importer(&db, &files, None, rentree).expect("the year");
    let comptes = pupitre_central::comptes::creer_manquants(&db, &dir.path().join("comptes.csv"))
        .expect("accounts");
    drop(db);
    let password = |id: &str| {
        let c = comptes
            .iter()
            .find(|c| c.personnel_id == id)
            .expect("account");
        (c.login.clone(), c.mot_de_passe.clone())
    };
    let central = RunningCentral::start(&path, "127.0.0.1:0".parse().expect("addr")).await;
    let url = central.url();
    // 101 (ŒTTINGER Cœlestine) teaches 6A French and is its professeur principal; 105 the head.
    let (l, p) = password("101");
    let pp = login(&dir.path().join("pp"), &url, &l, &p)
        .await
        .expect("PP");
    let (l, p) = password("105");
    let head = login(&dir.path().join("direction"), &url, &l, &p)
        .await
        .expect("head");
    let periode = PERIODE;
    let conseils = head.conseils(periode).expect("councils");
    let division = conseils
        .iter()
        .find(|c| c.division == "6A")
        .expect("6A")
        .division_id
        .clone();
    let service = pp.services().expect("services")[0].id.clone();
    let devoir = pp
        .creer_devoir(
            &service,
            &DevoirSaisie {
                titre: "Rédaction".into(),
                date: "2026-10-05".into(),
                coefficient: "1".into(),
                bareme: "20".into(),
                compte: true,
                items: Vec::new(),
            },
        )
        .expect("devoir");
    let page = pp.conseil(periode, &division).expect("her council");
    let eleves: Vec<String> = page.eleves.iter().map(|e| e.eleve_id.clone()).collect();
    assert_eq!(eleves.len(), 3, "6A's three pupils");
    for (e, note) in eleves.iter().zip(["14", "8,5", "11"]) {
        pp.saisir_note(&service, &devoir, e, note).expect("mark");
        pp.ecrire_appreciation(
            &service,
            periode,
            e,
            "L'élève s'implique ; « bon » travail & progrès à l'oral.",
        )
        .expect("appreciation");
    }
    pp.sync_once().await.expect("sync");
    head.sync_once().await.expect("sync");
    // The general appreciation of two pupils; the third has none yet.
    for e in &eleves[..2] {
        head.ecrire_decision(
            periode,
            &division,
            e,
            "appreciation",
            "Trimestre sérieux : c'est l'« esprit » attendu, continuez !",
        )
        .expect("general appreciation");
    }
    Trimestre {
        dir,
        central,
        pp,
        head,
        division,
        eleves,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_council_s_lsu_export_validates_against_the_national_schema() {
    let Trimestre {
        dir,
        central,
        pp,
        head,
        division,
        ..
    } = premier_trimestre().await;
    let periode = PERIODE;
    // Not closed: nothing to export, and the reason.
    let sortie = dir.path().join("lsu-6A-T1.xml");
    let avant = head
        .exporter_lsu(periode, &division, Some(sortie.to_str().expect("path")))
        .expect("checked");
    assert_eq!((avant.bilans, avant.ecrit), (0, false));
    assert!(
        avant.manques[0].contains("n'est pas clos"),
        "{:?}",
        avant.manques
    );
    assert!(!sortie.exists(), "no file written");

    head.changer_conseil(periode, &division, ConseilEtat::Clos)
        .expect("close");
    let lsu = head
        .exporter_lsu(periode, &division, Some(sortie.to_str().expect("path")))
        .expect("export");
    assert_eq!((lsu.bilans, lsu.ecrit), (2, true), "{:?}", lsu.manques);
    let manques = lsu.manques.join("\n");
    assert!(manques.contains("pas d'appréciation générale"), "{manques}");
    // 6A's maths (FAURÉ) has neither appreciation nor positionnement for the exported pupils.
    assert!(
        manques.contains("ni appréciation ni positionnement"),
        "{manques}"
    );
    valide(&sortie).unwrap_or_else(|e| panic!("the LSU export does not validate: {e}"));
    let xml = std::fs::read_to_string(&sortie).expect("the file");
    assert!(xml.contains("schemaVersion=\"7.0\""));
    assert!(xml.contains("<etablissement>0670099U</etablissement>"));
    assert!(xml.contains("moyenne-eleve=\"14,00\""), "{xml}");
    assert!(xml.contains("L&apos;élève s&apos;implique") || xml.contains("L'élève s'implique"));
    assert!(xml.contains("&amp; progrès"));
    assert!(
        xml.contains("Œ") || xml.contains("œ") || xml.contains("É"),
        "accents kept"
    );
    assert_eq!(xml.matches("<bilan-periodique ").count(), 2);

    // The checker is not a rubber stamp: the schema refuses a file that misses a required part.
    let tronque = dir.path().join("tronque.xml");
    std::fs::write(
        &tronque,
        xml.replacen("<acquis-conseils>", "<devoirs-faits>", 1)
            .replacen("</acquis-conseils>", "</devoirs-faits>", 1),
    )
    .expect("write");
    assert!(
        valide(&tronque).is_err(),
        "xmllint accepted an invalid file"
    );

    // The export is the head's.
    let err = pp
        .exporter_lsu(periode, &division, None)
        .expect_err("not the PP's");
    assert!(err.to_string().contains("direction"), "{err}");
    central.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_class_s_bulletins_and_table_show_what_the_council_page_shows() {
    let Trimestre {
        dir,
        central,
        pp,
        head,
        division,
        eleves,
    } = premier_trimestre().await;
    head.changer_conseil(PERIODE, &division, ConseilEtat::Clos)
        .expect("close");
    head.ecrire_decision(PERIODE, &division, &eleves[0], "mention", "felicitations")
        .expect_err("closed: the mention comes before the close");
    let page = head.conseil(PERIODE, &division).expect("page");
    // The class's batch: one bulletin per pupil, each from a new page.
    let lot = dir.path().join("bulletins-6A.pdf");
    let n = head
        .exporter_bulletins(PERIODE, &division, None, lot.to_str().expect("path"))
        .expect("batch");
    assert_eq!(n, 3);
    let texte = pdftotext(&lot);
    for e in &page.eleves {
        assert!(
            texte.contains(&format!("{} {}", e.nom, e.prenom)),
            "{texte}"
        );
    }
    assert_eq!(
        texte.matches("Bulletin — 1er trimestre").count(),
        3,
        "{texte}"
    );
    assert!(
        pdfinfo_pages(&lot) >= 3,
        "each bulletin on pages of its own"
    );
    // One pupil's: her values as the page has them, accents and apostrophes printed.
    let e = &page.eleves[0];
    let seul = dir.path().join("bulletin.pdf");
    head.exporter_bulletins(
        PERIODE,
        &division,
        Some(&e.eleve_id),
        seul.to_str().expect("path"),
    )
    .expect("one");
    let texte = pdftotext(&seul);
    let ligne = e
        .matieres
        .iter()
        .find(|l| l.moyenne.is_some())
        .expect("a mark");
    let m = page
        .matieres
        .iter()
        .find(|m| m.service_id == ligne.service_id)
        .expect("subject");
    let classe = m.classe.as_ref().expect("class statistics");
    for attendu in [
        page.etablissement.as_str(),
        &format!("{} — {}", m.matiere, m.enseignant),
        &format!(
            "Moyenne {} · classe : min {} · moy {} · max {}",
            ligne.moyenne.as_deref().expect("average"),
            classe.min,
            classe.moyenne,
            classe.max
        ),
        "L'élève s'implique ; « bon » travail & progrès à l'oral.",
        "Trimestre sérieux : c'est l'« esprit » attendu, continuez !",
        "0 demi-journée(s) d'absence justifiée(s), 0 non justifiée(s), 0 retard(s).",
    ] {
        assert!(
            texte.contains(attendu),
            "missing « {attendu} » in:\n{texte}"
        );
    }
    assert!(!texte.contains(&page.eleves[1].nom) || page.eleves[1].nom == e.nom);
    // A picture of it for a person to look at.
    let png = pupitre_e2e::window::target_dir().join("screenshots");
    std::fs::create_dir_all(&png).expect("screenshots dir");
    let status = Command::new("pdftoppm")
        .args(["-png", "-r", "80", "-singlefile"])
        .arg(&seul)
        .arg(png.join("bulletin"))
        .status()
        .expect("pdftoppm (poppler-utils)");
    assert!(status.success());
    // The council's table for a spreadsheet: a pupil per line, the class's averages last.
    let csv = dir.path().join("conseil.csv");
    head.exporter_conseil_csv(PERIODE, &division, csv.to_str().expect("path"))
        .expect("csv");
    let table = std::fs::read_to_string(&csv).expect("csv");
    let lignes: Vec<&str> = table.lines().collect();
    assert!(lignes[0].starts_with("\u{feff}Élève;"), "{}", lignes[0]);
    assert!(lignes[0].contains(&m.matiere), "{}", lignes[0]);
    assert_eq!(lignes.len(), 1 + page.eleves.len() + 1, "{table}");
    let sa_ligne = (lignes.iter())
        .find(|l| l.starts_with(&format!("{} {};", e.nom, e.prenom)))
        .expect("her line");
    assert!(
        sa_ligne.contains(ligne.moyenne.as_deref().expect("average")),
        "{sa_ligne}"
    );
    assert!(lignes[lignes.len() - 1].starts_with("Moyenne de la classe;"));
    assert!(lignes[lignes.len() - 1].contains(&classe.moyenne));
    // The PP prints her class's too; a path not chosen in the dialog is refused.
    let again = dir.path().join("pp.pdf");
    assert_eq!(
        pp.exporter_bulletins(PERIODE, &division, None, again.to_str().expect("path"))
            .expect("the PP's"),
        3
    );
    let err = head
        .exporter_bulletins(PERIODE, &division, None, "relatif.pdf")
        .expect_err("a relative path");
    assert!(err.to_string().contains("emplacement complet"), "{err}");
    central.stop().await;
}

fn pdftotext(pdf: &Path) -> String {
    let out = Command::new("pdftotext")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils)");
    assert!(out.status.success());
    // Lines cut between words read back as one text.
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn pdfinfo_pages(pdf: &Path) -> usize {
    let out = Command::new("pdfinfo").arg(pdf).output().expect("pdfinfo");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| {
            l.strip_prefix("Pages:")
                .map(|n| n.trim().parse().unwrap_or(0))
        })
        .unwrap_or(0)
}
