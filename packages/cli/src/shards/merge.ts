/** Combines shard files into the summary one run would have printed, and proves the shards add up. */
import type { ClaimOutcome } from '../claims';
import { CliError } from '../errors';
import type { ClaimsShardFile, FuzzShardFile, ShardFile } from './files';

export interface MergedFuzz {
  readonly kind: 'fuzz';
  readonly system: string;
  readonly mutant: string | null;
  readonly seeds: number;
  readonly failures: readonly FuzzShardFile['failures'][number][];
  readonly events: number;
  /** Sum of the shards' wall times: the machine time spent, not the elapsed time. */
  readonly seconds: number;
  readonly complete: boolean;
}

export interface MergedClaims {
  readonly kind: 'claims';
  readonly seed: number;
  readonly outcomes: readonly ClaimOutcome[];
  readonly differing: number;
}

function checkShardSet(files: readonly ShardFile[]): void {
  const count = files[0]?.shard.count;
  if (count === undefined) throw new CliError('merge: no shard files');
  const seen = new Set<number>();
  for (const file of files) {
    if (file.shard.count !== count)
      throw new CliError(`merge: shards of different splits (${file.shard.count} vs ${count})`);
    if (seen.has(file.shard.index))
      throw new CliError(`merge: shard ${file.shard.index}/${count} given twice`);
    seen.add(file.shard.index);
  }
  const missing: number[] = [];
  for (let i = 1; i <= count; i++) if (!seen.has(i)) missing.push(i);
  if (missing.length > 0)
    throw new CliError(`merge: missing shard(s) ${missing.map((i) => `${i}/${count}`).join(', ')}`);
}

export function mergeFuzz(files: readonly FuzzShardFile[]): MergedFuzz {
  checkShardSet(files);
  const first = files[0] as FuzzShardFile;
  let seeds = 0;
  let events = 0;
  let seconds = 0;
  let complete = true;
  const failures: FuzzShardFile['failures'][number][] = [];
  for (const file of files) {
    if (
      file.system !== first.system ||
      file.mutant !== first.mutant ||
      file.start !== first.start ||
      file.total !== first.total
    ) {
      throw new CliError(
        `merge: shard ${file.shard.index} ran ${file.system}${file.mutant ? ` --mutant ${file.mutant}` : ''} seeds ${file.start}+${file.total}, ` +
          `shard ${first.shard.index} ran ${first.system}${first.mutant ? ` --mutant ${first.mutant}` : ''} seeds ${first.start}+${first.total}`,
      );
    }
    seeds += file.seeds;
    events += file.events;
    seconds += file.seconds;
    if (file.stoppedEarly) complete = false;
    for (const failure of file.failures) failures.push(failure);
  }
  failures.sort((a, b) => a.seed - b.seed);
  if (complete && seeds !== first.total) {
    throw new CliError(`merge: the shards ran ${seeds} seeds, the run has ${first.total}`);
  }
  return {
    kind: 'fuzz',
    system: first.system,
    mutant: first.mutant,
    seeds,
    failures,
    events,
    seconds,
    complete,
  };
}

export function mergeClaims(files: readonly ClaimsShardFile[]): MergedClaims {
  checkShardSet(files);
  const first = files[0] as ClaimsShardFile;
  const byId = new Map<string, ClaimOutcome>();
  for (const file of files) {
    if (
      file.seed !== first.seed ||
      file.quick !== first.quick ||
      file.all.join('\n') !== first.all.join('\n')
    ) {
      throw new CliError(
        `merge: shard ${file.shard.index} ran a different claims run (seed, --quick or scenarios differ)`,
      );
    }
    for (const outcome of file.outcomes) byId.set(`${outcome.system}/${outcome.scenario}`, outcome);
  }
  const outcomes: ClaimOutcome[] = [];
  const missing: string[] = [];
  for (const id of first.all) {
    const outcome = byId.get(id);
    if (outcome) outcomes.push(outcome);
    else missing.push(id);
  }
  if (missing.length > 0)
    throw new CliError(
      `merge: no outcome for ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}`,
    );
  let differing = 0;
  for (const outcome of outcomes) if (!outcome.agrees) differing++;
  return { kind: 'claims', seed: first.seed, outcomes, differing };
}
