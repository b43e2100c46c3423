/** The two nodes of every backpressure world. */
export const SERVER = 'server';
export const PRODUCER = 'producer';
