import type { ViewEntry } from '../types';
import { LsmExplorer } from './LsmExplorer';

export const lsmView: ViewEntry = { kind: 'lsm', Explorer: LsmExplorer };
