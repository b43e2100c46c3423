// Every `dslab` verb, by the name it registers: one line per command file. Each loads on its own, so
// `dslab serve` (a member process that runs for hours) or `dslab check` holds only its own verb's
// systems, checkers and clients; `dslab --help` and unknown verbs load them all.
import type { Command } from 'commander';

type Register = (program: Command) => void;

export const commandLoaders: Readonly<Record<string, () => Promise<Register>>> = {
  list: async () => (await import('./list')).registerListCommand,
  run: async () => (await import('./run')).registerRunCommand,
  replay: async () => (await import('./replay')).registerReplayCommand,
  fuzz: async () => (await import('./fuzz')).registerFuzzCommand,
  claims: async () => (await import('./claims')).registerClaimsCommand,
  serve: async () => (await import('./serve')).registerServeCommand,
  check: async () => (await import('./check')).registerCheckCommand,
  cluster: async () => (await import('./cluster')).registerClusterCommand,
  jepsen: async () => (await import('./jepsen')).registerJepsenCommand,
  merge: async () => (await import('./merge')).registerMergeCommand,
  workbench: async () => (await import('./workbench')).registerWorkbenchCommand,
};

/** The register functions of `verb` alone when it is one, else of every verb (help, typos). */
export async function commandsFor(verb: string | undefined): Promise<Register[]> {
  const one = verb !== undefined && Object.hasOwn(commandLoaders, verb) ? commandLoaders[verb] : undefined;
  if (one) return [await one()];
  return Promise.all(Object.values(commandLoaders).map((load) => load()));
}
