/** The workloads by name, each a fresh instance per run. */
import type { Workload } from '../workload';
import { broadcastWorkload } from './broadcast';
import { echoWorkload } from './echo';
import { linKvWorkload } from './lin-kv';
import { uniqueIdsWorkload } from './unique-ids';

const factories: Readonly<Record<string, () => Workload>> = {
  echo: echoWorkload,
  'unique-ids': uniqueIdsWorkload,
  broadcast: broadcastWorkload,
  'lin-kv': linKvWorkload,
};

export const workloadNames: readonly string[] = Object.keys(factories);

export function workloadNamed(name: string): Workload {
  const factory = factories[name];
  if (!factory) throw new RangeError(`unknown workload '${name}' (known: ${workloadNames.join(', ')})`);
  return factory();
}
