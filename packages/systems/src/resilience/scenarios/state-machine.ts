/** Claim: an open breaker makes zero downstream calls; half-open lets probes through; success closes, failure reopens. */
import type { Scenario, ScenarioResult } from '../../contract';
import type { BreakerConfig, Transition } from '../breaker';
import { frontend, leaf, poissonClients, policy, runGraph } from './common';

const DOWN_FROM = 1_000;
const DOWN_UNTIL = 2_500;
/** A reply in flight when b came back may still report the outage: one network round trip of slack. */
const SLACK_MS = 10;

const breaker: BreakerConfig = {
  window: { kind: 'count', size: 10, minimumCalls: 5, failureRate: 0.5 },
  openMs: 300,
  probes: 2,
};

export const breakerStateMachine: Scenario = {
  id: 'breaker-state-machine',
  title: 'Open sends nothing; half-open sends its probes; success closes, failure reopens',
  claim:
    'Open breaker: zero downstream calls; half-open lets probes through; success closes, failure reopens.',
  expected: 'holds',
  rows: ['H2'],
  run({ seed }): ScenarioResult {
    const until = 4_000;
    const services = [
      frontend(32, 32, [{ service: 'b', instances: ['b'], policy: policy({ timeoutMs: 200, breaker }) }], {
        b: ['b'],
      }),
      leaf('b', 'b', 32, 32, 5, 15),
    ];
    const clients = poissonClients(
      1,
      100,
      'frontend',
      policy({ timeoutMs: 1_000 }),
      [{ route: 'b', weight: 1 }],
      until - 300,
    );
    const cluster = runGraph(
      services,
      clients,
      [
        { atMs: DOWN_FROM, nodes: ['b'], mode: { kind: 'refuse' } },
        { atMs: DOWN_UNTIL, nodes: ['b'], mode: { kind: 'healthy' } },
      ],
      seed,
      until,
    );
    const b = cluster.service('frontend').callers.get('b')?.breaker;
    if (!b) throw new Error('the frontend has no breaker on b');
    const transitions: readonly Transition[] = b.transitions;
    const sends = cluster.ledger.sends.get('frontend→b') ?? [];
    const sendsIn = (from: number, to: number) => sends.filter((t) => t >= from && t < to).length;
    let sentWhileOpen = 0;
    let openSpells = 0;
    let halfOpenSpells = 0;
    let mostProbes = 0;
    let reopened = 0;
    let closed = 0;
    let wrongExits = 0;
    const rows: (string | number)[][] = [];
    transitions.forEach((tr, i) => {
      const end = transitions[i + 1]?.t ?? cluster.world.now();
      const sent = sendsIn(tr.t, end);
      if (tr.to === 'open') {
        openSpells++;
        sentWhileOpen += sent;
      }
      if (tr.to === 'half-open') {
        halfOpenSpells++;
        mostProbes = Math.max(mostProbes, sent);
        const exit = transitions[i + 1];
        if (exit?.to === 'open') {
          reopened++;
          if (exit.t >= DOWN_UNTIL + SLACK_MS) wrongExits++;
        }
        if (exit?.to === 'closed') {
          closed++;
          if (exit.t < DOWN_UNTIL) wrongExits++;
        }
      }
      rows.push([Math.round(tr.t), tr.from, tr.to, tr.why, sent]);
    });
    const endState = b.state(cluster.world.now());
    const holds =
      openSpells >= 1 &&
      sentWhileOpen === 0 &&
      mostProbes <= breaker.probes &&
      mostProbes >= 1 &&
      reopened >= 1 &&
      closed >= 1 &&
      wrongExits === 0 &&
      endState === 'closed';
    return {
      observed: holds ? 'holds' : 'fails',
      summary:
        `b refused calls from ${DOWN_FROM} to ${DOWN_UNTIL} ms. The frontend's breaker opened ${openSpells}× and sent ${sentWhileOpen} calls while open; ` +
        `each of its ${halfOpenSpells} half-open spells sent at most ${mostProbes} probes (limit ${breaker.probes}); ` +
        `${reopened} reopened on a failed probe while b was down, ${closed} closed on successful probes after it recovered (${wrongExits} exits against b's state); it ended ${endState}.`,
      measurements: { openSpells, sentWhileOpen, halfOpenSpells, mostProbes, reopened, closed, wrongExits },
      tables: [
        {
          title: "The frontend's breaker on b: every transition, and the calls it sent until the next one",
          columns: ['at ms', 'from', 'to', 'why', 'calls sent in this state'],
          rows,
        },
      ],
      traceHash: cluster.world.traceHash(),
    };
  },
};
