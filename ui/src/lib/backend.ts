// The one module that talks to the Rust side. Every other module imports from here, never from
// @tauri-apps (eslint enforces it). The types and one typed function per command come from
// ipc-types.ts, generated from the Rust command list: a command renamed in Rust fails here.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import { open, save } from "@tauri-apps/plugin-dialog";
import { EVENEMENTS, type EtatSynchro, type Progression, type UiError } from "./ipc-types";

export * from "./ipc-types";

function isUiError(e: unknown): e is UiError {
  return typeof e === "object" && e !== null && "code" in e && "message" in e;
}

/** Who is told when a command finds the session locked (the app shows its lock screen). */
let siVerrouillee: (message: string) => void = () => undefined;
export function quandVerrouillee(f: (message: string) => void): void {
  siVerrouillee = f;
}

/** Calls a command; a failure always arrives as a UiError with a French message. */
export async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    if (isUiError(e)) {
      if (e.code === "verrouillee") siVerrouillee(e.message);
      throw e;
    }
    throw {
      code: "interne",
      message: `Erreur inattendue de l'application (${String(e)}). Fermez puis rouvrez Pupitre.`,
    } satisfies UiError;
  }
}

/** Asks the person where to save a file (the system's dialog); null when she cancels. Files
 * the app writes go where she chooses, never silently into a shared folder. */
export async function choisirOuEnregistrer(nom: string, libelle: string, extension: string): Promise<string | null> {
  return save({ defaultPath: nom, filters: [{ name: libelle, extensions: [extension] }] });
}

/** Asks the person which files to import (the system's dialog, several at once); [] when she
 * cancels. */
export async function choisirFichiers(libelle: string, extensions: string[]): Promise<string[]> {
  const chosen = await open({ multiple: true, directory: false, filters: [{ name: libelle, extensions }] });
  if (chosen === null) return [];
  return Array.isArray(chosen) ? chosen : [chosen];
}

export const onProgression = (f: (p: Progression) => void): Promise<UnlistenFn> =>
  listen<Progression>(EVENEMENTS.progression, (e) => f(e.payload));
export const onEtatSynchro = (f: (s: EtatSynchro) => void): Promise<UnlistenFn> =>
  listen<EtatSynchro>(EVENEMENTS.etatSynchro, (e) => f(e.payload));
export const onVerrouillage = (f: (message: string) => void): Promise<UnlistenFn> =>
  listen<string>(EVENEMENTS.verrouillage, (e) => f(e.payload));
