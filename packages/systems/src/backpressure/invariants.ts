/** Safety properties of the queue, checked after every event. */
import type { BackpressureCluster } from './cluster';
import { SERVER } from './names';

export const QUEUE_BOUNDED = 'queue bounded';
export const CONSERVATION = 'every request accounted at the server';
export const PRIORITY_ORDER = 'low priority shed first';

export function installInvariants(cluster: BackpressureCluster): void {
  const { world } = cluster;
  world.addInvariant(QUEUE_BOUNDED, () => {
    if (!world.isUp(SERVER)) return undefined;
    const queue = cluster.server().queue;
    return queue.length > queue.limit ? `${queue.length} requests queued, bound ${queue.limit}` : undefined;
  });
  world.addInvariant(CONSERVATION, () => {
    if (!world.isUp(SERVER)) return undefined;
    const s = cluster.server().snapshot();
    const accounted = s.completed + s.refused + s.evicted + s.expired + s.busy + s.depth;
    return accounted === s.received
      ? undefined
      : `received ${s.received}, but completed ${s.completed} + refused ${s.refused} + evicted ${s.evicted} + expired ${s.expired} + in service ${s.busy} + queued ${s.depth} = ${accounted}`;
  });
  world.addInvariant(PRIORITY_ORDER, () => {
    if (!world.isUp(SERVER)) return undefined;
    const n = cluster.server().queue.highShedWhileLowQueued;
    return n > 0 ? `${n} high-priority requests shed while low-priority ones were queued` : undefined;
  });
}
