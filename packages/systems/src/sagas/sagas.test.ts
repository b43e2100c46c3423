import { World, type Env, type NodeId, type SimNode } from '@dslab/sim';
import { describe, expect, it } from 'vitest';
import { buildSagaWorld, ORCHESTRATOR, sagaParams } from './cluster';
import { FINAL_CHECK, finalCheck, servicesVerdict } from './invariants';
import { decodeEntries, encodeEntry } from './ledger';
import type { SagaMessage } from './messages';
import type { SagaMutant } from './mutants';
import type { Orchestrator } from './orchestrator';
import { refusedByRate, ServiceNode, type ServiceConfig } from './service';
import { settled } from './settle';
import { sagaSystem } from '.';

/** A node the test speaks through: it sends what it is told and keeps every reply. */
class Probe implements SimNode<SagaMessage> {
  readonly replies: SagaMessage[] = [];
  constructor(readonly env: Env<SagaMessage>) {}
  onMessage(_from: NodeId, msg: SagaMessage): void {
    this.replies.push(msg);
  }
  snapshot(): unknown {
    return this.replies.length;
  }
}

function serviceWorld(
  service: ServiceConfig['service'],
  extra: Partial<ServiceConfig> = {},
  mutant?: SagaMutant,
) {
  const world = new World({ seed: 1, network: { latency: { kind: 'constant', ms: 1 } } });
  world.addNode(
    service,
    (env: Env<SagaMessage>) =>
      new ServiceNode(env, {
        service,
        capacity: 2,
        declineRate: 0,
        undeliverableRate: 0,
        salt: 1,
        reservationTtlMs: 0,
        blindCompensations: false,
        semanticLock: true,
        retryMs: 20,
        ...(mutant ? { mutant } : {}),
        ...extra,
      }),
  );
  world.addNode('probe', (env: Env<SagaMessage>) => new Probe(env));
  const send = (msg: SagaMessage) => {
    world.node<Probe>('probe').env.send(service, msg);
    world.runFor(5);
  };
  const last = () => world.node<Probe>('probe').replies.at(-1);
  return { world, send, last, node: () => world.node<ServiceNode>(service) };
}

describe('a saga service', () => {
  it('applies a keyed request once and answers a repeat from its idempotency table', () => {
    const s = serviceWorld('inventory');
    s.send({ type: 'do', saga: 'o1', op: 'reserve', key: 'o1:reserve' });
    s.send({ type: 'do', saga: 'o1', op: 'reserve', key: 'o1:reserve' });
    expect(s.node().ledger.peek('o1')?.units).toBe(1);
    expect(s.node().duplicatesAnswered).toBe(1);
  });

  it('turns a release with nothing to undo into a no-op whose tombstone refuses the late reserve', () => {
    const s = serviceWorld('inventory');
    s.send({ type: 'do', saga: 'o1', op: 'release', key: 'o1:release' });
    s.send({ type: 'do', saga: 'o1', op: 'reserve', key: 'o1:reserve' });
    expect(s.last()).toMatchObject({ type: 'done', reply: { ok: false, reason: 'cancelled' } });
    expect(s.node().ledger.peek('o1')?.units).toBe(0);
  });

  it('without the tombstone (mutant) the late reserve holds stock for a compensated saga', () => {
    const s = serviceWorld('inventory', {}, 'cancel-no-tombstone');
    s.send({ type: 'do', saga: 'o1', op: 'release', key: 'o1:release' });
    s.send({ type: 'do', saga: 'o1', op: 'reserve', key: 'o1:reserve' });
    expect(s.node().ledger.peek('o1')?.units).toBe(1);
  });

  it('never refunds more than was charged, and a blind refund does', () => {
    const checked = serviceWorld('payment');
    checked.send({ type: 'do', saga: 'o1', op: 'refund', key: 'o1:refund' });
    expect(checked.node().ledger.peek('o1')?.refunds).toBe(0);
    const blind = serviceWorld('payment', { blindCompensations: true });
    blind.send({ type: 'do', saga: 'o1', op: 'refund', key: 'o1:refund' });
    expect(blind.node().ledger.peek('o1')?.refunds).toBe(1);
  });

  it('refuses holds past its capacity and keeps its state across a crash', () => {
    const s = serviceWorld('inventory');
    for (const saga of ['o1', 'o2', 'o3'])
      s.send({ type: 'do', saga, op: 'reserve', key: `${saga}:reserve` });
    expect(s.last()).toMatchObject({ reply: { ok: false, reason: 'sold out' } });
    s.world.crash('inventory');
    s.world.restart('inventory');
    expect(s.node().ledger.held).toBe(2);
    s.send({ type: 'do', saga: 'o1', op: 'reserve', key: 'o1:reserve' });
    expect(s.node().duplicatesAnswered).toBe(1);
  });
});

describe('the orchestrator', () => {
  it('resumes every saga from its log after a crash, and each ends all-or-nothing', () => {
    const cluster = buildSagaWorld(sagaParams.parse({ sagas: 30, intervalMs: 10 }), 3);
    const { world } = cluster;
    world.at(120, 'crash', () => world.crash(ORCHESTRATOR));
    world.at(200, 'restart', () => world.restart(ORCHESTRATOR));
    world.runFor(400);
    world.runUntilCondition(() => settled(cluster), 10_000);
    expect(finalCheck(cluster)).toBeUndefined();
    const sagas = world.node<Orchestrator>(ORCHESTRATOR).sagas;
    expect(sagas.size).toBe(30);
    for (const [saga, state] of sagas)
      expect(servicesVerdict(cluster.recorder, saga).verdict).toBe(state.phase);
  });

  it('compensates in reverse order when the pivot is refused', () => {
    const cluster = buildSagaWorld(
      sagaParams.parse({ sagas: 5, tripShare: 0, declineRate: 0, undeliverableRate: 1 }),
      1,
    );
    cluster.world.runFor(2_000);
    for (const steps of cluster.recorder.timelines.values()) {
      const ops = steps.map((a) => a.op);
      expect(ops).toEqual(['create', 'reserve', 'charge', 'ship', 'refund', 'release', 'reject']);
    }
  });
});

describe('the choreography', () => {
  it('chains the reactions and publishes the compensations when the pivot is refused', () => {
    const cluster = buildSagaWorld(
      sagaParams.parse({
        mode: 'choreographed',
        sagas: 4,
        tripShare: 0,
        declineRate: 0,
        undeliverableRate: 1,
      }),
      2,
    );
    cluster.world.runFor(2_000);
    expect(cluster.recorder.timelines.size).toBe(4);
    for (const steps of cluster.recorder.timelines.values())
      expect(steps.map((a) => a.op)).toEqual([
        'create',
        'reserve',
        'charge',
        'ship',
        'refund',
        'release',
        'reject',
      ]);
    expect(finalCheck(cluster)).toBeUndefined();
  });
});

describe('the try/except saga', () => {
  it('treats a charge that timed out as PaymentFailed: the customer stays charged with the stock released', () => {
    const cluster = buildSagaWorld(
      sagaParams.parse({ mode: 'try-except', sagas: 1, tripShare: 0, declineRate: 0, callTimeoutMs: 100 }),
      1,
      'hash',
      { invariants: false },
    );
    cluster.world.network.configure('*', 'payment', { latency: { kind: 'constant', ms: 80 } });
    cluster.world.network.configure('payment', '*', { latency: { kind: 'constant', ms: 80 } });
    cluster.world.runFor(1_000);
    const saga = [...cluster.recorder.acceptedAt.keys()][0] as string;
    expect(cluster.recorder.ledger('payment').peek(saga)?.charges).toBe(1);
    expect(cluster.recorder.ledger('inventory').peek(saga)?.units).toBe(0);
    expect(cluster.recorder.ledger('orders').peek(saga)?.status).toBe('rejected');
    expect(cluster.recorder.counts.chargedWithoutReservation).toBe(1);
  });
});

describe('business refusals', () => {
  it('refuse the configured share of saga ids, within sampling error', () => {
    const n = 20_000;
    for (const rate of [0.1, 0.3])
      for (const salt of [1, 2]) {
        let refused = 0;
        for (let i = 1; i <= n; i++) if (refusedByRate(salt, 'decline', `o${i}`, rate)) refused++;
        // Four standard errors of a binomial share.
        expect(Math.abs(refused / n - rate)).toBeLessThan(4 * Math.sqrt((rate * (1 - rate)) / n));
      }
  });
});

describe('logs', () => {
  it('drop a torn last line', () => {
    const bytes = new Uint8Array([...encodeEntry({ a: 1 }), ...encodeEntry({ b: 2 }).slice(0, 4)]);
    expect(decodeEntries(bytes)).toEqual([{ a: 1 }]);
  });
});

describe('the fuzzer', () => {
  it('names the final check the mutants are caught by', () => {
    const named = sagaSystem.fuzz?.pinned.filter((m) => m.caughtBy === FINAL_CHECK).map((m) => m.name);
    expect(named).toEqual(['cancel-no-tombstone', 'persist-after-send']);
  });
});
