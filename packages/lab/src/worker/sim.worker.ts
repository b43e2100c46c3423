/// <reference lib="webworker" />
// Runs worlds off the main thread so the page never blocks. Same code, same seed → same trace as Node.
// It loads only the systems it is asked to run: each is a chunk of its own (see the lazy registry).
import { loadSystem, type SystemDefinition } from '@dslab/systems';
import type { LiveOperation, LiveSnapshot, WindowRequest, WorkerReply, WorkerRequest } from './protocol';
import { LiveSession } from '../live/session';
import { timelineWindow } from '../live/window';
import { checkHistory } from '../check/run-check';

const scope = self as unknown as DedicatedWorkerGlobalScope;
let session: LiveSession | undefined;

/** Latest a message can arrive after its send that the timeline still pairs into one arrow. */
const MAX_DRAWN_LATENCY_MS = 5_000;

function parseParams(system: SystemDefinition<unknown>, params: unknown): unknown {
  const parsed = system.params.safeParse(params);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || 'params'}: ${issue.message}`,
    );
    throw new Error(`invalid parameters: ${problems.join('; ')}`);
  }
  return parsed.data;
}

async function live(operation: LiveOperation, window: WindowRequest): Promise<LiveSnapshot> {
  if (operation.op === 'open') {
    const system = await loadSystem(operation.system);
    session = new LiveSession(
      system,
      parseParams(system, operation.params),
      operation.seed,
      operation.commands,
    );
    session.seek(operation.at);
  } else {
    if (!session) throw new Error('no live run is open');
    if (operation.op === 'advance') session.advance(operation.ms);
    else if (operation.op === 'step') session.step();
    else if (operation.op === 'seek') session.seek(operation.time);
    else if (operation.op === 'apply') session.apply(operation.fault);
  }
  const checked = operation.op === 'check' ? session.check() : undefined;
  const state = session.state();
  const from = Math.max(0, state.time - window.spanMs);
  return {
    state,
    commands: session.commandLog,
    window: timelineWindow(session.trace, session.sends, from, state.time, MAX_DRAWN_LATENCY_MS),
    nodeIds: session.nodeIds(),
    droppedEvents: session.droppedEvents,
    checkable: session.checkable,
    ...(checked ? { checked } : {}),
  };
}

/**
 * Live operations act on one session in the order they were sent. Opening a run now waits for its system's
 * chunk, so each operation waits for the one before it: an 'advance' sent right after an 'open' must not
 * run before the session exists (or on the session it replaces).
 */
let liveQueue: Promise<unknown> = Promise.resolve();

scope.onmessage = async (event: MessageEvent<WorkerRequest>) => {
  const request = event.data;
  const reply = (message: WorkerReply) => scope.postMessage(message);
  try {
    if (request.type === 'live') {
      const next = liveQueue.then(() => live(request.operation, request.window));
      liveQueue = next.catch(() => undefined);
      reply({ type: 'live', id: request.id, snapshot: await next });
      return;
    }
    if (request.type === 'check') {
      reply({ type: 'check', id: request.id, report: checkHistory(request.text, request.model) });
      return;
    }
    const system = await loadSystem(request.system);
    if (request.type === 'load') {
      reply({ type: 'load', id: request.id });
      return;
    }
    if (request.type === 'run') {
      if (!system.run) throw new Error(`${system.id} has no free run`);
      reply({
        type: 'run',
        id: request.id,
        summary: system.run(parseParams(system, request.params), request.seed),
      });
    } else {
      const scenario = system.scenarios.find((s) => s.id === request.scenario);
      if (!scenario) throw new Error(`unknown scenario '${request.scenario}'`);
      reply({
        type: 'scenario',
        id: request.id,
        result: await scenario.run({ seed: request.seed, quick: request.quick }),
      });
    }
  } catch (error) {
    reply({ type: 'error', id: request.id, message: error instanceof Error ? error.message : String(error) });
  }
};
