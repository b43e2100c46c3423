// Worker-thread entry for the determinism test: runs the spec it is given and posts the hash back.
import { parentPort, workerData } from 'node:worker_threads';
import { runRandomWorld, type RandomWorldSpec } from './random-world';

const { specs } = workerData as { specs: RandomWorldSpec[] };
parentPort?.postMessage(specs.map((spec) => runRandomWorld(spec).hash));
