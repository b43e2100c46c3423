/** `dslab`: the lab, headless. Exit codes: 0 valid, 1 invalid, 2 error or unknown. */
import { Command, CommanderError } from 'commander';
import { CliError, EXIT_ERROR } from './errors';

export const VERSION = '0.1.0';

/**
 * The program for `verb` (every verb when it names none). The verbs, and the systems, checkers and
 * runtime they pull in, load here on demand: `dslab --version` parses none of them, and `dslab serve`
 * only its own.
 */
export async function buildProgram(verb?: string): Promise<Command> {
  const commands = await (await import('./commands')).commandsFor(verb);
  const program = new Command('dslab')
    .description('dslab — a laboratory for distributed systems: run, break and check real implementations')
    .version(VERSION)
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({ outputError: (text, write) => write(`dslab: ${text.replace(/^error: /, '')}`) });
  for (const register of commands) register(program);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** Runs the CLI on `argv` (without node and script) and returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    console.log(VERSION);
    return 0;
  }
  try {
    const program = await buildProgram(argv[0]);
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit 0; every usage error (unknown flag, bad number, missing argument) is 2.
      return error.exitCode === 0 ? 0 : EXIT_ERROR;
    }
    if (error instanceof CliError) {
      console.error(`dslab: ${error.message}`);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    console.error(
      `dslab: unexpected error: ${message}${process.env.DSLAB_DEBUG ? '' : ' (set DSLAB_DEBUG=1 for the stack)'}`,
    );
    if (process.env.DSLAB_DEBUG && error instanceof Error) console.error(error.stack);
    return EXIT_ERROR;
  }
}

const isEntry = process.argv[1] !== undefined && /(?:dslab(?:\.js)?|main\.ts)$/.test(process.argv[1]);
if (isEntry) {
  process.exitCode = 0;
  const code = await main(process.argv.slice(2));
  process.exitCode = code;
}
