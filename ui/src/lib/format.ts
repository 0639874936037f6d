// French labels and date helpers shared by the screens.
import type { EtatSync, Presence } from "./backend";

/** The props of a screen of one day (Journée, Vie scolaire): the day, shared with the header,
 * a revision that reloads it, and how a séance is opened. */
export type VueDuJour = { jour: string; revision: number; onOuvrir: (id: string) => void };

const JOURS = ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"];
const MOIS = [
  "janvier", "février", "mars", "avril", "mai", "juin",
  "juillet", "août", "septembre", "octobre", "novembre", "décembre",
];

const pad = (n: number) => String(n).padStart(2, "0");

function parse(iso: string): Date {
  const [y, m, d] = iso.split("-").map(Number);
  return new Date(y, m - 1, d);
}

export function dateLongue(iso: string): string {
  const d = parse(iso);
  return `${JOURS[d.getDay()]} ${d.getDate()} ${MOIS[d.getMonth()]} ${d.getFullYear()}`;
}

export function decaler(iso: string, jours: number): string {
  const d = parse(iso);
  d.setDate(d.getDate() + jours);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export function aujourdhui(): string {
  const d = new Date();
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export function heureActuelle(): string {
  const d = new Date();
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function libellePresence(p: Presence): string {
  return p.statut === "retard" ? `Retard ${p.arrivee}` : libelleStatut[p.statut];
}

/** A state of the roll call without its details (lists, filters, counts). */
export const libelleStatut: Record<Presence["statut"], string> = {
  present: "Présent",
  absent: "Absent",
  retard: "Retard",
  dispense: "Dispensé",
  exclu: "Exclu de cours",
  infirmerie: "Infirmerie",
};

export const libelleSync: Record<EtatSync, string> = {
  aucun: "",
  local: "Enregistré sur ce poste, pas encore envoyé",
  envoye: "Envoyé, en attente de confirmation",
  acquitte: "Reçu par le service central",
  conflit: "Deux versions : à départager (Synchronisation)",
};

/** What a logout leaves behind, said before it: `n` changes not yet at the central. */
export function avantDeconnexion(n: number, enLigne: boolean): string {
  const une = n === 1;
  const quoi = une ? "1 modification n'est pas encore arrivée" : `${n} modifications ne sont pas encore arrivées`;
  const ou = enLigne ? "" : " : ce poste est hors ligne";
  const quand = une ? "Elle partira" : "Elles partiront";
  const scellee = une ? "scellée : personne ne peut la lire ni la modifier" : "scellées : personne ne peut les lire ni les modifier";
  const reste = une ? "Elle reste aussi dans votre copie chiffrée, et part" : "Elles restent aussi dans votre copie chiffrée, et partent";
  return `${quoi} au service central${ou}. ${quand} avec la prochaine session ouverte sur ce poste dans cet établissement, quelle que soit la personne connectée, ${scellee} en chemin. ${reste} à votre prochaine connexion si personne ne se connecte ici d'ici là.`;
}
