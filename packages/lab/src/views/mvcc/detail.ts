/**
 * The mvcc live detail, typed by the system itself. It crosses the worker boundary as plain data typed
 * `LiveDetail`; `isMvccDetail` checks the shape at run time before the view trusts it.
 */
import type { LiveDetail, mvcc } from '@dslab/systems';

export type MvccDetail = mvcc.MvccLiveDetail;

export function isMvccDetail(detail: LiveDetail): detail is MvccDetail {
  const d = detail as Partial<MvccDetail>;
  return (
    detail.kind === 'mvcc' &&
    typeof d.up === 'boolean' &&
    Array.isArray(d.tables) &&
    Array.isArray(d.sessions) &&
    Array.isArray(d.clog) &&
    Array.isArray(d.waits) &&
    typeof d.fresh === 'object'
  );
}

/** Script sessions are s1, s2 … (T1, T2 … in the anomaly literature); s0 is a fresh autocommit session. */
export function sessionName(id: string): string {
  if (id === 'now') return 'a new statement';
  const m = /^s(\d+)$/.exec(id);
  if (!m) return id;
  return m[1] === '0' ? 'T0 (autocommit)' : `T${m[1]}`;
}

export function formatValue(value: number | readonly number[]): string {
  if (typeof value === 'number') return String(value);
  return value.length <= 4 ? `[${value.join(',')}]` : `[…${value.slice(-3).join(',')}] (${value.length})`;
}

export function formatRow(row: Readonly<Record<string, number | readonly number[]>>, key?: string): string {
  return Object.entries(row)
    .filter(([column]) => column !== key)
    .map(([column, value]) => `${column}=${formatValue(value)}`)
    .join(' ');
}
