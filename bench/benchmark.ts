/** A benchmark file `bench/<name>.bench.ts` default-exports one of these. Results are plain JSON. */
export interface Benchmark {
  readonly name: string;
  run(): Promise<Record<string, unknown>>;
}
