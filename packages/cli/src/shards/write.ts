import { writeFileSync } from 'node:fs';
import { CliError } from '../errors';
import type { ShardFile } from './files';

export function writeShardFile(path: string, file: ShardFile): void {
  try {
    writeFileSync(path, JSON.stringify(file, null, 2) + '\n');
  } catch (error) {
    throw new CliError(`cannot write ${path}: ${(error as Error).message}`);
  }
}
