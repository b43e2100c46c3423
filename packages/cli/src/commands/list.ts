import type { Command } from 'commander';
import { systems } from '@dslab/systems';
import { renderTable } from '../format';

export function registerListCommand(program: Command): void {
  program
    .command('list')
    .description('list the systems and their scenarios')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) => {
      if (options.json) {
        const data = systems.map((s) => ({
          id: s.id,
          title: s.title,
          rows: s.rows,
          scenarios: s.scenarios.map((c) => ({ id: c.id, claim: c.claim, expected: c.expected })),
          mutants: s.fuzz?.mutants ?? [],
        }));
        console.log(JSON.stringify(data, null, 2));
        return;
      }
      console.log(
        renderTable({
          columns: ['system', 'catalog', 'title', 'scenarios', 'fuzz'],
          rows: systems.map((s) => [
            s.id,
            s.rows.join(' '),
            s.title,
            s.scenarios.length,
            s.fuzz ? 'yes' : 'no',
          ]),
        }),
      );
      for (const s of systems) {
        console.log(`\n${s.id}:`);
        for (const c of s.scenarios) console.log(`  ${c.id.padEnd(36)} ${c.expected.padEnd(6)} ${c.claim}`);
      }
    });
}
