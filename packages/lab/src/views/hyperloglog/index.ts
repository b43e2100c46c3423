import type { ViewEntry } from '../types';
import { HllExplorer } from './HllExplorer';

export const hyperloglogView: ViewEntry = { kind: 'hyperloglog', Explorer: HllExplorer };
