/**
 * Histories in Jepsen's sense: each operation is invoked, then completes ok (it took effect), fail
 * (it did not) or info (unknown: it may take effect at any time after its invocation, so it stays
 * open to the end). A read's result arrives with its completion.
 */
export type Outcome = 'ok' | 'fail' | 'info';

export interface Operation {
  /** Dense index 0..n-1 within its history. */
  readonly id: number;
  readonly process: string;
  readonly f: string;
  /** What the client asked (a write's value, a cas's [from, to]). */
  readonly input: unknown;
  /** What the completion reported (a read's value); undefined when unknown. */
  readonly output: unknown;
  readonly outcome: Outcome;
  /** Invocation time; completion time, or Infinity for info (open to the end). */
  readonly call: number;
  readonly ret: number;
}

export type History = readonly Operation[];

/** Records operations as a client runs (simulated or real), with times from the caller's true clock. */
export class HistoryRecorder {
  private readonly ops: {
    process: string;
    f: string;
    input: unknown;
    output: unknown;
    outcome: Outcome | undefined;
    call: number;
    ret: number;
  }[] = [];
  /**
   * Per process, the id of its open operation, or -1 once it completed. Entries are overwritten, never
   * deleted: a map that has entries deleted and re-added at every operation rehashes itself again and
   * again (the recorder runs once per operation of every simulated client).
   */
  private readonly openByProcess = new Map<string, number>();

  invoke(process: string | number, f: string, input: unknown, time: number): number {
    const key = String(process);
    if ((this.openByProcess.get(key) ?? -1) >= 0)
      throw new Error(`process ${key} invoked ${f} while its previous operation is still open`);
    const id = this.ops.length;
    this.ops.push({
      process: key,
      f,
      input,
      output: undefined,
      outcome: undefined,
      call: time,
      ret: Infinity,
    });
    this.openByProcess.set(key, id);
    return id;
  }

  ok(id: number, output: unknown, time: number): void {
    this.complete(id, 'ok', output, time);
  }

  fail(id: number, time: number): void {
    this.complete(id, 'fail', undefined, time);
  }

  /** The outcome is unknown (a timeout): the operation stays open to the end of the history. */
  info(id: number, time: number): void {
    this.complete(id, 'info', undefined, time);
  }

  private complete(id: number, outcome: Outcome, output: unknown, time: number): void {
    const op = this.ops[id];
    if (!op) throw new Error(`no operation ${id}`);
    if (op.outcome !== undefined) throw new Error(`operation ${id} completed twice`);
    if (time < op.call)
      throw new Error(`operation ${id} completes at ${time}, before its invocation at ${op.call}`);
    op.outcome = outcome;
    op.output = output;
    op.ret = outcome === 'info' ? Infinity : time;
    this.openByProcess.set(op.process, -1);
  }

  /** Operations invoked so far (without building the history). */
  get size(): number {
    return this.ops.length;
  }

  /** The history so far; operations still open count as info. */
  history(): History {
    return this.ops.map((op, id) => ({
      id,
      process: op.process,
      f: op.f,
      input: op.input,
      output: op.output,
      outcome: op.outcome ?? 'info',
      call: op.call,
      ret: op.outcome === undefined || op.outcome === 'info' ? Infinity : op.ret,
    }));
  }
}

/** One line of a Jepsen-style event history: an invocation or a completion of a process's operation. */
export interface HistoryEvent {
  readonly type: 'invoke' | Outcome;
  readonly process: string;
  readonly f: string;
  readonly value: unknown;
  /**
   * The key, for histories that carry it in its own field (`{:f :get, :key "4", :value nil}`): the
   * operation's input becomes `[key, value]` (the kv vocabulary) and its output the completion's bare value.
   */
  readonly key?: unknown;
  /** Line number in the source, for error messages. */
  readonly line?: number;
}

/**
 * Pairs invocations with completions per process (Jepsen's rule: a process has at most one open
 * operation) and uses the event index as time. Errors name the line.
 */
export function pairEvents(events: readonly HistoryEvent[]): History {
  const recorder = new HistoryRecorder();
  const open = new Map<string, { id: number; f: string; key: unknown }>();
  events.forEach((event, index) => {
    const where = event.line !== undefined ? `line ${event.line}` : `event ${index + 1}`;
    if (event.type === 'invoke') {
      if (open.has(event.process))
        throw new Error(
          `${where}: process ${event.process} invokes again before its previous operation completed`,
        );
      const input = event.key !== undefined ? [event.key, event.value] : event.value;
      open.set(event.process, {
        id: recorder.invoke(event.process, event.f, input, index),
        f: event.f,
        key: event.key,
      });
      return;
    }
    const pending = open.get(event.process);
    if (!pending)
      throw new Error(`${where}: ${event.type} for process ${event.process}, which has no open operation`);
    if (pending.f !== event.f)
      throw new Error(
        `${where}: completion :${event.f} does not match the open :${pending.f} of process ${event.process}`,
      );
    if (event.key !== undefined && JSON.stringify(event.key) !== JSON.stringify(pending.key))
      throw new Error(
        `${where}: completion for key ${JSON.stringify(event.key)} does not match the open :${pending.f} of ${pending.key === undefined ? 'no key' : `key ${JSON.stringify(pending.key)}`} (process ${event.process})`,
      );
    open.delete(event.process);
    if (event.type === 'ok') recorder.ok(pending.id, event.value, index);
    else if (event.type === 'fail') recorder.fail(pending.id, index);
    else recorder.info(pending.id, index);
  });
  return recorder.history();
}
