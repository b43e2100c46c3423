import type { ResultTable } from '@dslab/systems';

export function formatValue(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '—';
  if (typeof value !== 'number') return String(value);
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return Math.abs(value) >= 100
    ? value.toFixed(1)
    : Math.abs(value) >= 1
      ? value.toFixed(3)
      : value.toPrecision(3);
}

export function ResultTableView({ table }: { table: ResultTable }) {
  return (
    <div className="table-wrap">
      <table>
        {table.title && <caption>{table.title}</caption>}
        <thead>
          <tr>
            {table.columns.map((column) => (
              <th key={column}>{column}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {table.rows.map((row, i) => (
            <tr key={i}>
              {row.map((cell, j) => (
                <td key={j} className={typeof cell === 'number' ? 'num' : undefined}>
                  {formatValue(cell)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
