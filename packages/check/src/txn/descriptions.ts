/** What each anomaly class means, in a sentence, for reports (after Adya 1999 and Elle §4–5). */
import { baseClass } from './consistency';
import type { AnomalyType } from './types';

const BASE: Readonly<Record<string, string>> = {
  G0: 'Write cycle (dirty write): transactions overwrote each other in both orders; only ww edges.',
  G1a: 'Aborted read: a committed transaction saw a write of a transaction that aborted.',
  G1b: 'Intermediate read: a transaction saw a version another transaction later overwrote itself.',
  G1c: 'Circular information flow: a cycle of ww and wr edges, each transaction affecting the next.',
  'G-single':
    'Read skew: a cycle with exactly one anti-dependency (rw): a transaction missed a write it otherwise follows.',
  'G2-item': 'Anti-dependency cycle (write skew and kin): a cycle with two or more rw edges.',
  internal: "Internal inconsistency: a transaction's read contradicts its own earlier writes.",
  'lost-update': 'Lost update: committed transactions read the same version of a key and each wrote it.',
  'duplicate-appends': 'Duplicate append: a read shows an element more times than it was appended.',
  'garbage-read': 'Garbage read: a read returned a value no transaction wrote.',
  'incompatible-order': 'Incompatible order: two reads of a key disagree on the order of its elements.',
};

export function describeAnomalyType(type: AnomalyType): string {
  const base = BASE[baseClass(type)] ?? type;
  if (type.endsWith('-realtime'))
    return `${base} The cycle needs real-time order (one transaction finished before the next began).`;
  if (type.endsWith('-process'))
    return `${base} The cycle needs process order (transactions of one session).`;
  return base;
}

/** Report order: cycles from the strongest class down, then the anomalies of single reads and keys. */
export const TYPE_ORDER: readonly string[] = [
  'G0',
  'G1a',
  'G1b',
  'G1c',
  'G-single',
  'G2-item',
  'internal',
  'lost-update',
  'duplicate-appends',
  'garbage-read',
  'incompatible-order',
];

export function typeRank(type: AnomalyType): number {
  const base = TYPE_ORDER.indexOf(baseClass(type));
  const suffix = type.endsWith('-process') ? 1 : type.endsWith('-realtime') ? 2 : 0;
  return base * 3 + suffix;
}
