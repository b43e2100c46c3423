/** The workloads by name, each a fresh instance per run. */
import type { Workload } from '../workload';
import { broadcastWorkload } from './broadcast';
import { echoWorkload } from './echo';
import { linKvWorkload } from './lin-kv';
import { uniqueIdsWorkload } from './unique-ids';
import { gSetWorkload } from './g-set';
import { counterWorkload } from './counter';
import { kafkaWorkload } from './kafka';
import { txnWorkload } from './txn';

const factories: Readonly<Record<string, () => Workload>> = {
  echo: echoWorkload,
  'unique-ids': uniqueIdsWorkload,
  broadcast: broadcastWorkload,
  'lin-kv': linKvWorkload,
  'g-set': gSetWorkload,
  'g-counter': () => counterWorkload('g-counter'),
  'pn-counter': () => counterWorkload('pn-counter'),
  kafka: kafkaWorkload,
  'txn-list-append': () => txnWorkload('list-append'),
  'txn-rw-register': () => txnWorkload('rw-register'),
};

export const workloadNames: readonly string[] = Object.keys(factories);

export function workloadNamed(name: string): Workload {
  const factory = factories[name];
  if (!factory) throw new RangeError(`unknown workload '${name}' (known: ${workloadNames.join(', ')})`);
  return factory();
}
