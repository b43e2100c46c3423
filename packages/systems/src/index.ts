export * from './contract';
export { systems, findSystem } from './registry';
