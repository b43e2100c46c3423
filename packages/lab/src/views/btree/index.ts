import type { ViewEntry } from '../types';
import { BTreeExplorer } from './BTreeExplorer';

export const btreeView: ViewEntry = { kind: 'btree', Explorer: BTreeExplorer };
