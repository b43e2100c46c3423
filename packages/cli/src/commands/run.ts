import type { Command } from 'commander';
import type { Scenario, ScenarioResult, SystemDefinition } from '@dslab/systems';
import { collectParam, parseCount, parseParams } from '../options';
import { requireScenario, requireSystem } from '../registry';
import { renderRecord, renderTable } from '../format';
import { CliError, EXIT_INVALID, EXIT_VALID } from '../errors';

interface RunOptions {
  seed: number;
  param?: Record<string, unknown>;
  params?: string;
  quick?: boolean;
  json?: boolean;
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('run a system (a free run with params) or one of its scenarios, headless and deterministic')
    .argument('<system>', 'system id (see dslab list)')
    .argument('[scenario]', 'scenario id; without it, a free run')
    .option('--seed <n>', 'seed that decides everything in the run', parseCount, 1)
    .option(
      '--param <key=value>',
      'a system parameter (repeatable; value parsed as JSON when possible)',
      collectParam,
    )
    .option('--params <json>', 'all parameters as one JSON object')
    .option('--quick', 'a smaller sweep (what the tests run)')
    .option('--json', 'print the result as JSON')
    .action(async (systemId: string, scenarioId: string | undefined, options: RunOptions) => {
      const system = requireSystem(systemId);
      if (scenarioId !== undefined) {
        const scenario = requireScenario(system, scenarioId);
        const result = await scenario.run({ seed: options.seed, quick: options.quick ?? false });
        if (options.json)
          console.log(
            JSON.stringify(
              { system: system.id, scenario: scenario.id, expected: scenario.expected, ...result },
              null,
              2,
            ),
          );
        else printScenario(system, scenario, result);
        process.exitCode = result.observed === scenario.expected ? EXIT_VALID : EXIT_INVALID;
        return;
      }
      if (!system.run)
        throw new CliError(`${system.id} has no free run; run one of its scenarios (dslab list)`);
      const input = { ...readParamsJson(options.params), ...(options.param ?? {}) };
      const params = parseParams(system.params, input, system.id);
      const summary = system.run(params, options.seed);
      const failed = Object.entries(summary.checks).filter(([, problem]) => problem !== undefined);
      if (options.json) console.log(JSON.stringify({ system: system.id, params, ...summary }, null, 2));
      else {
        console.log(
          `${system.title} — seed ${summary.seed}, ${summary.events.toLocaleString('en-US')} events, ${(summary.virtualMs / 1000).toFixed(3)} virtual s, trace ${summary.traceHash}`,
        );
        console.log(renderRecord(summary.metrics));
        for (const [name, problem] of Object.entries(summary.checks))
          console.log(`${problem === undefined ? 'ok  ' : 'FAIL'} ${name}${problem ? ': ' + problem : ''}`);
      }
      process.exitCode = failed.length === 0 ? EXIT_VALID : EXIT_INVALID;
    });
}

function readParamsJson(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CliError(`--params is not valid JSON: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new CliError('--params must be a JSON object');
  return value as Record<string, unknown>;
}

export function printScenario(
  system: SystemDefinition<unknown>,
  scenario: Scenario,
  result: ScenarioResult,
): void {
  const agrees = result.observed === scenario.expected;
  console.log(`${system.id} / ${scenario.id} — ${scenario.title}`);
  console.log(`claim:    ${scenario.claim}`);
  console.log(
    `expected: ${scenario.expected}    observed: ${result.observed}    ${agrees ? '✓ as expected' : '✗ DIFFERS'}`,
  );
  if (scenario.corrected) console.log(`corrected: ${scenario.corrected}`);
  console.log(`measured: ${result.summary}`);
  for (const table of result.tables ?? []) console.log('\n' + renderTable(table));
  if (result.traceHash) console.log(`\ntrace ${result.traceHash}`);
}
