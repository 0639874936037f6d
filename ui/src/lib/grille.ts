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

/** Focuses and selects the cell a move from (r0, c0) to (r, c) reaches in the grid whose cells
 * carry `data-cell="<prefix>r-c"`, `rows` × `cols`: a cell that takes no value (a pupil outside
 * her dates) is stepped over in the same direction; the edge keeps the focus where it is. */
export function allerA(prefix: string, from: [number, number], to: [number, number], rows: number, cols: number) {
  const [dr, dc] = [Math.sign(to[0] - from[0]), Math.sign(to[1] - from[1])];
  let [r, c] = to;
  while (r >= 0 && r < rows && c >= 0 && c < cols) {
    const input = document.querySelector<HTMLInputElement>(`[data-cell="${prefix}${r}-${c}"]`);
    if (input) {
      input.focus();
      input.select();
      return;
    }
    if (dr === 0 && dc === 0) return;
    r += dr;
    c += dc;
  }
}
