/**
 * `dslab check --models all|<list>`: which consistency models a register history satisfies (catalog
 * B4), strongest first, each failed one with its counterexample. Histories of one register (Jepsen's
 * `:value 1`) are judged as the single key `x`; key-value histories (`[k v]`) key by key. Two read
 * shapes observe several values at once: a snapshot read of several keys (`{:f :read, :value {x 1, y
 * nil}}`, invoked with `:value nil`), and a read of siblings (`:value {:siblings [a b]}`, also as a
 * value inside a snapshot), as `@dslab/check`'s consistency README describes.
 */
import {
  CONSISTENCY_LADDER,
  classifyHistory,
  detectFormat,
  isSnapshotRead,
  readHistory,
  type History,
  type HistoryFormat,
  type LadderModel,
  type ModelVerdict,
} from '@dslab/check';
import { EXIT_ERROR, EXIT_INVALID, EXIT_VALID } from '../errors';

export interface ModelsCliOptions {
  /** 'all' or a comma-separated list of ladder models. */
  readonly models: string;
  readonly format?: HistoryFormat;
  readonly maxStates?: number;
}

/** The models asked for, or the reason the list is wrong. */
export function parseModels(text: string): LadderModel[] | string {
  if (text.trim() === 'all') return [...CONSISTENCY_LADDER];
  const wanted = text
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean);
  if (wanted.length === 0)
    return `--models: name at least one model, or all (known: ${CONSISTENCY_LADDER.join(', ')})`;
  for (const m of wanted)
    if (!(CONSISTENCY_LADDER as readonly string[]).includes(m))
      return `--models: unknown model '${m}' (known: ${CONSISTENCY_LADDER.join(', ')}, all)`;
  return wanted as LadderModel[];
}

/** Help for `--models`: the models, and the history shapes the classifier reads. */
export const MODELS_HELP =
  `which consistency models a register history satisfies: all, or a list of ${CONSISTENCY_LADDER.join(', ')}. ` +
  'Reads may be snapshots of several keys ({:f :read, :value {x 1, y nil}}) or return siblings ({:siblings [a b]})';

/**
 * A single-register history keyed as `x`, so the per-key checkers can read it. A history with snapshot
 * reads is a key-value history already (its writes are `[k v]`): left as it is.
 */
function keyed(history: History): History {
  if (history.every((op) => Array.isArray(op.input) && typeof op.input[0] === 'string')) return history;
  for (const op of history) if (isSnapshotRead(op)) return history;
  return history.map((op) => (Array.isArray(op.input) ? op : { ...op, input: ['x', op.input] }));
}

function line(v: ModelVerdict): string {
  const state = v.impliedBy
    ? `holds (implied by ${v.impliedBy})`
    : v.vacuous
      ? `holds vacuously (${v.note ?? 'the history cannot test it'})`
      : v.holds === 'unknown'
        ? `unknown (${v.note ?? 'search budget spent'})`
        : v.holds
          ? 'holds'
          : 'FAILS';
  return `  ${v.model.padEnd(20)} ${state}${v.counterexample ? `\n    ${v.counterexample}` : ''}`;
}

export function runModelsCheck(
  text: string,
  options: ModelsCliOptions,
): { exitCode: 0 | 1 | 2; output: string; verdicts?: readonly ModelVerdict[]; strongest?: string } {
  const models = parseModels(options.models);
  if (typeof models === 'string') return { exitCode: EXIT_ERROR, output: models };
  let verdicts: readonly ModelVerdict[];
  let strongest: string;
  let maximal: readonly string[];
  try {
    const history = keyed(readHistory(text, options.format ?? detectFormat(text)));
    const result = classifyHistory(history, options.maxStates ? { maxStates: options.maxStates } : {});
    verdicts = result.verdicts.filter((v) => models.includes(v.model));
    strongest = result.strongest;
    maximal = result.maximal;
  } catch (error) {
    return { exitCode: EXIT_ERROR, output: (error as Error).message };
  }
  const failed = verdicts.some((v) => v.holds === false);
  const unknown = verdicts.some((v) => v.holds === 'unknown');
  const lines = [`strongest: ${strongest}`];
  if (maximal.length > 1) lines.push(`maximal: ${maximal.join(', ')} (none implies another)`);
  for (const v of verdicts) lines.push(line(v));
  const output = lines.join('\n');
  return { exitCode: failed ? EXIT_INVALID : unknown ? EXIT_ERROR : EXIT_VALID, output, verdicts, strongest };
}
