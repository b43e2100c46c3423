import { World, type Env } from '@dslab/sim';
import { describe, expect, it } from 'vitest';
import type { PlogMessage } from './messages';
import { TxnCoordinator } from './txn-coordinator';

type Reply = PlogMessage & { type: 'txn-reply' };

/** A coordinator and a client node that sends requests and keeps the answers. */
function setup(transactionTimeoutMs = 10_000) {
  const world = new World({ seed: 1, network: { latency: { kind: 'constant', ms: 1 } } });
  let clientEnv: Env<PlogMessage> | undefined;
  const replies = new Map<number, Reply>();
  world.addNode('ctl', () => ({ onMessage: () => undefined, snapshot: () => null }));
  world.addNode(
    'txc',
    (env: Env<PlogMessage>) => new TxnCoordinator(env, { controller: 'ctl', transactionTimeoutMs }),
  );
  world.addNode('client', (env: Env<PlogMessage>) => {
    clientEnv = env;
    return {
      onMessage: (_from: string, msg: PlogMessage) => {
        if (msg.type === 'txn-reply') replies.set(msg.id, msg);
      },
      snapshot: () => null,
    };
  });
  world.start();
  let id = 0;
  const ask = (msg: Record<string, unknown> & { type: PlogMessage['type'] }): Reply => {
    const request = ++id;
    (clientEnv as Env<PlogMessage>).send('txc', { ...msg, id: request } as PlogMessage);
    world.runFor(10);
    const reply = replies.get(request);
    if (!reply) throw new Error(`no answer to ${msg.type}`);
    return reply;
  };
  const coordinator = () => world.node<TxnCoordinator>('txc');
  return { world, ask, coordinator };
}

describe('transaction coordinator', () => {
  it('a new instance bumps the epoch; the old one is fenced, its open transaction aborted', () => {
    const { ask, coordinator } = setup();
    const first = ask({ type: 'init-txn-producer', transactionalId: 't', nonce: 1 });
    expect(first).toMatchObject({ producerEpoch: 0 });
    const producerId = first.producerId as number;
    const base = { transactionalId: 't', producerId, producerEpoch: 0 };
    expect(ask({ type: 'add-partitions-to-txn', ...base, partitions: ['e/0'] })).toMatchObject({ txnSeq: 1 });
    // A second instance: the open transaction is aborted under epoch 1; it asks again and gets epoch 2.
    expect(ask({ type: 'init-txn-producer', transactionalId: 't', nonce: 2 }).error).toBe(
      'concurrent-transactions',
    );
    expect(coordinator().snapshot().transactions[0]).toMatchObject({ phase: 'prepare-abort', epoch: 1 });
    expect(ask({ type: 'end-txn', ...base, commit: true }).error).toBe('producer-fenced');
    // The old instance may not take the id back by claiming a timeout it did not have.
    expect(
      ask({ type: 'init-txn-producer', transactionalId: 't', nonce: 3, previous: { producerId, epoch: 0 } })
        .error,
    ).toBe('producer-fenced');
  });

  it('a timed-out transaction is aborted under a new epoch; its own producer may continue (KIP-360)', () => {
    const { ask, world, coordinator } = setup(100);
    const producerId = ask({ type: 'init-txn-producer', transactionalId: 't', nonce: 1 })
      .producerId as number;
    const base = { transactionalId: 't', producerId, producerEpoch: 0 };
    ask({ type: 'add-partitions-to-txn', ...base, partitions: ['e/0'] });
    world.runFor(200);
    expect(coordinator().timedOut).toBe(1);
    expect(ask({ type: 'end-txn', ...base, commit: true })).toMatchObject({
      error: 'producer-fenced',
      timedOut: true,
    });
    // No leader answers the markers here: the abort stays in its prepare phase, and InitProducerId waits.
    const again = ask({
      type: 'init-txn-producer',
      transactionalId: 't',
      nonce: 2,
      previous: { producerId, epoch: 0 },
    });
    expect(again.error).toBe('concurrent-transactions');
  });

  it('its state survives a crash: a decided commit is still being written after the restart', () => {
    const { ask, world, coordinator } = setup();
    const producerId = ask({ type: 'init-txn-producer', transactionalId: 't', nonce: 1 })
      .producerId as number;
    const base = { transactionalId: 't', producerId, producerEpoch: 0 };
    ask({ type: 'add-partitions-to-txn', ...base, partitions: ['e/0', 'e/1'] });
    expect(ask({ type: 'end-txn', ...base, commit: true }).error).toBeUndefined();
    world.crash('txc');
    world.restart('txc');
    world.runFor(5);
    expect(coordinator().snapshot().transactions[0]).toMatchObject({
      phase: 'prepare-commit',
      pending: ['e/0', 'e/1'],
    });
    // A retry of the same EndTxn is answered as the decision stands.
    expect(ask({ type: 'end-txn', ...base, commit: true }).error).toBeUndefined();
  });
});
