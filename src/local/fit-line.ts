/** Pure helpers that fit text into a terminal's width (the live view's lines). */

/** Cuts `text` to at most `width` characters, marking a cut with `…`. */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  if (text.length <= width) return text;
  return width === 1 ? '…' : `${text.slice(0, width - 1)}…`;
}

/**
 * Lays `items` out after `label`, separated by two spaces, on as many lines
 * as `width` needs; continuation lines are indented under the first item. An
 * item too long for a line of its own is cut.
 */
export function wrapItems(label: string, items: readonly string[], width: number): string[] {
  const indent = ' '.repeat(Math.min(label.length, Math.max(0, width - 8)));
  const lines: string[] = [];
  let line = label;
  let empty = true;
  for (const item of items) {
    const candidate = empty ? `${line}${item}` : `${line}  ${item}`;
    if (candidate.length <= width || empty) {
      line = candidate;
      empty = false;
      continue;
    }
    lines.push(line);
    line = `${indent}${item}`;
  }
  lines.push(line);
  return lines.map((l) => truncate(l, width));
}

/**
 * `label [####....] text` in `width` characters: the bar takes the room the
 * text leaves, at most `maxBar` cells; under 5 cells it is left out.
 */
export function barLine(
  label: string,
  fraction: number,
  text: string,
  width: number,
  maxBar = 40,
): string {
  const room = width - label.length - text.length - 3;
  const cells = Math.min(maxBar, room);
  if (cells < 5) return truncate(`${label}${text}`, width);
  const clamped = Number.isFinite(fraction) ? Math.max(0, Math.min(1, fraction)) : 0;
  const filled = Math.round(clamped * cells);
  return `${label}[${'#'.repeat(filled)}${'.'.repeat(cells - filled)}] ${text}`;
}

/** Screen rows `lines` take on a terminal `columns` wide (long lines wrap). */
export function rowsOf(lines: readonly string[], columns: number): number {
  const width = Math.max(1, columns);
  return lines.reduce((rows, line) => rows + Math.max(1, Math.ceil(line.length / width)), 0);
}
