/**
 * What the lab's clocks view draws: the latest events with every stamp, the messages between them, and
 * each node's clock. Plain data built by `liveDetail`, checked for its shape by the view at run time.
 */
import type { World } from '@dslab/sim';
import type { LiveDetail } from '../contract';
import type { HlcStamp } from './hlc';
import type { ClockNode } from './node';
import type { CausalRecorder } from './recorder';
import type { TimeInterval } from './truetime';
import type { Vector } from './vector';

export interface ClockEventDetail {
  /** Position among all events of the run. */
  readonly seq: number;
  readonly node: string;
  /** True virtual time. */
  readonly t: number;
  readonly kind: 'local' | 'send' | 'receive';
  readonly index: number;
  readonly peer?: string;
  readonly message?: string;
  readonly action?: string;
  readonly lamport: number;
  readonly vector: Vector;
  readonly hlc: HlcStamp;
  readonly pt: number;
  /** For a receive: the `seq` of the send it took off the wire. */
  readonly sentBy?: number;
}

export interface ClockNodeDetail {
  readonly id: string;
  readonly up: boolean;
  readonly paused: boolean;
  readonly reference: boolean;
  /** The hardware clock against true time, as the kernel holds it. */
  readonly offsetMs: number;
  readonly driftPpm: number;
  /** The disciplined clock against true time. */
  readonly errorMs?: number;
  readonly estimatedFrequencyPpm?: number;
  readonly trueTime?: TimeInterval;
}

export interface ClockLiveDetail extends LiveDetail {
  readonly kind: 'clocks';
  readonly now: number;
  readonly nodes: readonly ClockNodeDetail[];
  readonly events: readonly ClockEventDetail[];
  readonly epsilonMs: number;
  readonly maxCounter: number;
}

export function liveDetail(world: World, recorder: CausalRecorder, reference: string): ClockLiveDetail {
  const now = world.now();
  return {
    kind: 'clocks',
    now,
    nodes: world.nodeIds().map((id): ClockNodeDetail => {
      const up = world.isUp(id);
      const clock = world.clock(id);
      const node = up ? world.node<ClockNode>(id) : undefined;
      const trueTime = node?.trueTimeNow();
      return {
        id,
        up,
        paused: up && world.isPaused(id),
        reference: id === reference,
        offsetMs: clock.offset(),
        driftPpm: clock.driftPpm(),
        ...(node
          ? {
              errorMs: node.physical.peek() - now,
              estimatedFrequencyPpm: node.physical.estimatedFrequencyPpm,
            }
          : {}),
        ...(trueTime ? { trueTime } : {}),
      };
    }),
    events: recorder.recent(),
    epsilonMs: Number.isFinite(recorder.epsilonMs) ? recorder.epsilonMs : 0,
    maxCounter: recorder.maxCounter,
  };
}
