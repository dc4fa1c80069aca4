/** A cell: text is left-aligned, numbers are right-aligned and grouped (2,000). */
export type Cell = string | number;

const show = (cell: Cell): string =>
  typeof cell === 'number' ? cell.toLocaleString('en-US', { maximumFractionDigits: 1 }) : cell;

/**
 * Renders rows as a plain-text table with a header and a rule, e.g.
 * ```
 * state         sessions
 * ------------  --------
 * active           1,200
 * ```
 */
export function renderTable(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => show(row[column] ?? '').length)),
  );
  const numeric = header.map((_, column) => rows.some((row) => typeof row[column] === 'number'));
  const line = (cells: readonly Cell[], forceLeft = false) =>
    widths
      .map((width, column) => {
        const text = show(cells[column] ?? '');
        return numeric[column] && !forceLeft ? text.padStart(width) : text.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  const headerLine = widths
    .map((width, column) => {
      const title = header[column] ?? '';
      return numeric[column] ? title.padStart(width) : title.padEnd(width);
    })
    .join('  ')
    .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [headerLine, rule, ...rows.map((row) => line(row))].join('\n');
}
