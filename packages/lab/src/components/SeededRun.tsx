import { useEffect, useState } from 'react';

/**
 * An explorer's experiment run in the page for a seed the reader picks: the result is cleared when the
 * seed changes, and the run waits one turn of the event loop so the page paints "running" first.
 */
export function useSeededRun<T>(run: (seed: number) => T, initialSeed = 1) {
  const [seed, setSeed] = useState(initialSeed);
  const [result, setResult] = useState<T>();
  useEffect(() => {
    setResult(undefined);
    const timer = setTimeout(() => setResult(run(seed)), 0);
    return () => clearTimeout(timer);
    // `run` is a module-level function in every caller: the seed alone decides a new run.
  }, [seed]);
  return { seed, setSeed, result };
}

/** The seed box of such an explorer: whole numbers ≥ 0. */
export function SeedControl(props: { seed: number; onChange: (seed: number) => void; testId: string }) {
  return (
    <div className="controls">
      <label>
        seed{' '}
        <input
          type="number"
          min={0}
          value={props.seed}
          onChange={(e) => props.onChange(Math.max(0, Math.floor(Number(e.target.value) || 0)))}
          data-testid={props.testId}
        />
      </label>
    </div>
  );
}
