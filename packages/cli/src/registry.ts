/** Looks systems and scenarios up by id, with errors that list what exists. */
import { findSystem, systems, type Scenario, type SystemDefinition } from '@dslab/systems';
import { CliError } from './errors';

export function requireSystem(id: string): SystemDefinition<unknown> {
  const system = findSystem(id);
  if (!system) throw new CliError(`unknown system '${id}' (known: ${systems.map((s) => s.id).join(', ')})`);
  return system;
}

export function requireScenario(system: SystemDefinition<unknown>, id: string): Scenario {
  const scenario = system.scenarios.find((s) => s.id === id);
  if (!scenario) {
    throw new CliError(
      `unknown scenario '${id}' of ${system.id} (known: ${system.scenarios.map((s) => s.id).join(', ') || 'none'})`,
    );
  }
  return scenario;
}

export function requireFuzz(system: SystemDefinition<unknown>, mutant: string | undefined) {
  if (!system.fuzz) throw new CliError(`${system.id} has no fuzzer`);
  if (mutant !== undefined && !system.fuzz.mutants.includes(mutant)) {
    throw new CliError(
      `unknown mutant '${mutant}' of ${system.id} (known: ${system.fuzz.mutants.join(', ') || 'none'})`,
    );
  }
  return system.fuzz;
}
