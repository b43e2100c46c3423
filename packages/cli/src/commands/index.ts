// Every `dslab` verb registers itself here: one import and one entry per command file.
import type { Command } from 'commander';
import { registerListCommand } from './list';
import { registerRunCommand } from './run';
import { registerReplayCommand } from './replay';
import { registerFuzzCommand } from './fuzz';
import { registerClaimsCommand } from './claims';
import { registerServeCommand } from './serve';
import { registerCheckCommand } from './check';
import { registerClusterCommand } from './cluster';
import { registerJepsenCommand } from './jepsen';
import { registerMergeCommand } from './merge';
import { registerWorkbenchCommand } from './workbench';

export const commands: ReadonlyArray<(program: Command) => void> = [
  registerListCommand,
  registerRunCommand,
  registerReplayCommand,
  registerFuzzCommand,
  registerClaimsCommand,
  registerServeCommand,
  registerCheckCommand,
  registerClusterCommand,
  registerJepsenCommand,
  registerMergeCommand,
  registerWorkbenchCommand,
];
