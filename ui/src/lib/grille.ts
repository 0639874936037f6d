// The keyboard of a spreadsheet-like grid (Notes, Compétences): where a key sends the focus.

/** The cell a key moves to from (r, c), or undefined when the key stays in the cell. Left and
 * right move only from the edge of what is typed, so that a typed value can still be edited. */
export function deplacement(e: KeyboardEvent, r: number, c: number): [number, number] | undefined {
  const input = e.currentTarget as HTMLInputElement;
  const debut = input.selectionStart === 0 && input.selectionEnd === 0;
  const fin = input.selectionStart === input.value.length;
  switch (e.key) {
    case "ArrowUp": return [r - 1, c];
    case "ArrowDown": case "Enter": return [r + 1, c];
    case "ArrowLeft": return debut || input.value === "" ? [r, c - 1] : undefined;
    case "ArrowRight": return fin || input.value === "" ? [r, c + 1] : undefined;
    case "Tab": return e.shiftKey ? [r, c - 1] : [r, c + 1];
    default: return undefined;
  }
}

/** Focuses and selects cell (r, c) of the grid whose cells carry `data-cell="<prefix>r-c"`,
 * clamped to its `rows` × `cols`. */
export function allerA(prefix: string, r: number, c: number, rows: number, cols: number) {
  const rr = Math.max(0, Math.min(rows - 1, r));
  const cc = Math.max(0, Math.min(cols - 1, c));
  const input = document.querySelector<HTMLInputElement>(`[data-cell="${prefix}${rr}-${cc}"]`);
  input?.focus();
  input?.select();
}
