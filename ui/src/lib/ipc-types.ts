// Generated from the Rust types and commands by api/src/typescript.rs. Do not edit:
// run `UPDATE_BINDINGS=1 cargo test -p pupitre-api --test bindings`.
// Only backend.ts may import this module's calls (it provides `call`).

import { call } from "./backend";

export type Presence = { "statut": "present" } | { "statut": "absent" } | { "statut": "retard", arrivee: string, } | { "statut": "dispense" } | { "statut": "exclu" } | { "statut": "infirmerie" };

export type Fait = { "fait": "aucun" } | { "fait": "retard", arrivee: string, } | { "fait": "infirmerie" } | { "fait": "depart" } | { "fait": "dispense" } | { "fait": "exclusion" };

export type Issue = "retenue" | "combinee" | "non_retenue" | "a_verifier";

export type Garder = "observation" | "fait";

export type FaitView = { fait: Fait, 
/**
 * e.g. `Infirmerie`, `Retard (arrivée 08:20)`.
 */
libelle: string, 
/**
 * e.g. `M. Roux (CPE)`.
 */
auteur: string, 
/**
 * Local time it was noted, `HH:MM`.
 */
heure: string, };

export type AvisView = { 
/**
 * e.g. « Votre saisie Absent pour BERNARD Yanis (6A, 10:10) n'a pas été retenue : ... »
 */
message: string, issue: Issue, 
/**
 * The record, to open its history.
 */
kind: EntityKind, entity_id: string, champ: string, };

export type HistoriqueView = { 
/**
 * Its place in the central's log (what orders the history of several fields).
 */
seq: number, 
/**
 * Which field: `statut` (the teacher's mark), `fait` (the vie scolaire's), ...
 */
champ: string, auteur: string, valeur: string, 
/**
 * `dd/mm/yyyy HH:MM`, by the central's clock.
 */
recu: string, 
/**
 * When the PC says it was written (its clock), `dd/mm/yyyy HH:MM`.
 */
ecrit: string, 
/**
 * Ecart between the two above one may warn about (more than 5 minutes).
 */
horloge_decalee: boolean, 
/**
 * e.g. `ce poste` or `poste 3f2a9c`.
 */
poste: string, 
/**
 * What the central did with it in its own field: `enregistrée`, `non retenue`, `en conflit`
 * (a mark combined with a fact is still "enregistrée": the notice says what is seen).
 */
effet: string, };

export type AppelEtat = "non_fait" | "en_cours" | "fait";

export type EtatSync = "aucun" | "local" | "envoye" | "acquitte" | "conflit";

export type Fonction = "enseignant" | "cpe" | "direction" | "administrateur";

export type EtablissementView = { 
/**
 * What the login names: `None` for the central's first school (a PC's usual one).
 */
uai: string | null, 
/**
 * Its name, or its UAI when known only from this PC's replicas (offline).
 */
nom: string, };

export type Moi = { id: string, civilite: string, nom: string, prenom: string, fonction: Fonction, etablissement: string, 
/**
 * False when the login was checked offline against this PC's replica.
 */
en_ligne: boolean, 
/**
 * What the login did that the user must know (their old replica set aside), if anything.
 */
avis: string | null, };

export type SeanceView = { id: string, date: string, debut: string, fin: string, salle: string, matiere: string, 
/**
 * The division or group code, e.g. `5A` or `5ESP`.
 */
cible: string, enseignant: string, appel: AppelEtat, nb_eleves: number, nb_absents: number, nb_retards: number, sync: EtatSync, 
/**
 * Taught by a substitute (`enseignant` names her).
 */
remplacement: boolean, };

export type LigneAppel = { eleve_id: string, nom: string, prenom: string, division: string, 
/**
 * The teacher's observation (what she edits).
 */
presence: Presence, 
/**
 * Whether a mark was written for this row (untouched: present by default).
 */
marque: boolean, 
/**
 * What the vie scolaire knows of the pupil in this séance, if anything.
 */
fait: FaitView | null, 
/**
 * What the CPE and the families see: the two combined (`pupitre_domain::combiner`).
 */
vu: Presence, issue: Issue, sync: EtatSync, 
/**
 * What the school already knows before the teacher starts: a dispense, an absence the vie
 * scolaire recorded (the family warned), an absence at the previous séance of the day.
 */
signalements: Array<string>, 
/**
 * The mark those suggest, shown as such; written as hers only when she validates the roll
 * call without touching the row.
 */
proposition: Presence | null, };

export type AppelView = { seance: SeanceView, eleves: Array<LigneAppel>, };

export type AbsenceView = { eleve: string, eleve_id: string, division: string, 
/**
 * The division's level (`6EME`…), for the desk's filter.
 */
niveau: string, seance_id: string, debut: string, fin: string, matiere: string, enseignant: string, 
/**
 * The teacher's observation (None: roll call not taken for this pupil).
 */
observation: Presence | null, fait: FaitView | null, 
/**
 * What the CPE and the families see.
 */
presence: Presence, 
/**
 * `a_verifier`: the two sources contradict each other; the CPE settles it.
 */
issue: Issue, sync: EtatSync, };

export type ModifView = { client_seq: number, 
/**
 * e.g. `lun. 23/11 08:00 · 6B · FRANCAIS`.
 */
seance: string, eleve: string | null, 
/**
 * e.g. `Absent`, `Retard 08:12`, `Appel validé`.
 */
valeur: string, 
/**
 * Pending changes: `local` or `envoye`; refused ones: `aucun`.
 */
etat: EtatSync, 
/**
 * Why the central refused it, in French.
 */
motif: string | null, };

export type EntityKind = "appel" | "presence" | "conseil" | "appreciation" | "devoir" | "note" | "item" | "evaluation" | "positionnement" | "absence" | "dispense" | "reglages" | "notification" | "decision";

export type VersionView = { 
/**
 * The version's server sequence: what a resolution names.
 */
seq: number, valeur: string, auteur: string, 
/**
 * Local date and time of the edit, `dd/mm/yyyy HH:MM`.
 */
quand: string, en_vigueur: boolean, };

export type ConflitView = { kind: EntityKind, entity_id: string, champ: string, 
/**
 * e.g. `Appréciation · 1er trimestre · 6A · Français`.
 */
quoi: string, eleve: string | null, 
/**
 * The value in force first, then the others, oldest first.
 */
versions: Array<VersionView>, 
/**
 * A choice was made here and waits for the central.
 */
en_cours: boolean, 
/**
 * Whether the person logged in may choose (the one who may write the record).
 */
peut_resoudre: boolean, };

export type Modifications = { en_attente: Array<ModifView>, refusees: Array<ModifView>, conflits: Array<ConflitView>, 
/**
 * What became of this person's entries that did not simply apply.
 */
avis: Array<AvisView>, };

export type ConseilEtat = "preparation" | "en_seance" | "clos";

export type ServiceView = { id: string, 
/**
 * The division or group code, e.g. `6A` or `5ESP`.
 */
cible: string, matiere: string, };

export type PeriodeView = { id: string, libelle: string, debut: string, fin: string, };

export type LigneAppreciation = { eleve_id: string, nom: string, prenom: string, division: string, texte: string, 
/**
 * The council of the pupil's division for the period, as far as this PC knows.
 */
conseil: ConseilEtat, 
/**
 * Locked by that council (`ConseilEtat::verrouille`): shown, not editable.
 */
verrouillee: boolean, sync: EtatSync, 
/**
 * Beside the text: her average in the subject for the period, and how often she was
 * marked absent or late in its lessons then (what this PC holds).
 */
moyenne: string | null, absences: number, retards: number, };

export type EtatSynchro = { en_ligne: boolean, 
/**
 * Changes saved here and not yet acknowledged (never sent or sent without answer).
 */
en_attente: number, envoyees: number, refusees: number, 
/**
 * Fields whose versions wait for a person's choice.
 */
conflits: number, 
/**
 * Local time of the last successful sync, `HH:MM:SS`.
 */
derniere_synchro: string | null, erreur: UiError | null, 
/**
 * This PC's clock is off (the central measured it): what to tell the person.
 */
horloge: string | null, };

export type Progression = { etape: string, fait: number, total: number, };

export type Seq = number;

export type ErrorCode = "session" | "identifiants" | "requete_invalide" | "poste" | "trop_de_modifications" | "mise_a_jour_necessaire" | "central_trop_ancien" | "journal_change" | "epoque_inconnue" | "interne" | "jeton_expire" | "compte_desactive" | "trop_de_tentatives" | "enveloppe" | "etablissement_inconnu" | "import_refuse" | "surcharge" | "autre";

export type CodePoste = "stockage" | "fichier_etranger" | "fichier_autre_compte" | "version_plus_recente" | "hors_ligne" | "reponse_illisible" | "erreur_central" | "premiere_connexion_hors_ligne" | "saisie_invalide" | "verrouillee" | "hors_ligne_trop_longtemps";

export type UiCode = CodePoste | ErrorCode;

export type UiError = { code: UiCode, message: string, };

export type StatsView = { min: string, max: string, moyenne: string, };

export type DevoirView = { id: string, titre: string, 
/**
 * `YYYY-MM-DD`, and as shown: `05/10`.
 */
date: string, date_affichee: string, 
/**
 * As a teacher writes them: `1`, `0,5`, `20`.
 */
coefficient: string, bareme: string, compte: boolean, 
/**
 * The competency items it evaluates.
 */
items: Array<string>, sync: EtatSync, 
/**
 * The class's minimum, maximum and average mark, in the devoir's points.
 */
stats: StatsView | null, };

export type CelluleView = { 
/**
 * As typed back: `12,5`, `ABS`; empty for no mark.
 */
texte: string, sync: EtatSync, 
/**
 * False outside the pupil's dates (arrived later, left): no mark to give.
 */
saisissable: boolean, };

export type LigneNotes = { eleve_id: string, nom: string, prenom: string, division: string, 
/**
 * "Arrivée le 01/12", "Partie le 16/10": why some cells take no mark.
 */
remarque: string | null, cellules: Array<CelluleView>, 
/**
 * The period's subject average, out of 20; `None` shows "—".
 */
moyenne: string | null, };

export type CarnetView = { service_id: string, cible: string, matiere: string, periode_id: string, 
/**
 * Some council of the service's divisions is closed for the period: nothing can change.
 */
verrouille: boolean, devoirs: Array<DevoirView>, lignes: Array<LigneNotes>, 
/**
 * Minimum, maximum and average of the pupils' averages.
 */
classe: StatsView | null, regle: string, };

export type DevoirSaisie = { titre: string, 
/**
 * `YYYY-MM-DD`; the period is the one it falls in.
 */
date: string, coefficient: string, bareme: string, compte: boolean, 
/**
 * The competency items it evaluates (ids of the service's items).
 */
items: Array<string>, };

export type ItemView = { id: string, libelle: string, 
/**
 * The LSU code of its component, and the component in words.
 */
composante: string, composante_libelle: string, sync: EtatSync, };

export type ColonneCompetence = { devoir_id: string, devoir: string, date_affichee: string, item_id: string, item: string, };

export type PositionnementView = { 
/**
 * What the teacher typed, `1`–`4`.
 */
saisi: string | null, 
/**
 * What the period's evaluations suggest (shown when nothing is typed; never stored).
 */
propose: string | null, 
/**
 * The level shown (typed, else proposed), in words.
 */
libelle: string | null, sync: EtatSync, };

export type LigneCompetences = { eleve_id: string, nom: string, prenom: string, division: string, remarque: string | null, cellules: Array<CelluleView>, positionnement: PositionnementView, };

export type ComposanteChoix = { code: string, libelle: string, };

export type CompetencesView = { service_id: string, cible: string, matiere: string, periode_id: string, verrouille: boolean, items: Array<ItemView>, colonnes: Array<ColonneCompetence>, lignes: Array<LigneCompetences>, composantes: Array<ComposanteChoix>, regle: string, };

export type ComposanteBilan = { code: string, libelle: string, 
/**
 * `1`–`4`, `None`: not evaluated this period.
 */
niveau: number | null, 
/**
 * In words ("Maîtrise satisfaisante", "Non évaluée") and in filled squares ("■■■□"): both
 * read in black and white.
 */
mots: string, symbole: string, evaluations: number, };

export type MatiereBilan = { matiere: string, niveau: number | null, mots: string, 
/**
 * Typed by the teacher, or only proposed.
 */
propose: boolean, };

export type BilanView = { eleve_id: string, nom: string, prenom: string, division: string, periode_id: string, composantes: Array<ComposanteBilan>, matieres: Array<MatiereBilan>, regle: string, };

export type ItemSaisie = { libelle: string, 
/**
 * The LSU code of its component (`CPD_FRA`, …).
 */
composante: string, };

export type Moment = { date: string, heure: string, };

export type EtatJustification = "non_justifiee" | "justifiee" | "non_recevable";

export type MoyenBillet = "carnet" | "courrier" | "telephone" | "mail";

export type Billet = { date: string, moyen: MoyenBillet, };

export type Justification = { etat: EtatJustification, 
/**
 * A code of the settings' motifs; required to justify.
 */
motif: string | null, billet: Billet | null, 
/**
 * Administrative words only, never beside a health motif.
 */
commentaire: string | null, };

export type Motif = { code: string, libelle: string, legitime: boolean, sante: boolean, 
/**
 * A motif no longer offered; the absences that use it keep it.
 */
actif: boolean, };

export type RegleDemiJournee = "une_seance" | "toutes";

export type JourSansCours = { date: string, libelle: string, };

export type Reglages = { 
/**
 * The cut between morning and afternoon.
 */
coupure: string, regle: RegleDemiJournee, 
/**
 * Minutes after a séance's start before its missing roll call is listed.
 */
delai_appel: number, 
/**
 * The time of day after which a still unjustified absence is told to the family.
 */
heure_notification: string, motifs: Array<Motif>, 
/**
 * Days the school declared off after the timetable was set (a closure, a strike, a day
 * of training): their séances did not take place, so no roll call is missing and nothing
 * is counted.
 */
jours_sans_cours: Array<JourSansCours>, 
/**
 * Minutes without a gesture before a session locks on its PC (a classroom PC left on).
 */
verrouillage_minutes: number, 
/**
 * Days a replica may still be unlocked offline after its owner's last online login; past
 * them, an account disabled or a password changed at the central would go unnoticed.
 */
grace_hors_ligne_jours: number, 
/**
 * Days the vie scolaire's details (roll calls, absences, dispenses, notifications) are
 * kept after the school year's last period ends; then the central erases them, and every
 * PC with it (`conservation`).
 */
conservation_vie_scolaire_jours: number, };

export type ATraiterView = { eleve_id: string, eleve: string, division: string, debut: Moment, fin: Moment, 
/**
 * e.g. "30/11 08:00 Français, 30/11 09:00 Mathématiques".
 */
seances: string, nb_seances: number, };

export type AbsenceRecordView = { id: string, eleve_id: string, eleve: string, division: string, debut: Moment, fin: Moment, prevenu: boolean, etat: EtatJustification, justification: Justification | null, 
/**
 * e.g. "Justifiée (Réunion solennelle de famille, courrier du 30/11)".
 */
libelle: string, sync: EtatSync, };

export type EleveEnSeance = { seance_id: string, eleve_id: string, eleve: string, division: string, date: string, debut: string, matiere: string, };

export type RetardView = { 
/**
 * The arrival time, as the roll call or the billet says.
 */
arrivee: string, etat: EtatJustification, libelle: string, seance_id: string, eleve_id: string, eleve: string, division: string, date: string, debut: string, matiere: string, };

export type ExclusionView = { rapport: string | null, seance_id: string, eleve_id: string, eleve: string, division: string, date: string, debut: string, matiere: string, };

export type MoisView = { 
/**
 * "2026-11".
 */
mois: string, justifiees: number, injustifiees: number, 
/**
 * The L131-8 threshold reached.
 */
absenteisme: boolean, };

export type ResponsableView = { 
/**
 * "Mme Hélène DUPONT (Mère)".
 */
nom: string, telephone: string | null, mail: string | null, };

export type DossierView = { eleve_id: string, eleve: string, division: string, a_traiter: Array<ATraiterView>, absences: Array<AbsenceRecordView>, retards: Array<RetardView>, exclusions: Array<ExclusionView>, dispenses: Array<string>, mois: Array<MoisView>, 
/**
 * Her legal guardians and how to reach them (the vie scolaire's replicas only).
 */
responsables: Array<ResponsableView>, };

export type AbsenteisteView = { eleve_id: string, eleve: string, division: string, justifiees: number, injustifiees: number, };

export type BureauView = { a_traiter: Array<ATraiterView>, absences: Array<AbsenceRecordView>, retards: Array<RetardView>, exclusions: Array<ExclusionView>, };

export type EtatEnvoi = "en_attente" | "envoyee" | "echec" | "incertaine";

export type NotificationView = { eleve_id: string, eleve: string, division: string, date: string, destinataires: string, 
/**
 * `None`: not yet at the central (on this PC only, or sent without answer).
 */
etat: EtatEnvoi | null, 
/**
 * e.g. "Envoyée", "En attente : serveur de courriel injoignable".
 */
libelle: string, sync: EtatSync, };

export type ReferentielView = { 
/**
 * (id, "NOM Prénom", division code), by division then name.
 */
eleves: Array<[string, string, string]>, 
/**
 * (code, label).
 */
matieres: Array<[string, string]>, };

export type PreparationView = { preparees: number, sans_adresse: Array<string>, };

export type Mention = "felicitations" | "compliments" | "encouragements" | "mise_en_garde_travail" | "mise_en_garde_comportement" | "mise_en_garde_assiduite";

export type BilanVieScolaire = { justifiees: number, injustifiees: number, retards: number, };

export type MatiereConseilView = { service_id: string, matiere: string, 
/**
 * The subject's national code (BCN), for the LSU: the service's, from STS-Web, which the
 * import takes only when the imported nomenclature holds it.
 */
code: string, enseignant: string, enseignant_id: string, 
/**
 * The class's minimum, maximum and average of the subject's averages.
 */
classe: StatsView | null, };

export type MatiereEleveView = { service_id: string, moyenne: string | null, positionnement: number | null, appreciation: string, };

export type EleveConseilView = { eleve_id: string, nom: string, prenom: string, 
/**
 * One per subject of `ConseilView::matieres` she takes, in that order.
 */
matieres: Array<MatiereEleveView>, generale: string | null, vie_scolaire: BilanVieScolaire, appreciation: string, mention: Mention | null, orientation: string, appreciation_vie_scolaire: string, conflits: number, en_attente: number, };

export type MentionView = { mention: Mention, libelle: string, };

export type ProgressionView = { service_id: string, matiere: string, enseignant: string, 
/**
 * `NOM Prénom` of the pupils without an appreciation.
 */
sans_appreciation: Array<string>, sans_positionnement: Array<string>, };

export type ConseilLigne = { division_id: string, division: string, etat: ConseilEtat, reouvertures: number, };

export type ConseilView = { 
/**
 * "Collège Jean-Moulin (0670639F) — Strasbourg".
 */
etablissement: string, periode_id: string, periode: string, debut: string, fin: string, division_id: string, division: string, niveau: string, etat: ConseilEtat, reouvertures: number, 
/**
 * The reason of the last reopening, if it was reopened.
 */
motif_reouverture: string | null, 
/**
 * 3e and seconde: the council gives an avis d'orientation.
 */
avec_orientation: boolean, matieres: Array<MatiereConseilView>, eleves: Array<EleveConseilView>, mentions: Array<MentionView>, 
/**
 * Before the council: per subject, the pupils still without an appreciation or a
 * positionnement, and whose subject it is.
 */
progression: Array<ProgressionView>, 
/**
 * What the person here may do (set by the session from `droits`).
 */
peut_conduire: boolean, peut_rouvrir: boolean, peut_decider: boolean, peut_ecrire_vie_scolaire: boolean, };

export type LsuView = { bilans: number, manques: Array<string>, 
/**
 * Whether the file was written.
 */
ecrit: boolean, };

export type CelluleStatistiques = { justifiees: number, injustifiees: number, 
/**
 * Pupils at or above the L131-8 threshold that month.
 */
absenteistes: number, 
/**
 * Their share of the division's pupils, "4,2 %".
 */
taux: string, };

export type LigneStatistiques = { division: string, eleves: number, 
/**
 * One per month of `StatistiquesView::mois`.
 */
cellules: Array<CelluleStatistiques>, };

export type StatistiquesView = { 
/**
 * "2026-09", "2026-10"…
 */
mois: Array<string>, lignes: Array<LigneStatistiques>, 
/**
 * The whole school.
 */
total: LigneStatistiques, };

export type AbsenceSaisie = { eleve_id: string, 
/**
 * `YYYY-MM-DD` and `HH:MM`.
 */
du: string, de: string, au: string, a: string, prevenu: boolean, };

export type JustificationSaisie = { etat: EtatJustification, motif: string | null, 
/**
 * The billet: its date (`YYYY-MM-DD`) and how it came, both or neither.
 */
billet_date: string | null, billet_moyen: MoyenBillet | null, commentaire: string | null, };

export type DispenseSaisie = { eleve_id: string, du: string, au: string, 
/**
 * A subject's code; `None` or empty: every subject.
 */
matiere: string | null, presence_obligatoire: boolean, };

export const jourInitial = () =>
  call<string>("jour_initial");
export const compteDemo = () =>
  call<[string, string] | null>("compte_demo");
export const avertissementConfiguration = () =>
  call<string | null>("avertissement_configuration");
export const etablissements = () =>
  call<Array<EtablissementView>>("etablissements");
export const connexion = (login: string, password: string, seSouvenir: boolean, etablissement: string | null) =>
  call<Moi>("connexion", { login, password, seSouvenir, etablissement });
export const reprendre = () =>
  call<Moi | null>("reprendre");
export const deconnexion = () =>
  call<void>("deconnexion");
export const activite = () =>
  call<void>("activite");
export const changerMotDePasse = (ancien: string, nouveau: string) =>
  call<void>("changer_mot_de_passe", { ancien, nouveau });
export const verrouiller = () =>
  call<void>("verrouiller");
export const deverrouiller = (password: string) =>
  call<void>("deverrouiller", { password });
export const seancesDuJour = (date: string) =>
  call<Array<SeanceView>>("seances_du_jour", { date });
export const appel = (seanceId: string) =>
  call<AppelView>("appel", { seanceId });
export const marquer = (seanceId: string, eleveId: string, presence: Presence) =>
  call<void>("marquer", { seanceId, eleveId, presence });
export const noterFait = (seanceId: string, eleveId: string, fait: Fait) =>
  call<void>("noter_fait", { seanceId, eleveId, fait });
export const trancher = (seanceId: string, eleveId: string, garder: Garder) =>
  call<void>("trancher", { seanceId, eleveId, garder });
export const historique = (kind: EntityKind, entityId: string, champ: string) =>
  call<Array<HistoriqueView>>("historique", { kind, entityId, champ });
export const validerAppel = (seanceId: string) =>
  call<void>("valider_appel", { seanceId });
export const absencesDuJour = (date: string) =>
  call<Array<AbsenceView>>("absences_du_jour", { date });
export const modifications = () =>
  call<Modifications>("modifications");
export const services = () =>
  call<Array<ServiceView>>("services");
export const periodes = () =>
  call<Array<PeriodeView>>("periodes");
export const appreciations = (serviceId: string, periodeId: string) =>
  call<Array<LigneAppreciation>>("appreciations", { serviceId, periodeId });
export const ecrireAppreciation = (serviceId: string, periodeId: string, eleveId: string, texte: string) =>
  call<void>("ecrire_appreciation", { serviceId, periodeId, eleveId, texte });
export const resoudreConflit = (kind: EntityKind, entityId: string, champ: string, garder: Seq) =>
  call<void>("resoudre_conflit", { kind, entityId, champ, garder });
export const conseils = (periodeId: string) =>
  call<Array<ConseilLigne>>("conseils", { periodeId });
export const conseil = (periodeId: string, divisionId: string) =>
  call<ConseilView>("conseil", { periodeId, divisionId });
export const changerConseil = (periodeId: string, divisionId: string, etat: ConseilEtat) =>
  call<void>("changer_conseil", { periodeId, divisionId, etat });
export const rouvrirConseil = (periodeId: string, divisionId: string, motif: string) =>
  call<void>("rouvrir_conseil", { periodeId, divisionId, motif });
export const ecrireDecision = (periodeId: string, divisionId: string, eleveId: string, champ: string, texte: string) =>
  call<void>("ecrire_decision", { periodeId, divisionId, eleveId, champ, texte });
export const exporterLsu = (periodeId: string, divisionId: string, chemin: string | null) =>
  call<LsuView>("exporter_lsu", { periodeId, divisionId, chemin });
export const exporterBulletins = (periodeId: string, divisionId: string, eleveId: string | null, chemin: string) =>
  call<number>("exporter_bulletins", { periodeId, divisionId, eleveId, chemin });
export const exporterConseilCsv = (periodeId: string, divisionId: string, chemin: string) =>
  call<void>("exporter_conseil_csv", { periodeId, divisionId, chemin });
export const carnet = (serviceId: string, periodeId: string) =>
  call<CarnetView>("carnet", { serviceId, periodeId });
export const creerDevoir = (serviceId: string, devoir: DevoirSaisie) =>
  call<string>("creer_devoir", { serviceId, devoir });
export const modifierDevoir = (serviceId: string, devoirId: string, devoir: DevoirSaisie) =>
  call<void>("modifier_devoir", { serviceId, devoirId, devoir });
export const supprimerDevoir = (serviceId: string, devoirId: string) =>
  call<void>("supprimer_devoir", { serviceId, devoirId });
export const saisirNote = (serviceId: string, devoirId: string, eleveId: string, texte: string) =>
  call<void>("saisir_note", { serviceId, devoirId, eleveId, texte });
export const collerNotes = (serviceId: string, devoirId: string, depuisEleveId: string, texte: string) =>
  call<number>("coller_notes", { serviceId, devoirId, depuisEleveId, texte });
export const competences = (serviceId: string, periodeId: string) =>
  call<CompetencesView>("competences", { serviceId, periodeId });
export const bilan = (eleveId: string, periodeId: string) =>
  call<BilanView>("bilan", { eleveId, periodeId });
export const creerItem = (serviceId: string, item: ItemSaisie) =>
  call<string>("creer_item", { serviceId, item });
export const supprimerItem = (serviceId: string, itemId: string) =>
  call<void>("supprimer_item", { serviceId, itemId });
export const saisirEvaluation = (serviceId: string, devoirId: string, itemId: string, eleveId: string, texte: string) =>
  call<void>("saisir_evaluation", { serviceId, devoirId, itemId, eleveId, texte });
export const positionner = (serviceId: string, periodeId: string, eleveId: string, texte: string) =>
  call<void>("positionner", { serviceId, periodeId, eleveId, texte });
export const bureau = (du: string, au: string) =>
  call<BureauView>("bureau", { du, au });
export const dossier = (eleveId: string) =>
  call<DossierView>("dossier", { eleveId });
export const absenteisme = (mois: string) =>
  call<Array<AbsenteisteView>>("absenteisme", { mois });
export const reglages = () =>
  call<Reglages>("reglages");
export const modifierReglages = (reglages: Reglages) =>
  call<void>("modifier_reglages", { reglages });
export const saisirAbsence = (absence: AbsenceSaisie, justification: JustificationSaisie | null) =>
  call<string>("saisir_absence", { absence, justification });
export const modifierAbsence = (absenceId: string, absence: AbsenceSaisie) =>
  call<void>("modifier_absence", { absenceId, absence });
export const justifier = (eleveId: string, absenceIds: Array<string>, justification: JustificationSaisie) =>
  call<void>("justifier", { eleveId, absenceIds, justification });
export const supprimerAbsence = (eleveId: string, absenceId: string) =>
  call<void>("supprimer_absence", { eleveId, absenceId });
export const justifierRetard = (seanceId: string, eleveId: string, justification: JustificationSaisie) =>
  call<void>("justifier_retard", { seanceId, eleveId, justification });
export const creerDispense = (dispense: DispenseSaisie) =>
  call<string>("creer_dispense", { dispense });
export const supprimerDispense = (eleveId: string, dispenseId: string) =>
  call<void>("supprimer_dispense", { eleveId, dispenseId });
export const ecrireRapport = (seanceId: string, eleveId: string, texte: string) =>
  call<void>("ecrire_rapport", { seanceId, eleveId, texte });
export const notifierFamilles = (date: string) =>
  call<PreparationView>("notifier_familles", { date });
export const appelsNonFaits = (date: string, aujourdhui: string, maintenant: string) =>
  call<Array<SeanceView>>("appels_non_faits", { date, aujourdhui, maintenant });
export const seancesDeLaSemaine = (date: string) =>
  call<Array<SeanceView>>("seances_de_la_semaine", { date });
export const statistiques = () =>
  call<StatistiquesView>("statistiques");
export const referentiel = () =>
  call<ReferentielView>("referentiel");
export const exporterStatistiques = (chemin: string) =>
  call<void>("exporter_statistiques", { chemin });
export const exporterSignalement = (eleveId: string, mois: string, chemin: string) =>
  call<void>("exporter_signalement", { eleveId, mois, chemin });
export const notifications = () =>
  call<Array<NotificationView>>("notifications");
export const importerAnnee = (chemins: Array<string>, date: string | null) =>
  call<string>("importer_annee", { chemins, date });
export const etatSynchro = () =>
  call<EtatSynchro>("etat_synchro");
export const synchroniser = () =>
  call<void>("synchroniser");

/** The limits the domain sets (the central enforces them too). */
export const LIMITES = { appreciation: 600, appreciationGenerale: 1000, avisOrientation: 300, motifReouverture: 500, titreDevoir: 120, collerLignes: 200, rapport: 1000, commentaire: 200 } as const;

export const EVENEMENTS = { progression: "progression", etatSynchro: "etat-synchro", verrouillage: "verrouillage" } as const;
