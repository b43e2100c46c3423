/**
 * The safety properties of sagas, checked after every event from the recorder (which sees every
 * service at once), and the final check once the run has healed and settled.
 */
import type { SagaCluster } from './cluster';
import { sagaKindOf, type ServiceId } from './definitions';
import type { Orchestrator } from './orchestrator';
import { INVARIANTS, type InvariantKey, type SagaRecorder } from './recorder';

export function installInvariants(cluster: SagaCluster): void {
  for (const [key, name] of Object.entries(INVARIANTS))
    cluster.world.addInvariant(name, () => cluster.recorder.problems[key as InvariantKey]);
}

/** Every saga the system accepted ends committed (every step done) or fully compensated (nothing left). */
export const FINAL_CHECK = 'every saga ends committed or fully compensated';

export type ServicesVerdict = 'committed' | 'compensated' | 'partial';

/** What the services, between them, hold for a saga: all of it, none of it, or something in between. */
export function servicesVerdict(
  recorder: SagaRecorder,
  saga: string,
): { verdict: ServicesVerdict; detail: string } {
  const get = (service: ServiceId) => recorder.ledger(service).peek(saga);
  const payment = get('payment');
  const net = (payment?.charges ?? 0) - (payment?.refunds ?? 0);
  if (sagaKindOf(saga) === 'order') {
    const order = get('orders')?.status;
    const stock = get('inventory');
    const shipped = get('shipping')?.status === 'shipped';
    const detail = `order ${order ?? 'none'}, stock held ${stock?.units ?? 0}${stock?.status ? ` (${stock.status})` : ''}, net charges ${net}, ${shipped ? 'shipped' : 'not shipped'}`;
    if (order === 'confirmed' && stock?.units === 1 && stock.status === 'sold' && net === 1 && shipped)
      return { verdict: 'committed', detail };
    if ((order === undefined || order === 'rejected') && (stock?.units ?? 0) === 0 && net === 0 && !shipped)
      return { verdict: 'compensated', detail };
    return { verdict: 'partial', detail };
  }
  const flight = get('flights');
  const hotel = get('hotels');
  const detail = `flight held ${flight?.units ?? 0}${flight?.status ? ` (${flight.status})` : ''}, hotel held ${hotel?.units ?? 0}, net charges ${net}`;
  if (flight?.units === 1 && flight.status === 'ticketed' && hotel?.units === 1 && net === 1)
    return { verdict: 'committed', detail };
  if ((flight?.units ?? 0) === 0 && flight?.status === undefined && (hotel?.units ?? 0) === 0 && net === 0)
    return { verdict: 'compensated', detail };
  return { verdict: 'partial', detail };
}

/** Every saga any service has heard of or the client had accepted. */
export function sagasSeen(recorder: SagaRecorder): string[] {
  const all = new Set(recorder.acceptedAt.keys());
  for (const ledger of recorder.ledgers.values()) for (const saga of ledger.records.keys()) all.add(saga);
  return [...all].sort();
}

export function finalCheck(cluster: SagaCluster): string | undefined {
  const { recorder, world, coordinator } = cluster;
  const orchestrator =
    coordinator !== undefined && world.isUp(coordinator) ? world.node<Orchestrator>(coordinator) : undefined;
  for (const saga of sagasSeen(recorder)) {
    const { verdict, detail } = servicesVerdict(recorder, saga);
    if (verdict === 'partial') return `${saga} ended part-way: ${detail}`;
    if (!orchestrator) continue;
    const state = orchestrator.sagas.get(saga);
    if (!state) {
      if (verdict === 'committed' || recorder.acceptedAt.has(saga))
        return `${saga} was accepted but the orchestrator does not know it (services: ${detail})`;
      continue;
    }
    if (state.phase !== verdict)
      return `${saga}: the orchestrator says ${state.phase}, the services say ${verdict} (${detail})`;
  }
  return undefined;
}
