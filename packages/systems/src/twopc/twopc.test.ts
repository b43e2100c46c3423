import { SimDisk, Rng, catchViolation } from '@dslab/sim';
import { describe, expect, it } from 'vitest';
import { conservation, locksReleased, settle, unresolved } from './checks';
import { buildTwoPcCluster, twoPcParams } from './cluster';
import { RecordLog } from './log';
import { runTwoPhaseOrders, type OrderWorkload } from './orders';
import { afterTrace, oneTransaction, runUntilResolved } from './scenarios/support';
import type { ParticipantTxState } from './messages';
import { terminationOutcome } from './termination';

describe('the record log', () => {
  it('keeps forced records across a crash and drops an unforced or torn tail', () => {
    const disk = new SimDisk({ tornWrites: true });
    const { log } = RecordLog.open<{ n: number }>(disk, 'l');
    log.append({ n: 1 });
    log.force();
    log.append({ n: 2 }); // never forced
    disk.crash(new Rng(3));
    const reopened = RecordLog.open<{ n: number }>(disk, 'l');
    expect(reopened.records).toEqual([{ n: 1 }]);
  });
});

describe("3PC's termination rule", () => {
  const heard = (...states: ParticipantTxState[]) => new Map(states.map((s, i) => [`p${i}`, s]));
  it('adopts an outcome a peer holds under both rules', () => {
    expect(terminationOutcome(heard('prepared', 'committed'), 'wait')).toBe('commit');
    expect(terminationOutcome(heard('prepared', 'aborted'), 'wait')).toBe('abort');
    expect(terminationOutcome(heard('precommitted', 'unknown'), 'assume-crashed')).toBe('abort');
  });
  it("decides from 'prepared' and 'precommitted' only under Skeen's rule", () => {
    expect(terminationOutcome(heard('prepared', 'prepared'), 'assume-crashed')).toBe('abort');
    expect(terminationOutcome(heard('prepared', 'precommitted'), 'assume-crashed')).toBe('commit');
    expect(terminationOutcome(heard('prepared', 'precommitted'), 'wait')).toBeUndefined();
  });
});

describe('two-phase commit', () => {
  it('commits a transfer everywhere, releases every lock and conserves the total', () => {
    const cluster = buildTwoPcCluster(twoPcParams.parse({ durationMs: 2_000 }), 4);
    const violation = catchViolation(() => {
      cluster.world.runFor(2_000);
      settle(cluster);
    });
    expect(violation?.message).toBeUndefined();
    expect(unresolved(cluster)).toBeUndefined();
    expect(locksReleased(cluster)).toBeUndefined();
    expect(conservation(cluster)).toBeUndefined();
    expect(cluster.coordinatorNode()?.snapshot().committed).toBeGreaterThan(20);
  });

  it('a participant restarted while prepared takes its locks back from its log before it learns the outcome', () => {
    const cluster = oneTransaction(2);
    const { world } = cluster;
    // Cut p2 off from the coordinator's decision, crash it after its YES, and look at it right after the restart.
    let locksAfterRestart = -1;
    afterTrace(world, 'p2', 'vote-yes', () => {
      world.network.blockOneWay(cluster.coordinator, 'p2');
      world.crash('p2');
      world.after(500, 'restart p2', () => {
        world.restart('p2');
        locksAfterRestart = cluster.participantNode('p2')?.lockCount ?? -1;
        world.network.heal();
      });
    });
    expect(runUntilResolved(cluster, 5_000)).toBe(true);
    expect(locksAfterRestart).toBe(1);
    // Its row has the transfer's credit: 100 + 15.
    expect(cluster.participantNode('p2')?.snapshot().rows).toEqual([['a0', 115]]);
  });

  it('with the Raft group, participants learn COMMIT from the group while the coordinator is down', () => {
    const cluster = oneTransaction(3, { decisions: 'raft' }, {}, 1_000); // the group elects a leader first
    const { world } = cluster;
    afterTrace(
      world,
      cluster.coordinator,
      'decide',
      () => world.crash(cluster.coordinator),
      (d) => d['outcome'] === 'commit',
    );
    expect(runUntilResolved(cluster, 4_000)).toBe(true);
    expect(world.isUp(cluster.coordinator)).toBe(false);
    for (const record of cluster.observer.txs.values())
      for (const p of record.at.values()) expect(p.outcome).toBe('commit');
  });
});

describe('runTwoPhaseOrders', () => {
  const workload: OrderWorkload = {
    orders: 60,
    intervalMs: 20,
    products: 10,
    stockPerProduct: 1_000,
    customers: 20,
    balancePerCustomer: 100_000,
    maxQuantity: 3,
    unitPrice: 10,
  };

  it('is deterministic and answers every order', () => {
    const a = runTwoPhaseOrders(workload, 5);
    const b = runTwoPhaseOrders(workload, 5);
    expect(a).toEqual(b);
    expect(a.orders).toBe(60);
    expect(a.unanswered).toBe(0);
    expect(a.committed + a.aborted).toBe(60);
    expect(a.lockHeldMs.count).toBeGreaterThan(0);
  });

  it('commits nothing that needs a participant while it is down', () => {
    const f = runTwoPhaseOrders(
      { ...workload, outage: { participant: 'payment', fromMs: 300, untilMs: 900 } },
      5,
    );
    expect(f.ordersDuringOutage).toBeGreaterThan(10);
    // Orders started in the last few ms of the outage may reach payment after its restart.
    expect(f.availabilityDuringOutage ?? 1).toBeLessThan(0.15);
  });

  it('rejects a bad workload with a clear error', () => {
    expect(() => runTwoPhaseOrders({ ...workload, orders: 0 })).toThrow(/orders must be a positive number/);
    expect(() =>
      runTwoPhaseOrders({ ...workload, outage: { participant: 'payment', fromMs: 5, untilMs: 1 } }),
    ).toThrow(/outage/);
  });
});
