/**
 * One node under test as a child process: the user's command run through `sh -c 'exec …'` (so a
 * command with arguments works, and signals reach the node itself), messages written to its stdin as
 * JSON lines, its stdout split into lines and parsed, its stderr kept as its log (the last lines only).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { excerpt, MAX_LINE_BYTES, parseMessage, type MaelstromMessage } from './protocol';

/** Lines of a node's stderr kept for the report. */
const LOG_LINES_KEPT = 200;

export interface NodeProcessEvents {
  readonly onMessage: (message: MaelstromMessage) => void;
  /** A line the node printed that is not a valid message, or a write it refused. */
  readonly onProblem: (problem: string) => void;
  readonly onExit: (code: number | null, signal: string | null) => void;
}

export class NodeProcess {
  private child: ChildProcess | undefined;
  private stdoutRest = '';
  private discarding = false;
  private readonly log: string[] = [];
  private stderrRest = '';
  paused = false;
  /** Lines printed, valid or not. */
  lines = 0;

  constructor(
    readonly id: string,
    private readonly command: string,
    private readonly events: NodeProcessEvents,
    /** Extra environment for the node (the workbench's data directory, for nodes that keep state on disk). */
    private readonly env: Readonly<Record<string, string>> = {},
  ) {}

  get running(): boolean {
    return this.child !== undefined;
  }

  start(): void {
    if (this.child) return;
    const child = spawn('/bin/sh', ['-c', `exec ${this.command}`], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...this.env },
    });
    this.child = child;
    this.stdoutRest = '';
    this.discarding = false;
    this.paused = false;
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => this.onStdout(chunk));
    child.stderr?.on('data', (chunk: string) => this.onStderr(chunk));
    child.stdin?.on('error', () => undefined); // a node that exits while we write: reported by onExit
    child.once('error', (error) => this.events.onProblem(`${this.id} could not start: ${error.message}`));
    child.once('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      this.events.onExit(code, signal);
    });
  }

  send(message: MaelstromMessage): boolean {
    const stdin = this.child?.stdin;
    if (!stdin || stdin.destroyed) return false;
    stdin.write(JSON.stringify(message) + '\n');
    return true;
  }

  private onStdout(chunk: string): void {
    let text = this.stdoutRest + chunk;
    let newline = text.indexOf('\n');
    while (newline >= 0) {
      const line = text.slice(0, newline);
      text = text.slice(newline + 1);
      if (this.discarding) this.discarding = false;
      else this.onLine(line);
      newline = text.indexOf('\n');
    }
    if (text.length > MAX_LINE_BYTES) {
      if (!this.discarding)
        this.events.onProblem(`${this.id} printed a line longer than ${MAX_LINE_BYTES} bytes; dropped`);
      this.discarding = true;
      text = '';
    }
    this.stdoutRest = text;
  }

  private onLine(line: string): void {
    if (line.trim() === '') return;
    this.lines++;
    const parsed = parseMessage(line);
    if (!parsed.ok) {
      this.events.onProblem(`${this.id} printed an invalid message (${parsed.problem}): ${excerpt(line)}`);
      return;
    }
    if (parsed.message.src !== this.id) {
      this.events.onProblem(
        `${this.id} printed a message with src ${JSON.stringify(parsed.message.src)}: ${excerpt(line)}`,
      );
      return;
    }
    this.events.onMessage(parsed.message);
  }

  private onStderr(chunk: string): void {
    const lines = (this.stderrRest + chunk).split('\n');
    this.stderrRest = (lines.pop() ?? '').slice(-MAX_LINE_BYTES);
    for (const line of lines) {
      this.log.push(excerpt(line, 500));
      if (this.log.length > LOG_LINES_KEPT) this.log.shift();
    }
  }

  /** The last lines the node wrote on stderr. */
  logTail(): readonly string[] {
    return this.log;
  }

  /** SIGKILL; resolves once the process is gone (so it can be started again). */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  pause(): void {
    if (!this.child || this.paused) return;
    this.child.kill('SIGSTOP');
    this.paused = true;
  }

  resume(): void {
    if (!this.child || !this.paused) return;
    this.child.kill('SIGCONT');
    this.paused = false;
  }

  /** Closes stdin (Maelstrom's way to end a node), then kills what is still running after a grace period. */
  async stop(graceMs = 1_000): Promise<void> {
    const child = this.child;
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    this.resume();
    child.stdin?.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}
