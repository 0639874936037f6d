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
        // The subject's row of the table: teacher, her average, the class's min, average, max.
        &format!(
            "{} — {} {} {} {} {}",
            m.matiere,
            m.enseignant,
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
    // In the order written: a table's cells row by row.
    let out = Command::new("pdftotext")
        .arg("-raw")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils)");
    assert!(out.status.success());
    // Lines cut between words, or after a hyphen, read back as one text.
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .replace("-\n", "-")
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

/// The demo collège on a December day: its first term written by its people and every council
/// closed (`pupitre_fixtures::trimestre`). Every division's LSU export and bulletins come out of
/// the central's commands with nothing missing, and the command's file is the head's export.
#[test]
fn the_demo_s_first_term_comes_out_of_the_central_s_commands_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("central.sqlite");
    let db = Db::open(&path).expect("db");
    let decembre = NaiveDate::from_ymd_opt(2026, 12, 7).expect("date");
    let demo = pupitre_fixtures::generate(pupitre_fixtures::DEMO_SEED);
    let resume = pupitre_central::demo::import(&db, &demo, decembre).expect("the demo");
    let school = demo.school(decembre);
    assert!(resume.saisies > 50_000, "{} entries", resume.saisies);
    let mut ecole = pupitre_central::sorties::Ecole::lire(&db).expect("the head's view");
    let (mut bilans, mut xml_6a, mut textes) = (0, Vec::new(), String::new());
    for code in ecole.divisions() {
        let view = ecole.conseil(&code, PERIODE).expect("its council");
        assert_eq!(view.etat, ConseilEtat::Clos, "{code}");
        let lsu = ecole.lsu(&view).expect("export");
        assert!(lsu.manques.is_empty(), "{code}: {:?}", lsu.manques);
        assert_eq!(lsu.bilans, view.eleves.len(), "{code}");
        let fichier = dir.path().join(format!("{code}.xml"));
        std::fs::write(&fichier, &lsu.xml).expect("write");
        valide(&fichier).unwrap_or_else(|e| panic!("{code}'s LSU does not validate: {e}"));
        for e in &view.eleves {
            assert!(
                !e.appreciation.is_empty() && !e.matieres.is_empty(),
                "{code}"
            );
            // She who changed class in November had no devoir in her new one yet.
            let change = school
                .eleves
                .iter()
                .any(|x| x.id == e.eleve_id && !x.passages.is_empty());
            assert!(
                change || e.matieres.iter().all(|m| m.moyenne.is_some()),
                "{code}"
            );
            assert_eq!(!e.orientation.is_empty(), view.avec_orientation, "{code}");
        }
        textes.push_str(&String::from_utf8_lossy(&lsu.xml));
        bilans += lsu.bilans;
        if code == "6A" {
            xml_6a = lsu.xml;
        }
    }
    // 600 pupils: 6A's last one counts in 6A and in 6B, which she joined in November; 4B's
    // newcomer arrived with the second term.
    assert_eq!(bilans, 600);
    assert!(textes.contains("&apos;") || textes.contains("l'attention"));
    assert!(textes.contains("nom=\"CLÉMENT\"") || textes.contains("prenom=\"Zoé\""));
    assert!(
        textes.contains("date-conseil-classe=\"2026-11-"),
        "councils held in November"
    );
    drop(db);

    let central = pupitre_e2e::window::binary("pupitre-central");
    let run = |args: &[&str]| {
        let out = Command::new(&central)
            .arg(args[0])
            .arg("--db")
            .arg(&path)
            .args(&args[1..])
            .output()
            .expect("pupitre-central");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        (out.status.success(), stderr)
    };
    let sortie = dir.path().join("lsu-6A.xml");
    let sortie_arg = sortie.to_str().expect("path");
    let (ok, err) = run(&[
        "lsu",
        "--division",
        "6a",
        "--periode",
        "T1",
        "--out",
        sortie_arg,
        "--strict",
    ]);
    assert!(ok, "{err}");
    assert_eq!(
        std::fs::read(&sortie).expect("written"),
        xml_6a,
        "the head's file"
    );
    let dossier = dir.path().join("bulletins");
    let (ok, err) = run(&[
        "bulletins",
        "--division",
        "3A",
        "--periode",
        "1er trimestre",
        "--out",
        dossier.to_str().expect("path"),
    ]);
    assert!(ok, "{err}");
    let mut ecole =
        pupitre_central::sorties::Ecole::lire(&Db::open(&path).expect("db")).expect("view");
    let view = ecole.conseil("3A", PERIODE).expect("3A");
    let mut noms: Vec<String> = std::fs::read_dir(&dossier)
        .expect("the folder")
        .map(|f| f.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    noms.sort();
    assert_eq!(noms.len(), view.eleves.len() + 1, "{noms:?}");
    assert!(noms.contains(&"3A-T1.pdf".to_owned()), "{noms:?}");
    let e = &view.eleves[0];
    let sien = (noms.iter())
        .find(|n| n.ends_with(&format!("-{}.pdf", e.eleve_id)))
        .expect("her file");
    let texte = pdftotext(&dossier.join(sien));
    let ligne = &e.matieres[0];
    let m = (view.matieres.iter())
        .find(|m| m.service_id == ligne.service_id)
        .expect("subject");
    for attendu in [
        format!("{} {}", e.nom, e.prenom),
        format!("{} — {}", m.matiere, m.enseignant),
        format!(
            "{} — {} {}",
            m.matiere,
            m.enseignant,
            ligne.moyenne.as_deref().expect("average")
        ),
        ligne.appreciation.clone(),
        e.appreciation.clone(),
        e.orientation.clone(),
    ] {
        assert!(
            texte.contains(&attendu),
            "missing « {attendu} » in:\n{texte}"
        );
    }
    assert_eq!(
        pdftotext(&dossier.join("3A-T1.pdf"))
            .matches("Bulletin — 1er trimestre")
            .count(),
        view.eleves.len()
    );

    // What a script gets wrong, told in French; nothing written.
    let (ok, err) = run(&[
        "lsu",
        "--division",
        "9Z",
        "--periode",
        "T1",
        "--out",
        sortie_arg,
    ]);
    assert!(
        !ok && err.contains("la classe « 9Z » n'existe pas") && err.contains("6A"),
        "{err}"
    );
    let t2 = dir.path().join("lsu-T2.xml");
    let (ok, err) = run(&[
        "lsu",
        "--division",
        "6A",
        "--periode",
        "T2",
        "--out",
        t2.to_str().expect("path"),
    ]);
    assert!(
        !ok && err.contains("n'est pas clos") && err.contains("rien n'a été écrit"),
        "{err}"
    );
    assert!(!t2.exists());
    let (ok, err) = run(&[
        "lsu",
        "--division",
        "6A",
        "--periode",
        "T4",
        "--out",
        sortie_arg,
    ]);
    assert!(
        !ok && err.contains("la période « T4 » n'existe pas"),
        "{err}"
    );
    let out = Command::new(&central)
        .args(["bulletins", "--db"])
        .arg(dir.path().join("absente.sqlite"))
        .args(["--division", "6A", "--periode", "T1", "--out"])
        .arg(&dossier)
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("n'existe pas"));
    assert!(
        !dir.path().join("absente.sqlite").exists(),
        "no database created"
    );
}
