/// <reference lib="webworker" />
// Runs worlds off the main thread so the page never blocks. Same code, same seed → same trace as Node.
import { findSystem } from '@dslab/systems';
import type { WorkerReply, WorkerRequest } from './protocol';

const scope = self as unknown as DedicatedWorkerGlobalScope;

scope.onmessage = async (event: MessageEvent<WorkerRequest>) => {
  const request = event.data;
  const reply = (message: WorkerReply) => scope.postMessage(message);
  try {
    const system = findSystem(request.system);
    if (!system) throw new Error(`unknown system '${request.system}'`);
    if (request.type === 'run') {
      if (!system.run) throw new Error(`${system.id} has no free run`);
      const parsed = system.params.safeParse(request.params);
      if (!parsed.success) {
        const problems = parsed.error.issues.map(
          (issue) => `${issue.path.join('.') || 'params'}: ${issue.message}`,
        );
        throw new Error(`invalid parameters: ${problems.join('; ')}`);
      }
      reply({ type: 'run', id: request.id, summary: system.run(parsed.data, request.seed) });
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
