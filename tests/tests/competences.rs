//! Competencies end to end: a real central on a loopback port, the demo teacher on two PCs.
//! Items of the socle evaluated in a devoir on keys 1–4 and the codes; the positionnement
//! proposed from the period's evaluations and never stored, a typed one standing over it;
//! concurrent levels kept both; a deleted item evaluated offline refused with a reason; a
//! pupil's bilan in words and symbols.

use pupitre_domain::EntityKind;
use pupitre_e2e::{
    demo_central, first_service_and_period, one_conflict, teacher_pc, test_day, versions_of,
};
use pupitre_replica::Session;
use pupitre_replica::competences::CompetencesView;
use pupitre_replica::session::{DevoirSaisie, ItemSaisie};
use pupitre_replica::views::EtatSync;

fn item(libelle: &str, composante: &str) -> ItemSaisie {
    ItemSaisie {
        libelle: libelle.into(),
        composante: composante.into(),
    }
}

fn devoir(titre: &str, items: &[&str]) -> DevoirSaisie {
    DevoirSaisie {
        titre: titre.into(),
        date: test_day().to_string(),
        coefficient: "1".into(),
        bareme: "20".into(),
        compte: true,
        items: items.iter().map(|i| (*i).to_owned()).collect(),
    }
}

fn grid(pc: &Session, service: &str, periode: &str) -> CompetencesView {
    pc.competences(service, periode).expect("competencies")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn levels_positionnements_and_a_bilan_a_parent_reads() {
    let (dir, _db, central) = demo_central().await;
    let url = central.url();
    let salle = teacher_pc(dir.path(), &url, "salle-12").await;
    let (service, periode) = first_service_and_period(&salle);

    let rediger = salle
        .creer_item(&service, &item("Rédiger un texte cohérent", "CPD_FRA"))
        .expect("item");
    let organiser = salle
        .creer_item(&service, &item("Organiser son travail", "MET_APP"))
        .expect("item");
    for (bad, reason) in [
        (item(" ", "CPD_FRA"), "vide"),
        (item("Lire", "CPD_XXX"), "composante du socle inconnue"),
    ] {
        let err = salle.creer_item(&service, &bad).expect_err("refused");
        assert!(err.to_string().contains(reason), "{err}");
    }
    let err = salle
        .creer_devoir(&service, &devoir("DS", &["inconnue"]))
        .expect_err("unknown item");
    assert!(err.to_string().contains("inconnue"), "{err}");
    let ds1 = salle
        .creer_devoir(&service, &devoir("Rédaction", &[&rediger, &organiser]))
        .expect("devoir");
    let ds2 = salle
        .creer_devoir(&service, &devoir("Dictée", &[&rediger]))
        .expect("devoir");
    let g = grid(&salle, &service, &periode);
    assert_eq!(
        g.colonnes.len(),
        3,
        "two items in one devoir, one in the other"
    );
    let eleve = g.lignes[0].eleve_id.clone();

    // Levels and codes; bad ones refused on the spot.
    salle
        .saisir_evaluation(&service, &ds1, &rediger, &eleve, "2")
        .expect("level");
    salle
        .saisir_evaluation(&service, &ds2, &rediger, &eleve, "3")
        .expect("level");
    salle
        .saisir_evaluation(&service, &ds1, &organiser, &eleve, "abs")
        .expect("code");
    for (typed, reason) in [
        ("5", "ni un niveau"),
        ("a", "ni un niveau"),
        ("2,5", "ni un niveau"),
    ] {
        let err = salle
            .saisir_evaluation(&service, &ds1, &rediger, &eleve, typed)
            .expect_err("refused");
        assert!(err.to_string().contains(reason), "{typed}: {err}");
    }
    let err = salle
        .saisir_evaluation(&service, &ds2, &organiser, &eleve, "3")
        .expect_err("not evaluated in that devoir");
    assert!(err.to_string().contains("n'est pas évaluée"), "{err}");

    // Proposed from (2 + 3) / 2 = 2,5 → 3, never stored; a typed one stands over it.
    let pending = salle.etat().en_attente;
    let ligne = &grid(&salle, &service, &periode).lignes[0];
    assert_eq!(ligne.positionnement.propose.as_deref(), Some("3"));
    assert_eq!(ligne.positionnement.saisi, None);
    assert_eq!(
        ligne.positionnement.libelle.as_deref(),
        Some("Maîtrise satisfaisante")
    );
    assert_eq!(
        salle.etat().en_attente,
        pending,
        "a proposal writes nothing"
    );
    let err = salle
        .positionner(&service, &periode, &eleve, "abs")
        .expect_err("a level only");
    assert!(err.to_string().contains("de 1 à 4"), "{err}");
    salle
        .positionner(&service, &periode, &eleve, "2")
        .expect("typed");
    salle
        .saisir_evaluation(&service, &ds2, &rediger, &eleve, "4")
        .expect("a later level");
    let ligne = &grid(&salle, &service, &periode).lignes[0];
    assert_eq!(
        ligne.positionnement.saisi.as_deref(),
        Some("2"),
        "the proposal never overwrites it"
    );
    assert_eq!(ligne.positionnement.propose.as_deref(), Some("3"));
    salle.sync_once().await.expect("sync");
    let ligne = &grid(&salle, &service, &periode).lignes[0];
    assert_eq!(ligne.positionnement.sync, EtatSync::Acquitte);
    assert!(ligne.cellules.iter().all(|c| c.sync == EtatSync::Acquitte));

    // The bilan: each component in words and symbols; French from 2 and 4, methods absent only.
    let bilan = salle.bilan(&eleve, &periode).expect("bilan");
    let of = |code: &str| {
        bilan
            .composantes
            .iter()
            .find(|c| c.code == code)
            .expect("component")
            .clone()
    };
    let fra = of("CPD_FRA");
    assert_eq!(
        (fra.niveau, fra.mots.as_str(), fra.symbole.as_str()),
        (Some(3), "Maîtrise satisfaisante", "■■■□")
    );
    let met = of("MET_APP");
    assert_eq!(
        (met.niveau, met.mots.as_str(), met.symbole.as_str()),
        (None, "Non évaluée", "—")
    );
    assert_eq!(bilan.composantes.len(), 8);
    assert!(
        bilan
            .matieres
            .iter()
            .any(|m| m.niveau == Some(2) && !m.propose),
        "{:?}",
        bilan.matieres
    );
    central.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_levels_are_kept_and_a_deleted_item_takes_nothing_more() {
    let (dir, _db, central) = demo_central().await;
    let url = central.url();
    let salle = teacher_pc(dir.path(), &url, "salle-12").await;
    let maison = teacher_pc(dir.path(), &url, "portable").await;
    let (service, periode) = first_service_and_period(&salle);
    let lire = salle
        .creer_item(&service, &item("Lire à voix haute", "CPD_FRA"))
        .expect("item");
    let ecouter = salle
        .creer_item(&service, &item("Écouter", "CPD_FRA"))
        .expect("item");
    let ds = salle
        .creer_devoir(&service, &devoir("Oral", &[&lire, &ecouter]))
        .expect("devoir");
    salle.sync_once().await.expect("sync");
    maison.sync_once().await.expect("sync");
    let eleve = grid(&maison, &service, &periode).lignes[0].eleve_id.clone();

    // Offline on both: two levels for one cell; PC 2 also evaluates an item PC 1 deletes.
    salle
        .saisir_evaluation(&service, &ds, &lire, &eleve, "2")
        .expect("PC 1");
    maison
        .saisir_evaluation(&service, &ds, &lire, &eleve, "4")
        .expect("PC 2");
    maison
        .saisir_evaluation(&service, &ds, &ecouter, &eleve, "3")
        .expect("PC 2, offline");
    salle.supprimer_item(&service, &ecouter).expect("delete");
    salle.sync_once().await.expect("sync PC 1");
    maison.sync_once().await.expect("sync PC 2");
    salle.sync_once().await.expect("sync PC 1 again");

    for pc in [&salle, &maison] {
        let conflit = one_conflict(pc);
        assert_eq!(versions_of(&conflit), ["2", "4"]);
        assert!(
            conflit.quoi.contains("Lire à voix haute"),
            "{}",
            conflit.quoi
        );
        let g = grid(pc, &service, &periode);
        assert_eq!(
            g.colonnes.len(),
            1,
            "the deleted item is gone from the grid"
        );
        assert_eq!(g.lignes[0].cellules[0].sync, EtatSync::Conflit);
    }
    let refusees = maison.modifications().expect("lists").refusees;
    assert_eq!(refusees.len(), 1, "{refusees:?}");
    assert!(
        refusees[0]
            .motif
            .as_deref()
            .unwrap_or_default()
            .contains("supprimée"),
        "{refusees:?}"
    );
    let conflit = one_conflict(&salle);
    salle
        .resoudre_conflit(
            EntityKind::Evaluation,
            &conflit.entity_id,
            &conflit.champ,
            conflit.versions[1].seq,
        )
        .expect("choose 4");
    salle.sync_once().await.expect("send");
    maison.sync_once().await.expect("receive");
    for pc in [&salle, &maison] {
        assert!(pc.modifications().expect("lists").conflits.is_empty());
        let g = grid(pc, &service, &periode);
        assert_eq!(g.lignes[0].cellules[0].texte, "4");
        assert_eq!(g.lignes[0].positionnement.propose.as_deref(), Some("4"));
    }
    central.stop().await;
}
