import type { ViewEntry } from '../types';
import { BloomExplorer } from './BloomExplorer';

export const bloomView: ViewEntry = { kind: 'bloom', Explorer: BloomExplorer };
