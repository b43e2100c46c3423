/**
 * ZooKeeper's election recipe against the herd: the same clients, the same leaders letting go, once
 * with every waiter watching only its predecessor and once with every waiter watching the leader.
 */
import type { Scenario, ScenarioResult } from '../../contract';
import { buildElectionWorld, electionParams, notificationsReceived } from '../election';
import type { WatchStrategy } from '../zk-client';
import { round } from './common';

function measure(watch: WatchStrategy, clients: number, durationMs: number, seed: number) {
  const cluster = buildElectionWorld(electionParams.parse({ clients, watch, durationMs }), seed);
  cluster.world.runFor(durationMs);
  const notifications = notificationsReceived(cluster);
  // Every leadership but the one still running ended in a release.
  const releases = Math.max(1, cluster.leaders.terms - cluster.leaders.current);
  return {
    releases,
    notifications,
    perRelease: round(notifications / releases, 2),
    mostLeaders: cluster.leaders.most,
    traceHash: cluster.world.traceHash(),
  };
}

export const herdEffect: Scenario = {
  id: 'zk-predecessor-watch-no-herd',
  title: 'Watching the predecessor wakes one waiter per release; watching the leader wakes them all',
  claim:
    'Watching only the predecessor node (ZooKeeper style) wakes one waiter per release instead of all (no herd).',
  expected: 'holds',
  rows: ['A2'],
  run({ seed, quick }): ScenarioResult {
    const clients = 10;
    const durationMs = quick ? 3_000 : 20_000;
    const predecessor = measure('predecessor', clients, durationMs, seed);
    const leader = measure('leader', clients, durationMs, seed);
    // Between releases the waiters are everyone but the leader and those rejoining the queue.
    const holds =
      predecessor.perRelease <= 1.05 &&
      leader.perRelease >= (clients - 1) / 2 &&
      predecessor.mostLeaders === 1 &&
      leader.mostLeaders === 1;
    return {
      observed: holds ? 'holds' : 'fails',
      summary:
        `${clients} clients, each leader letting go after 100 ms: watching the predecessor, ${predecessor.perRelease} notification(s) per release (${predecessor.notifications} over ${predecessor.releases} releases); ` +
        `watching the leader, ${leader.perRelease} per release (${leader.notifications} over ${leader.releases}). One leader at a time in both (${predecessor.mostLeaders}, ${leader.mostLeaders}).`,
      measurements: {
        'predecessor.notifications per release': predecessor.perRelease,
        'predecessor.releases': predecessor.releases,
        'leader.notifications per release': leader.perRelease,
        'leader.releases': leader.releases,
        'most leaders at once': Math.max(predecessor.mostLeaders, leader.mostLeaders),
      },
      tables: [
        {
          title: `${clients} clients, ZooKeeper-like server`,
          columns: ['watch', 'releases', 'notifications', 'per release', 'most leaders at once'],
          rows: [
            [
              'predecessor',
              predecessor.releases,
              predecessor.notifications,
              predecessor.perRelease,
              predecessor.mostLeaders,
            ],
            ['leader (herd)', leader.releases, leader.notifications, leader.perRelease, leader.mostLeaders],
          ],
        },
      ],
      traceHash: predecessor.traceHash,
    };
  },
};
