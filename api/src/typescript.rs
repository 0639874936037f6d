//! The TypeScript the UI compiles against, generated from the Rust types and the `commands!`
//! list: every view type, then one typed function per command, then the event names.
//! `api/tests/bindings.rs` fails when `ui/src/lib/ipc-types.ts` is not what this writes.

use crate::absences::{
    Billet, EtatJustification, JourSansCours, Justification, Moment, Motif, MoyenBillet, Reglages,
};
use crate::carnet::{CarnetView, CelluleView, DevoirView, LigneNotes, StatsView};
use crate::competences::{
    BilanView, ColonneCompetence, CompetencesView, ComposanteBilan, ComposanteChoix, ItemView,
    LigneCompetences, MatiereBilan, PositionnementView,
};
use crate::state::Seq;
use crate::statistiques::{CelluleStatistiques, LigneStatistiques, StatistiquesView};
use crate::vie_scolaire::{
    ATraiterView, AbsenceRecordView, AbsenteisteView, BureauView, DossierView, EleveEnSeance,
    ExclusionView, MoisView, NotificationView, ReferentielView, ResponsableView, RetardView,
};
use crate::views::{
    AbsenceView, AppelView, AvisView, ConflitView, EtablissementView, EtatSync, EtatSynchro,
    FaitView, HistoriqueView, LigneAppel, LigneAppreciation, ModifView, Modifications, Moi,
    PeriodeView, Progression, SeanceView, ServiceView, VersionView,
};
use crate::{
    AbsenceSaisie, DevoirSaisie, DispenseSaisie, ItemSaisie, JustificationSaisie, PreparationView,
    UiError, events,
};
use pupitre_domain::demi_journees::RegleDemiJournee;
use pupitre_domain::notifications::EtatEnvoi;
use pupitre_domain::{
    AppelEtat, ConseilEtat, EntityKind, Fait, Fonction, Garder, Issue, Mention, Presence,
};
use pupitre_replica::conseil::{
    ConseilLigne, ConseilView, EleveConseilView, MatiereConseilView, MatiereEleveView, MentionView,
    ProgressionView,
};
use pupitre_replica::error::{CodePoste, UiCode};
use pupitre_replica::vie_scolaire::BilanVieScolaire;
use pupitre_sync_protocol::wire::ErrorCode;
use ts_rs::TS;

const HEADER: &str = "// Generated from the Rust types and commands by api/src/typescript.rs. Do not edit:\n\
// run `UPDATE_BINDINGS=1 cargo test -p pupitre-api --test bindings`.\n\
// Only backend.ts may import this module's calls (it provides `call`).\n\n\
import { call } from \"./backend\";\n\n";

/// The whole generated module.
pub fn module() -> String {
    let mut out = String::from(HEADER);
    for decl in declarations() {
        out.push_str("export ");
        out.push_str(&decl);
        out.push_str("\n\n");
    }
    out.push_str(&commands());
    out.push_str(&format!(
        "\n/** The limits the domain sets (the central enforces them too). */\n\
         export const LIMITES = {{ appreciation: {}, appreciationGenerale: {}, avisOrientation: {}, motifReouverture: {}, titreDevoir: {}, collerLignes: {}, rapport: {}, commentaire: {} }} as const;\n",
        pupitre_domain::conseil::APPRECIATION_MAX_CHARS,
        pupitre_domain::conseil::APPRECIATION_GENERALE_MAX_CHARS,
        pupitre_domain::conseil::AVIS_ORIENTATION_MAX_CHARS,
        pupitre_domain::conseil::MOTIF_REOUVERTURE_MAX_CHARS,
        pupitre_domain::devoir::TITRE_MAX_CHARS,
        pupitre_replica::session::COLLER_MAX_LIGNES,
        pupitre_domain::absences::RAPPORT_MAX_CHARS,
        pupitre_domain::absences::COMMENTAIRE_MAX_CHARS,
    ));
    out.push_str(&format!(
        "\nexport const EVENEMENTS = {{ progression: {:?}, etatSynchro: {:?}, verrouillage: {:?} }} as const;\n",
        events::PROGRESSION,
        events::ETAT_SYNCHRO,
        events::VERROUILLAGE
    ));
    out
}

fn declarations() -> Vec<String> {
    let mut declarations = vec![
        Presence::decl(),
        Fait::decl(),
        Issue::decl(),
        Garder::decl(),
        FaitView::decl(),
        AvisView::decl(),
        HistoriqueView::decl(),
        AppelEtat::decl(),
        EtatSync::decl(),
        Fonction::decl(),
        EtablissementView::decl(),
        Moi::decl(),
        SeanceView::decl(),
        LigneAppel::decl(),
        AppelView::decl(),
        AbsenceView::decl(),
        ModifView::decl(),
        EntityKind::decl(),
        VersionView::decl(),
        ConflitView::decl(),
        Modifications::decl(),
        ConseilEtat::decl(),
        ServiceView::decl(),
        PeriodeView::decl(),
        LigneAppreciation::decl(),
        EtatSynchro::decl(),
        Progression::decl(),
        Seq::decl(),
        ErrorCode::decl(),
        CodePoste::decl(),
        UiCode::decl(),
        UiError::decl(),
        StatsView::decl(),
        DevoirView::decl(),
        CelluleView::decl(),
        LigneNotes::decl(),
        CarnetView::decl(),
        DevoirSaisie::decl(),
        ItemView::decl(),
        ColonneCompetence::decl(),
        PositionnementView::decl(),
        LigneCompetences::decl(),
        ComposanteChoix::decl(),
        CompetencesView::decl(),
        ComposanteBilan::decl(),
        MatiereBilan::decl(),
        BilanView::decl(),
        ItemSaisie::decl(),
        Moment::decl(),
        EtatJustification::decl(),
        MoyenBillet::decl(),
        Billet::decl(),
        Justification::decl(),
        Motif::decl(),
        RegleDemiJournee::decl(),
        JourSansCours::decl(),
        Reglages::decl(),
        ATraiterView::decl(),
        AbsenceRecordView::decl(),
        EleveEnSeance::decl(),
        RetardView::decl(),
        ExclusionView::decl(),
        MoisView::decl(),
        ResponsableView::decl(),
        DossierView::decl(),
        AbsenteisteView::decl(),
        BureauView::decl(),
        EtatEnvoi::decl(),
        NotificationView::decl(),
        ReferentielView::decl(),
        PreparationView::decl(),
    ];
    declarations.extend(conseil_declarations());
    declarations.extend(saisies_et_statistiques());
    declarations
}

/// The class council's view types.
fn conseil_declarations() -> Vec<String> {
    vec![
        Mention::decl(),
        BilanVieScolaire::decl(),
        MatiereConseilView::decl(),
        MatiereEleveView::decl(),
        EleveConseilView::decl(),
        MentionView::decl(),
        ProgressionView::decl(),
        ConseilLigne::decl(),
        ConseilView::decl(),
        pupitre_replica::session::LsuView::decl(),
    ]
}

fn saisies_et_statistiques() -> [String; 6] {
    [
        CelluleStatistiques::decl(),
        LigneStatistiques::decl(),
        StatistiquesView::decl(),
        AbsenceSaisie::decl(),
        JustificationSaisie::decl(),
        DispenseSaisie::decl(),
    ]
}

/// One line of TypeScript per command: `export const seancesDuJour = (date: string) =>
/// call<Array<SeanceView>>("seances_du_jour", { date });`. Tauri takes the arguments in
/// camelCase and hands them to the Rust command in snake_case.
fn command(name: &str, args: &[(&str, String)], returned: &str) -> String {
    let params: Vec<String> = args
        .iter()
        .map(|(arg, ty)| format!("{}: {ty}", camel(arg)))
        .collect();
    let keys: Vec<String> = args.iter().map(|(arg, _)| camel(arg)).collect();
    let payload = if keys.is_empty() {
        String::new()
    } else {
        format!(", {{ {} }}", keys.join(", "))
    };
    format!(
        "export const {} = ({}) =>\n  call<{returned}>({name:?}{payload});\n",
        camel(name),
        params.join(", ")
    )
}

macro_rules! typescript_commands {
    ($( $name:ident ( $($arg:ident : $ty:ty),* $(,)? ) -> $ret:ty ; )*) => {
        fn commands() -> String {
            let mut out = String::new();
            $(
                out.push_str(&command(
                    stringify!($name),
                    &[$((stringify!($arg), <$ty as TS>::name())),*],
                    &returned::<$ret>(),
                ));
            )*
            out
        }
    };
}
crate::commands!(typescript_commands);

/// What a command's promise holds: `()` (TypeScript's `null`) is `void` for the caller.
fn returned<T: TS>() -> String {
    match T::name() {
        unit if unit == <() as TS>::name() => "void".to_owned(),
        name => name,
    }
}

fn camel(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_becomes_one_typed_call() {
        assert_eq!(camel("seances_du_jour"), "seancesDuJour");
        assert_eq!(returned::<()>(), "void");
        assert_eq!(returned::<Option<String>>(), "string | null");
        assert_eq!(
            command("appel", &[("seance_id", "string".into())], "AppelView"),
            "export const appel = (seanceId: string) =>\n  call<AppelView>(\"appel\", { seanceId });\n"
        );
        assert_eq!(
            command("services", &[], "Array<ServiceView>"),
            "export const services = () =>\n  call<Array<ServiceView>>(\"services\");\n"
        );
    }
}
