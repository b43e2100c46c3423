import type { ViewEntry } from '../types';
import { RingExplorer } from './RingExplorer';

export const ringView: ViewEntry = { kind: 'ring', Explorer: RingExplorer };
