/** Every claim of catalog row B4 in CLAIMS.md, as experiments. */
import type { Scenario } from '../../contract';
import { causalAcl } from './acl';
import { hlcVersusVector } from './clocks';
import { linearizableReads } from './linearizable';
import { sequentialNotRealTime } from './sequential';
import { serializableNotStrict } from './serializable';

export const consistencyScenarios: readonly Scenario[] = [
  linearizableReads,
  serializableNotStrict,
  sequentialNotRealTime,
  causalAcl,
  hlcVersusVector,
];
