import type { Command } from 'commander';
import { catalog, systems, trackOf } from '@dslab/systems';
import { renderTable } from '../format';

export function registerListCommand(program: Command): void {
  program
    .command('list')
    .description('list the systems and their scenarios (--catalog: every catalog row and its status)')
    .option('--json', 'print JSON')
    .option(
      '--catalog',
      'list the catalog: every row, its track and status, and the systems that implement it',
    )
    .action((options: { json?: boolean; catalog?: boolean }) => {
      if (options.catalog) {
        const rows = catalog.map((row) => ({
          ...row,
          systems: systems.filter((s) => s.rows.includes(row.id)).map((s) => s.id),
        }));
        if (options.json) {
          console.log(JSON.stringify(rows, null, 2));
          return;
        }
        console.log(
          renderTable({
            columns: ['row', 'track', 'title', 'status', 'systems'],
            rows: rows.map((row) => [row.id, row.track, row.title, row.status, row.systems.join(' ')]),
          }),
        );
        return;
      }
      if (options.json) {
        const data = systems.map((s) => ({
          id: s.id,
          title: s.title,
          rows: s.rows,
          track: trackOf(s.rows),
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
