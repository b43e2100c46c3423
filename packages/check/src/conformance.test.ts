import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readEdnHistory } from './readers';
import { checkLinearizable } from './linearizable';
import { casRegisterModel, multiRegisterModel } from './model';

// shared/ sits beside the repository (CI clones main with shared/ next to it).
const conformance = fileURLToPath(new URL('../../../../shared/conformance/knossos/', import.meta.url));

function files(folder: string): string[] {
  return readdirSync(join(conformance, folder))
    .filter((f) => f.endsWith('.edn'))
    .sort()
    .map((f) => join(conformance, folder, f));
}

describe('conformance with Knossos histories (recorded by Jepsen)', () => {
  it.each([
    ['cas-register/good', 'linearizable'],
    ['cas-register/bad', 'not-linearizable'],
  ] as const)('%s: every history gets the verdict of its folder', (folder, expected) => {
    const paths = files(folder);
    expect(paths.length).toBeGreaterThan(0);
    const wrong: string[] = [];
    for (const path of paths) {
      const result = checkLinearizable(readEdnHistory(readFileSync(path, 'utf8')), casRegisterModel(0));
      if (result.verdict !== expected) wrong.push(`${path.split('/').pop()}: ${result.verdict}`);
    }
    expect(wrong).toEqual([]);
  });

  it('multi-register/good is linearizable for {x 0, y 0}', () => {
    for (const path of files('multi-register/good')) {
      const result = checkLinearizable(
        readEdnHistory(readFileSync(path, 'utf8')),
        multiRegisterModel({ x: 0, y: 0 }),
      );
      expect(result.verdict).toBe('linearizable');
    }
  });
});
