// A check worker: checks the parts of a history it is sent (see check-parallel.ts) and posts each result back.
import { parentPort } from 'node:worker_threads';
import { checkPart } from '@dslab/check';
import { modelFromSpec, type CheckWorkerReply, type CheckWorkerRequest } from './check-parallel';

if (!parentPort) throw new Error('check worker: not in a worker thread');
const port = parentPort;

port.on('message', (request: CheckWorkerRequest) => {
  if ('stop' in request) {
    port.close();
    return;
  }
  let reply: CheckWorkerReply;
  try {
    const model = modelFromSpec(request.spec);
    const deadlineAt = request.deadlineAt;
    const result = checkPart(request.ops, model, {
      ...(request.maxStates !== undefined ? { maxStates: request.maxStates } : {}),
      ...(deadlineAt !== undefined ? { deadlineReached: () => Date.now() > deadlineAt } : {}),
    });
    reply = { index: request.index, result };
  } catch (error) {
    reply = { index: request.index, error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
});
