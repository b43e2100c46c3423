// A system's own interactive view, beside the shared parts of its page: one entry per system that has one.
import type { ReactElement } from 'react';
import { RingExplorer } from './RingExplorer';
import { BloomExplorer, HllExplorer } from './SketchExplorers';
import { BTreeExplorer, LsmExplorer } from './StorageExplorers';

export const explorers: Readonly<Record<string, () => ReactElement>> = {
  hashring: () => <RingExplorer />,
  bloom: () => <BloomExplorer />,
  hyperloglog: () => <HllExplorer />,
  btree: () => <BTreeExplorer />,
  lsm: () => <LsmExplorer />,
};
