/** Safety properties of the echo system, checked after every event. */
import type { World } from '@dslab/sim';
import type { EchoNode } from './node';

/** Every pong answers a ping its receiver actually sent: a node never hears a reply it did not ask for. */
export function noUnexpectedReplies(world: World): string | undefined {
  for (const id of world.nodeIds()) {
    if (!world.isUp(id)) continue;
    const node = world.node<EchoNode>(id);
    if (node.unexpectedReplies > 0)
      return `${id} received ${node.unexpectedReplies} replies to requests it never sent`;
  }
  return undefined;
}

/** A request is answered or times out at most once: answered + timed out + outstanding = sent. */
export function everyRequestAccounted(world: World): string | undefined {
  for (const id of world.nodeIds()) {
    if (!world.isUp(id)) continue;
    const s = world.node<EchoNode>(id).snapshot();
    if (s.answered + s.timedOut + s.outstanding !== s.sent) {
      return `${id}: sent ${s.sent} ≠ answered ${s.answered} + timed out ${s.timedOut} + outstanding ${s.outstanding}`;
    }
  }
  return undefined;
}

export const echoInvariants = {
  'no unexpected replies': noUnexpectedReplies,
  'every request accounted for': everyRequestAccounted,
} as const;

export function installInvariants(world: World): void {
  for (const [name, check] of Object.entries(echoInvariants)) world.addInvariant(name, () => check(world));
}
