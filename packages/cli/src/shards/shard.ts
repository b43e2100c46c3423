/**
 * `--shard i/n`: a deterministic split of independent work (fuzz seeds, scenarios) over n machines.
 * Shards are 1-based, as in Playwright's `--shard=1/4` and CI matrices; a Kubernetes Indexed Job passes
 * `--shard $((JOB_COMPLETION_INDEX + 1))/N`. Items are dealt round-robin, so expensive neighbours
 * (consecutive seeds of a slow profile, the scenarios of one system) spread over the shards.
 */
import { InvalidArgumentError } from 'commander';

export interface Shard {
  /** 1-based. */
  readonly index: number;
  readonly count: number;
}

export const WHOLE: Shard = { index: 1, count: 1 };

export function parseShard(value: string): Shard {
  const match = /^(\d{1,6})\/(\d{1,6})$/.exec(value);
  if (!match) throw new InvalidArgumentError(`expected i/n (for example 2/8), got '${value}'`);
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1 || index < 1 || index > count) {
    throw new InvalidArgumentError(`shard ${value}: need 1 ≤ i ≤ n`);
  }
  return { index, count };
}

/** The items of `shard`, in their original order. */
export function takeShard<T>(items: readonly T[], shard: Shard): T[] {
  const mine: T[] = [];
  for (let i = shard.index - 1; i < items.length; i += shard.count) mine.push(items[i] as T);
  return mine;
}
