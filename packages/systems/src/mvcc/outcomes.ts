/**
 * A test record in one line: which steps blocked (and which step released them), which failed (by
 * SQLSTATE), which COMMITs rolled back, what each read returned, and the final table. `documentedOutcomes` holds that line for
 * every anomaly test at every level as Hermitage documents PostgreSQL's behaviour; the PostgreSQL tests
 * check it against a real PostgreSQL 15, the engine's scenario against the engine.
 */
import type { TestRecord } from './driver';

export function summarize(record: TestRecord): string {
  const notes: string[] = [];
  for (const s of record.steps) {
    const parts: string[] = [];
    if (s.blocked) parts.push(`blocked until ${s.unblockedBy ?? 'never'}`);
    if (s.error) parts.push(s.error);
    if (s.tag === 'ROLLBACK' && /^commit/.test(s.sql)) parts.push('rolled back');
    if (s.rows)
      parts.push(
        `read ${s.rows.length > 0 ? s.rows.map((row) => Object.values(row).join('=')).join(' ') : 'nothing'}`,
      );
    if (parts.length > 0) notes.push(`step ${s.step} (T${s.session}) ${parts.join(', ')}`);
  }
  const final = record.final.map((row) => Object.values(row).join('=')).join(' ');
  return `${notes.join('; ')} | ${final}`;
}

/** test id → level → summary. */
export const documentedOutcomes: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  g0: {
    'read committed':
      'step 3 (T2) blocked until 5; step 6 (T1) read 1=11 2=21; step 9 (T1) read 1=12 2=22 | 1=12 2=22',
    'repeatable read':
      'step 3 (T2) blocked until 5, 40001; step 6 (T1) read 1=11 2=21; step 7 (T2) 25P02; step 8 (T2) rolled back; step 9 (T1) read 1=11 2=21 | 1=11 2=21',
    serializable:
      'step 3 (T2) blocked until 5, 40001; step 6 (T1) read 1=11 2=21; step 7 (T2) 25P02; step 8 (T2) rolled back; step 9 (T1) read 1=11 2=21 | 1=11 2=21',
  },
  g1a: {
    'read committed': 'step 3 (T2) read 1=10 2=20; step 5 (T2) read 1=10 2=20 | 1=10 2=20',
    'repeatable read': 'step 3 (T2) read 1=10 2=20; step 5 (T2) read 1=10 2=20 | 1=10 2=20',
    serializable: 'step 3 (T2) read 1=10 2=20; step 5 (T2) read 1=10 2=20 | 1=10 2=20',
  },
  g1b: {
    'read committed': 'step 3 (T2) read 1=10 2=20; step 6 (T2) read 1=11 2=20 | 1=11 2=20',
    'repeatable read': 'step 3 (T2) read 1=10 2=20; step 6 (T2) read 1=10 2=20 | 1=11 2=20',
    serializable: 'step 3 (T2) read 1=10 2=20; step 6 (T2) read 1=10 2=20 | 1=11 2=20',
  },
  g1c: {
    'read committed': 'step 4 (T1) read 2=20; step 5 (T2) read 1=10 | 1=11 2=22',
    'repeatable read': 'step 4 (T1) read 2=20; step 5 (T2) read 1=10 | 1=11 2=22',
    serializable: 'step 4 (T1) read 2=20; step 5 (T2) read 1=10; step 7 (T2) 40001 | 1=11 2=20',
  },
  otv: {
    'read committed':
      'step 5 (T2) blocked until 6; step 7 (T3) read 1=11; step 9 (T3) read 2=19; step 11 (T3) read 2=18; step 12 (T3) read 1=12 | 1=12 2=18',
    'repeatable read':
      'step 5 (T2) blocked until 6, 40001; step 7 (T3) read 1=11; step 8 (T2) 25P02; step 9 (T3) read 2=19; step 10 (T2) rolled back; step 11 (T3) read 2=19; step 12 (T3) read 1=11 | 1=11 2=19',
    serializable:
      'step 5 (T2) blocked until 6, 40001; step 7 (T3) read 1=11; step 8 (T2) 25P02; step 9 (T3) read 2=19; step 10 (T2) rolled back; step 11 (T3) read 2=19; step 12 (T3) read 1=11 | 1=11 2=19',
  },
  pmp: {
    'read committed': 'step 2 (T1) read nothing; step 5 (T1) read 3=30 | 1=10 2=20 3=30',
    'repeatable read': 'step 2 (T1) read nothing; step 5 (T1) read nothing | 1=10 2=20 3=30',
    serializable: 'step 2 (T1) read nothing; step 5 (T1) read nothing | 1=10 2=20 3=30',
  },
  'pmp-write': {
    'read committed': 'step 3 (T2) blocked until 4; step 5 (T2) read 1=20 | 1=20 2=30',
    'repeatable read':
      'step 3 (T2) blocked until 4, 40001; step 5 (T2) 25P02; step 6 (T2) rolled back | 1=20 2=30',
    serializable:
      'step 3 (T2) blocked until 4, 40001; step 5 (T2) 25P02; step 6 (T2) rolled back | 1=20 2=30',
  },
  p4: {
    'read committed': 'step 2 (T1) read 1=10; step 3 (T2) read 1=10; step 5 (T2) blocked until 6 | 1=11 2=20',
    'repeatable read':
      'step 2 (T1) read 1=10; step 3 (T2) read 1=10; step 5 (T2) blocked until 6, 40001; step 7 (T2) rolled back | 1=11 2=20',
    serializable:
      'step 2 (T1) read 1=10; step 3 (T2) read 1=10; step 5 (T2) blocked until 6, 40001; step 7 (T2) rolled back | 1=11 2=20',
  },
  'g-single': {
    'read committed':
      'step 2 (T1) read 1=10; step 3 (T2) read 1=10; step 4 (T2) read 2=20; step 8 (T1) read 2=18 | 1=12 2=18',
    'repeatable read':
      'step 2 (T1) read 1=10; step 3 (T2) read 1=10; step 4 (T2) read 2=20; step 8 (T1) read 2=20 | 1=12 2=18',
    serializable:
      'step 2 (T1) read 1=10; step 3 (T2) read 1=10; step 4 (T2) read 2=20; step 8 (T1) read 2=20 | 1=12 2=18',
  },
  'g-single-predicate': {
    'read committed': 'step 2 (T1) read 1=10 2=20; step 5 (T1) read 1=12 | 1=12 2=20',
    'repeatable read': 'step 2 (T1) read 1=10 2=20; step 5 (T1) read nothing | 1=12 2=20',
    serializable: 'step 2 (T1) read 1=10 2=20; step 5 (T1) read nothing | 1=12 2=20',
  },
  'g-single-write': {
    'read committed': 'step 2 (T1) read 1=10; step 3 (T2) read 1=10 2=20 | 1=12 2=18',
    'repeatable read':
      'step 2 (T1) read 1=10; step 3 (T2) read 1=10 2=20; step 7 (T1) 40001; step 8 (T1) rolled back | 1=12 2=18',
    serializable:
      'step 2 (T1) read 1=10; step 3 (T2) read 1=10 2=20; step 7 (T1) 40001; step 8 (T1) rolled back | 1=12 2=18',
  },
  'g2-item': {
    'read committed': 'step 2 (T1) read 1=10 2=20; step 3 (T2) read 1=10 2=20 | 1=11 2=21',
    'repeatable read': 'step 2 (T1) read 1=10 2=20; step 3 (T2) read 1=10 2=20 | 1=11 2=21',
    serializable: 'step 2 (T1) read 1=10 2=20; step 3 (T2) read 1=10 2=20; step 7 (T2) 40001 | 1=11 2=20',
  },
  g2: {
    'read committed':
      'step 2 (T1) read nothing; step 3 (T2) read nothing; step 8 (T0) read 3=30 4=42 | 1=10 2=20 3=30 4=42',
    'repeatable read':
      'step 2 (T1) read nothing; step 3 (T2) read nothing; step 8 (T0) read 3=30 4=42 | 1=10 2=20 3=30 4=42',
    serializable:
      'step 2 (T1) read nothing; step 3 (T2) read nothing; step 7 (T2) 40001; step 8 (T0) read 3=30 | 1=10 2=20 3=30',
  },
  'read-only': {
    'read committed': 'step 1 (T1) read 1=10 2=20; step 6 (T3) read 1=10 2=25 | 1=0 2=25',
    'repeatable read': 'step 1 (T1) read 1=10 2=20; step 6 (T3) read 1=10 2=25 | 1=0 2=25',
    serializable:
      'step 1 (T1) read 1=10 2=20; step 6 (T3) read 1=10 2=25; step 8 (T1) 40001; step 9 (T1) rolled back | 1=10 2=25',
  },
};
