// The one module that talks to the Rust side. Every other module imports from here, never from
// @tauri-apps (eslint enforces it). The types come from ipc-types.ts, generated from Rust.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type {
  AbsenceView,
  AppelView,
  EntityKind,
  EtatSynchro,
  Fait,
  Garder,
  HistoriqueView,
  LigneAppreciation,
  Moi,
  PeriodeView,
  ServiceView,
  Presence,
  Progression,
  Modifications,
  SeanceView,
  UiError,
} from "./ipc-types";

export type * from "./ipc-types";

function isUiError(e: unknown): e is UiError {
  return typeof e === "object" && e !== null && "code" in e && "message" in e;
}

/** Calls a command; a failure always arrives as a UiError with a French message. */
async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    if (isUiError(e)) throw e;
    throw {
      code: "interne",
      message: `Erreur inattendue de l'application (${String(e)}). Fermez puis rouvrez Pupitre.`,
    } satisfies UiError;
  }
}

export const jourInitial = () => call<string>("jour_initial");
export const compteDemo = () => call<[string, string] | null>("compte_demo");
export const connexion = (login: string, password: string) =>
  call<Moi>("connexion", { login, password });
export const deconnexion = () => call<void>("deconnexion");
export const seancesDuJour = (date: string) => call<SeanceView[]>("seances_du_jour", { date });
export const appel = (seanceId: string) => call<AppelView>("appel", { seanceId });
export const marquer = (seanceId: string, eleveId: string, presence: Presence) =>
  call<void>("marquer", { seanceId, eleveId, presence });
export const noterFait = (seanceId: string, eleveId: string, fait: Fait) =>
  call<void>("noter_fait", { seanceId, eleveId, fait });
export const trancher = (seanceId: string, eleveId: string, garder: Garder) =>
  call<void>("trancher", { seanceId, eleveId, garder });
export const historique = (kind: EntityKind, entityId: string, champ: string) =>
  call<HistoriqueView[]>("historique", { kind, entityId, champ });
export const validerAppel = (seanceId: string) => call<void>("valider_appel", { seanceId });
export const absencesDuJour = (date: string) => call<AbsenceView[]>("absences_du_jour", { date });
export const modifications = () => call<Modifications>("modifications");
export const services = () => call<ServiceView[]>("services");
export const periodes = () => call<PeriodeView[]>("periodes");
export const appreciations = (serviceId: string, periodeId: string) =>
  call<LigneAppreciation[]>("appreciations", { serviceId, periodeId });
export const ecrireAppreciation = (
  serviceId: string,
  periodeId: string,
  eleveId: string,
  texte: string,
) => call<void>("ecrire_appreciation", { serviceId, periodeId, eleveId, texte });
export const resoudreConflit = (kind: EntityKind, entityId: string, champ: string, garder: number) =>
  call<void>("resoudre_conflit", { kind, entityId, champ, garder });
export const etatSynchro = () => call<EtatSynchro>("etat_synchro");
export const synchroniser = () => call<void>("synchroniser");

export const onProgression = (f: (p: Progression) => void): Promise<UnlistenFn> =>
  listen<Progression>("progression", (e) => f(e.payload));
export const onEtatSynchro = (f: (s: EtatSynchro) => void): Promise<UnlistenFn> =>
  listen<EtatSynchro>("etat-synchro", (e) => f(e.payload));
