import { useMemo, useState } from 'react';
import { HyperLogLog } from '@dslab/systems';
import './hyperloglog.css';

const HLL_P = 6;
/** The precision people deploy (Redis uses it), for comparison: its size and error come from the class. */
const DEPLOYED = new HyperLogLog(14);

/** A HyperLogLog with 64 registers: each add shows the register it touched; the estimate tracks the truth. */
export function HllExplorer() {
  const sketch = useMemo(() => new HyperLogLog(HLL_P), []);
  const [count, setCount] = useState(0);
  const [last, setLast] = useState<{ register: number; rank: number; changed: boolean }>();
  const add = (n: number) => {
    let step: { register: number; rank: number; changed: boolean } | undefined;
    for (let i = 0; i < n; i++) step = sketch.add(`visitor-${count + i}`);
    setCount((c) => c + n);
    setLast(step);
  };
  const estimate = count === 0 ? 0 : sketch.estimate();
  const registers = sketch.registers; // an unpacked copy: take it once per draw
  const max = Math.max(1, ...registers);
  const standardError = sketch.standardError;
  return (
    <section className="explorer" aria-label="HyperLogLog explorer" data-testid="hll-explorer">
      <h2>Watch the registers</h2>
      <div className="controls">
        <button onClick={() => add(1)} data-testid="hll-add-1">
          Add 1 visitor
        </button>
        <button onClick={() => add(100)}>Add 100</button>
        <button onClick={() => add(10_000)} data-testid="hll-add-10k">
          Add 10,000
        </button>
      </div>
      <div className="registers" role="img" aria-label={`${sketch.m} registers`}>
        {[...registers].map((value, i) => (
          <span
            key={i}
            className={`register${last?.register === i ? (last.changed ? ' changed' : ' touched') : ''}`}
            style={{ height: `${(value / max) * 100}%` }}
            title={`register ${i}: ${value}`}
          />
        ))}
      </div>
      <p data-testid="hll-estimate">
        {count.toLocaleString('en-US')} distinct visitors; estimate{' '}
        {Math.round(estimate).toLocaleString('en-US')}
        {count > 0
          ? ` (${(((estimate - count) / count) * 100).toFixed(1)}% off; one standard error with ${sketch.m} registers is ${(standardError * 100).toFixed(0)}%)`
          : ''}
        .
      </p>
      {last && (
        <p className="muted">
          The last visitor hashed to register {last.register} with {last.rank - 1} leading{' '}
          {last.rank === 2 ? 'zero' : 'zeros'} (rank {last.rank}) —{' '}
          {last.changed ? 'a new maximum there.' : 'no change: the register already held as much.'} At p ={' '}
          {DEPLOYED.p} ({DEPLOYED.m.toLocaleString('en-US')} registers, {(DEPLOYED.bytes / 1024).toFixed(0)}{' '}
          KB) the standard error is {(DEPLOYED.standardError * 100).toFixed(2)}%.
        </p>
      )}
    </section>
  );
}
