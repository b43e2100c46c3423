/**
 * Register histories written by hand (tests, the lab's minimal example per rung): one row per
 * operation, every one completed. A write's input is `[key, value]`, a read's `[key]` and its output
 * the value it returned (null: the initial value).
 */
import type { History, Operation } from '../history';

export type RegisterRow = readonly [
  process: string,
  f: 'read' | 'write',
  key: string,
  value: string | null,
  call: number,
  ret: number,
];

export function historyFromRows(rows: readonly RegisterRow[]): History {
  return rows.map(([process, f, key, value, call, ret], id): Operation => ({
    id,
    process,
    f,
    input: f === 'write' ? [key, value] : [key],
    output: f === 'read' ? value : undefined,
    outcome: 'ok',
    call,
    ret,
  }));
}
