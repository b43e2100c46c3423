/** Looks systems and scenarios up by id, with errors that list what exists. */
import { findSystem, validateMutant, type Scenario, type SystemDefinition } from '@dslab/systems';
import { CliError } from './errors';
import { unknownSystem } from './unknown-system';

export function requireSystem(id: string): SystemDefinition<unknown> {
  const system = findSystem(id);
  if (!system) throw unknownSystem(id);
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
  try {
    validateMutant(system.id, system.fuzz.mutants, mutant);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  return system.fuzz;
}
