/** Plain-text tables and numbers for the terminal. */
import { formatValue, type ResultTable } from '@dslab/systems';

export const formatCell = formatValue;

export function renderTable(table: Pick<ResultTable, 'columns' | 'rows'> & { title?: string }): string {
  const cells = table.rows.map((row) => row.map(formatCell));
  const widths = table.columns.map((column, i) =>
    cells.reduce((width, row) => Math.max(width, (row[i] ?? '').length), column.length),
  );
  // Numbers line up on the right, text on the left.
  const numeric = table.columns.map(
    (_, i) => table.rows.length > 0 && table.rows.every((row) => typeof row[i] === 'number'),
  );
  const line = (row: readonly string[]) =>
    row
      .map((cell, i) => (numeric[i] ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const out: string[] = [];
  if (table.title) out.push(table.title);
  out.push(line(table.columns), widths.map((w) => '─'.repeat(w)).join('  '));
  for (const row of cells) out.push(line(row));
  return out.join('\n');
}

export function renderRecord(record: Readonly<Record<string, number | string | undefined>>): string {
  return renderTable({
    columns: ['name', 'value'],
    rows: Object.entries(record).map(([key, value]) => [key, value ?? null]),
  });
}
