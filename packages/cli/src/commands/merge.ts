import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { CliError, EXIT_INVALID, EXIT_VALID } from '../errors';
import { shardFileSchema, type ClaimsShardFile, type FuzzShardFile, type ShardFile } from '../shards/files';
import { mergeClaims, mergeFuzz } from '../shards/merge';
import { printClaims, printFuzzSummary } from '../shards/print';

function readShard(path: string): ShardFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${path}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CliError(`${path}: not JSON (write shard files with --out)`);
  }
  const parsed = shardFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CliError(
      `${path}: not a dslab shard file (${issue ? `${issue.path.join('.') || 'file'}: ${issue.message}` : 'invalid'})`,
    );
  }
  return parsed.data;
}

export function registerMergeCommand(program: Command): void {
  program
    .command('merge')
    .description('combine the JSON files of `dslab fuzz|claims --shard i/n --out FILE` into one summary')
    .argument('<files...>', 'one file per shard, all of the same run')
    .option('--json', 'print the merged summary as JSON')
    .action((paths: string[], options: { json?: boolean }) => {
      const files = paths.map(readShard);
      const kinds = new Set(files.map((file) => file.kind));
      if (kinds.size > 1) throw new CliError('merge: fuzz and claims files cannot be merged together');
      if (files[0]?.kind === 'fuzz') {
        const merged = mergeFuzz(files as FuzzShardFile[]);
        if (options.json) console.log(JSON.stringify(merged, null, 2));
        else printFuzzSummary(merged);
        process.exitCode = merged.failures.length === 0 ? EXIT_VALID : EXIT_INVALID;
        return;
      }
      const merged = mergeClaims(files as ClaimsShardFile[]);
      if (options.json) console.log(JSON.stringify(merged, null, 2));
      else printClaims(merged.outcomes);
      process.exitCode = merged.differing === 0 ? EXIT_VALID : EXIT_INVALID;
    });
}
