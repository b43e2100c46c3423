import { systemEntries } from '@dslab/systems/lazy-registry';
import { CliError } from './errors';

/** The error for a system id nobody registered, naming the ones that exist (no definition is loaded). */
export function unknownSystem(id: string): CliError {
  return new CliError(`unknown system '${id}' (known: ${systemEntries.map((s) => s.id).join(', ')})`);
}
