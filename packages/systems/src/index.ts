export * from './contract';
export { systems, findSystem } from './registry';
export { faultSchema, faultCommandSchema, faultScriptSchema } from './fault-schema';
export { ConsistentHashRing } from './hashring';
export { formatValue } from './format';
