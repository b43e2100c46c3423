/** The tables the experiments use, as schemas the engine creates and `createTableSql` renders for PostgreSQL. */
import type { Row, TableSchema } from '../mvcc/statements';

/** One counter row per event: the effect of processing it is `n = n + 1`, so a count above 1 is a duplicate. */
export const EFFECTS: TableSchema = { name: 'effects', columns: ['event', 'n', 'total'], key: 'event' };

/** The idempotent consumer's table: the event id is the key, inserted in the same transaction as the effect. */
export const PROCESSED: TableSchema = { name: 'processed', columns: ['event', 'at'], key: 'event' };

/**
 * The processed-events table of the study material's samples: its own serial key and no unique
 * constraint on the event id, so marking an event twice succeeds.
 */
export const PROCESSED_LOG: TableSchema = {
  name: 'processed_log',
  columns: ['id', 'event', 'at'],
  key: 'id',
};

export function effectRows(events: number): Row[] {
  return Array.from({ length: events }, (_, i) => ({ event: i + 1, n: 0, total: 0 }));
}

export interface Table {
  readonly schema: TableSchema;
  readonly rows: readonly Row[];
}
