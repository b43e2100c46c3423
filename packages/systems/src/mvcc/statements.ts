/**
 * The statements sessions send: a small typed API that the engine executes and that renders the same
 * statement as SQL for PostgreSQL. There is no SQL parser: statements are built with the helpers below.
 */

export type IsolationLevel = 'read uncommitted' | 'read committed' | 'repeatable read' | 'serializable';

export const ISOLATION_LEVELS: readonly IsolationLevel[] = [
  'read uncommitted',
  'read committed',
  'repeatable read',
  'serializable',
];

/** A column's value: an integer, or a list of integers (an int[] column, for list-append workloads). NULL is not modelled. */
export type Value = number | readonly number[];

/** A row: column name → value. */
export type Row = Readonly<Record<string, Value>>;

/** An integer expression over the row's columns. */
export type Expr =
  | number
  | { readonly col: string }
  | { readonly op: '+' | '-' | '*' | '%'; readonly left: Expr; readonly right: Expr }
  /** array_append(list, value) */
  | { readonly op: 'append'; readonly left: Expr; readonly value: number };

export type Comparison = '=' | '<>' | '<' | '<=' | '>' | '>=';

export type Pred =
  | { readonly op: Comparison; readonly left: Expr; readonly right: Expr }
  | { readonly op: 'in'; readonly left: Expr; readonly values: readonly number[] }
  | { readonly op: 'and' | 'or'; readonly preds: readonly Pred[] };

/** Row-level lock strengths of SELECT … FOR (PostgreSQL's, without FOR KEY SHARE). */
export type RowLockMode = 'share' | 'no key update' | 'update';

export interface TableSchema {
  readonly name: string;
  readonly columns: readonly string[];
  /** The primary key column (an integer); it has a unique index. */
  readonly key: string;
  /** Columns of type int[] (the others are int). */
  readonly arrays?: readonly string[];
}

export type AdvisoryFunction =
  | 'pg_advisory_lock'
  | 'pg_try_advisory_lock'
  | 'pg_advisory_xact_lock'
  | 'pg_try_advisory_xact_lock'
  | 'pg_advisory_unlock'
  | 'pg_advisory_lock_shared'
  | 'pg_advisory_unlock_shared';

export type Statement =
  | { readonly kind: 'begin'; readonly level?: IsolationLevel; readonly readOnly?: boolean }
  | { readonly kind: 'commit' }
  | { readonly kind: 'rollback' }
  | {
      readonly kind: 'select';
      readonly table: string;
      readonly where?: Pred;
      /** count(*) or sum(column) instead of the rows. */
      readonly aggregate?: { readonly fn: 'count' } | { readonly fn: 'sum'; readonly col: string };
      readonly lock?: RowLockMode;
      readonly waitPolicy?: 'nowait' | 'skip locked';
      readonly orderBy?: string;
      readonly limit?: number;
    }
  | { readonly kind: 'insert'; readonly table: string; readonly rows: readonly Row[] }
  | {
      readonly kind: 'update';
      readonly table: string;
      readonly set: Readonly<Record<string, Expr>>;
      readonly where?: Pred;
      /** RETURNING *: the new versions come back as rows. */
      readonly returning?: boolean;
    }
  | { readonly kind: 'delete'; readonly table: string; readonly where?: Pred }
  /** SET lock_timeout (milliseconds; 0 = wait forever) for the session. */
  | { readonly kind: 'set lock_timeout'; readonly ms: number }
  | { readonly kind: 'advisory'; readonly fn: AdvisoryFunction; readonly key: number }
  | { readonly kind: 'vacuum'; readonly table: string; readonly freeze?: boolean }
  /** ALTER TABLE … ADD COLUMN … int: a catalog change under an ACCESS EXCLUSIVE lock. */
  | { readonly kind: 'add column'; readonly table: string; readonly column: string };

/** What a statement returned: PostgreSQL's command tag, rows for SELECT/RETURNING, or an error. */
export interface StatementResult {
  readonly tag: string;
  readonly rows?: readonly Row[];
  readonly rowCount?: number;
  readonly error?: { readonly code: string; readonly message: string };
}

// ---- builders -------------------------------------------------------------------------------------

export const col = (name: string): Expr => ({ col: name });
export const add = (left: Expr, right: Expr): Expr => ({ op: '+', left, right });
export const sub = (left: Expr, right: Expr): Expr => ({ op: '-', left, right });
export const mod = (left: Expr, right: Expr): Expr => ({ op: '%', left, right });
export const append = (column: string, value: number): Expr => ({ op: 'append', left: col(column), value });
export const cmp = (left: Expr | string, op: Comparison, right: Expr): Pred => ({
  op,
  left: typeof left === 'string' ? col(left) : left,
  right,
});
export const eq = (column: string, value: number): Pred => cmp(column, '=', value);
export const isIn = (column: string, values: readonly number[]): Pred => ({
  op: 'in',
  left: col(column),
  values,
});
export const and = (...preds: Pred[]): Pred => ({ op: 'and', preds });

export const stmt = {
  begin: (level?: IsolationLevel, readOnly?: boolean): Statement => ({
    kind: 'begin',
    ...(level ? { level } : {}),
    ...(readOnly ? { readOnly } : {}),
  }),
  commit: (): Statement => ({ kind: 'commit' }),
  rollback: (): Statement => ({ kind: 'rollback' }),
  select: (
    table: string,
    where?: Pred,
    options: Partial<Extract<Statement, { kind: 'select' }>> = {},
  ): Statement => ({
    kind: 'select',
    table,
    ...(where ? { where } : {}),
    ...options,
  }),
  count: (table: string, where?: Pred): Statement => ({
    kind: 'select',
    table,
    ...(where ? { where } : {}),
    aggregate: { fn: 'count' },
  }),
  sum: (table: string, column: string, where?: Pred): Statement => ({
    kind: 'select',
    table,
    ...(where ? { where } : {}),
    aggregate: { fn: 'sum', col: column },
  }),
  insert: (table: string, ...rows: Row[]): Statement => ({ kind: 'insert', table, rows }),
  update: (
    table: string,
    set: Readonly<Record<string, Expr>>,
    where?: Pred,
    returning?: boolean,
  ): Statement => ({
    kind: 'update',
    table,
    set,
    ...(where ? { where } : {}),
    ...(returning ? { returning } : {}),
  }),
  delete: (table: string, where?: Pred): Statement => ({
    kind: 'delete',
    table,
    ...(where ? { where } : {}),
  }),
  lockTimeout: (ms: number): Statement => ({ kind: 'set lock_timeout', ms }),
  advisory: (fn: AdvisoryFunction, key: number): Statement => ({ kind: 'advisory', fn, key }),
  vacuum: (table: string, freeze?: boolean): Statement => ({
    kind: 'vacuum',
    table,
    ...(freeze ? { freeze } : {}),
  }),
  addColumn: (table: string, column: string): Statement => ({ kind: 'add column', table, column }),
};

// ---- evaluation -----------------------------------------------------------------------------------

function num(value: Value): number {
  if (typeof value !== 'number') throw new Error('an arithmetic operand is a list');
  return value;
}

export function evalExpr(expr: Expr, row: Row): Value {
  if (typeof expr === 'number') return expr;
  if ('col' in expr) {
    const value = row[expr.col];
    if (value === undefined) throw new Error(`no column ${expr.col}`);
    return value;
  }
  if (expr.op === 'append') {
    const list = evalExpr(expr.left, row);
    if (typeof list === 'number') throw new Error('array_append on a number');
    return [...list, expr.value];
  }
  const l = num(evalExpr(expr.left, row));
  const r = num(evalExpr(expr.right, row));
  switch (expr.op) {
    case '+':
      return l + r;
    case '-':
      return l - r;
    case '*':
      return l * r;
    case '%':
      // SQL's % keeps the dividend's sign, like JavaScript's.
      return l % r;
  }
}

export function evalPred(pred: Pred | undefined, row: Row): boolean {
  if (pred === undefined) return true;
  switch (pred.op) {
    case 'and':
      return pred.preds.every((p) => evalPred(p, row));
    case 'or':
      return pred.preds.some((p) => evalPred(p, row));
    case 'in': {
      const v = num(evalExpr(pred.left, row));
      return pred.values.includes(v);
    }
    default: {
      const l = num(evalExpr(pred.left, row));
      const r = num(evalExpr(pred.right, row));
      switch (pred.op) {
        case '=':
          return l === r;
        case '<>':
          return l !== r;
        case '<':
          return l < r;
        case '<=':
          return l <= r;
        case '>':
          return l > r;
        case '>=':
          return l >= r;
      }
    }
  }
}

/**
 * The key values a predicate pins the primary key to (`key = 1`, `key IN (1, 2)`, or an AND with one
 * of those), or undefined when it does not: then the plan is a sequential scan, as PostgreSQL's
 * planner chooses for a small table.
 */
export function keyLookup(pred: Pred | undefined, key: string): readonly number[] | undefined {
  if (pred === undefined) return undefined;
  const isKey = (e: Expr) => typeof e === 'object' && 'col' in e && e.col === key;
  if (pred.op === '=' && isKey(pred.left) && typeof pred.right === 'number') return [pred.right];
  if (pred.op === 'in' && isKey(pred.left)) return pred.values;
  if (pred.op === 'and') {
    for (const p of pred.preds) {
      const found = keyLookup(p, key);
      if (found) return found;
    }
  }
  return undefined;
}

// ---- SQL ------------------------------------------------------------------------------------------

function exprSql(expr: Expr, top = true): string {
  if (typeof expr === 'number') return String(expr);
  if ('col' in expr) return expr.col;
  if (expr.op === 'append') return `array_append(${exprSql(expr.left)}, ${expr.value})`;
  const text = `${exprSql(expr.left, false)} ${expr.op} ${exprSql(expr.right, false)}`;
  return top ? text : `(${text})`;
}

export function predSql(pred: Pred): string {
  switch (pred.op) {
    case 'and':
    case 'or':
      return pred.preds.map((p) => `(${predSql(p)})`).join(` ${pred.op} `);
    case 'in':
      return `${exprSql(pred.left)} in (${pred.values.join(', ')})`;
    default:
      return `${exprSql(pred.left)} ${pred.op} ${exprSql(pred.right)}`;
  }
}

const where = (pred: Pred | undefined) => (pred ? ` where ${predSql(pred)}` : '');

/** The statement as PostgreSQL SQL. */
export function toSql(s: Statement): string {
  switch (s.kind) {
    case 'begin':
      return `begin isolation level ${s.level ?? 'read committed'}${s.readOnly ? ' read only' : ''}`;
    case 'commit':
      return 'commit';
    case 'rollback':
      return 'rollback';
    case 'select': {
      const what = !s.aggregate
        ? '*'
        : s.aggregate.fn === 'count'
          ? 'count(*)::int as count'
          : `sum(${s.aggregate.col})::int as sum`;
      let text = `select ${what} from ${s.table}${where(s.where)}`;
      if (s.orderBy) text += ` order by ${s.orderBy}`;
      if (s.limit !== undefined) text += ` limit ${s.limit}`;
      if (s.lock) text += ` for ${s.lock}`;
      if (s.waitPolicy) text += ` ${s.waitPolicy}`;
      return text;
    }
    case 'insert': {
      const columns = Object.keys(s.rows[0] ?? {});
      const values = s.rows
        .map((row) => `(${columns.map((c) => valueSql(row[c] ?? 0)).join(', ')})`)
        .join(', ');
      return `insert into ${s.table} (${columns.join(', ')}) values ${values}`;
    }
    case 'update': {
      const set = Object.entries(s.set)
        .map(([c, e]) => `${c} = ${exprSql(e)}`)
        .join(', ');
      return `update ${s.table} set ${set}${where(s.where)}${s.returning ? ' returning *' : ''}`;
    }
    case 'delete':
      return `delete from ${s.table}${where(s.where)}`;
    case 'set lock_timeout':
      return `set lock_timeout = ${s.ms}`;
    case 'advisory':
      return `select ${s.fn}(${s.key}) as result`;
    case 'vacuum':
      return `vacuum${s.freeze ? ' (freeze)' : ''} ${s.table}`;
    case 'add column':
      return `alter table ${s.table} add column ${s.column} int`;
  }
}

export function valueSql(value: Value): string {
  return typeof value === 'number' ? String(value) : `'{${value.join(',')}}'::int[]`;
}

export function createTableSql(schema: TableSchema): string {
  const columns = schema.columns.map(
    (c) => `${c} int${schema.arrays?.includes(c) ? '[]' : ''}${c === schema.key ? ' primary key' : ''}`,
  );
  return `create table ${schema.name} (${columns.join(', ')})`;
}

/** The statement in one short line for traces and tables. */
export function describeStatement(s: Statement): string {
  return toSql(s);
}
