import type { ViewEntry } from '../types';
import { ConsistencyExplorer } from './ConsistencyExplorer';

export const consistencyView: ViewEntry = {
  kind: 'consistency',
  Explorer: ConsistencyExplorer,
};
