import { useMemo, useReducer, useState } from 'react';
import { BloomFilter, measuredFalsePositiveRate, strangers } from '@dslab/systems';
import './bloom.css';

const BLOOM_BITS = 64;
const BLOOM_K = 3;

/** A rate as a percentage with enough digits that a small one does not read as zero. */
const percent = (rate: number) => `${(rate * 100).toFixed(rate < 0.01 ? 2 : 1)}%`;

/** A small Bloom filter whose bits light up as keys are added and tested. */
export function BloomExplorer() {
  const filter = useMemo(() => new BloomFilter(BLOOM_BITS, BLOOM_K), []);
  const [, redraw] = useReducer((n: number) => n + 1, 0);
  const [key, setKey] = useState('alice');
  const [added, setAdded] = useState<string[]>([]);
  const [step, setStep] = useState<{
    kind: 'add' | 'test';
    key: string;
    positions: readonly number[];
    zeros: readonly number[];
    maybe?: boolean;
  }>();
  const bits = Array.from(
    { length: BLOOM_BITS },
    (_, i) => (((filter.bits[i >> 5] as number) >>> (i & 31)) & 1) === 1,
  );
  const predicted = filter.predictedFalsePositiveRate();
  // Measured as the formula scenario measures it, on 2,000 keys never added; recomputed as keys are added.
  const measured = useMemo(
    () => measuredFalsePositiveRate(filter, strangers(2_000, 0)),
    [added.length, filter],
  );
  return (
    <section className="explorer" aria-label="Bloom filter explorer" data-testid="bloom-explorer">
      <h2>Watch the bits</h2>
      <form
        className="controls"
        onSubmit={(e) => {
          e.preventDefault();
        }}
      >
        <label>
          Key <input value={key} size={16} onChange={(e) => setKey(e.target.value)} aria-label="Key" />
        </label>
        <button
          type="button"
          data-testid="bloom-add"
          onClick={() => {
            const s = filter.addInspect(key);
            setStep({ kind: 'add', key, ...s });
            setAdded((a) => [...a, key]);
            redraw();
          }}
        >
          Add
        </button>
        <button
          type="button"
          data-testid="bloom-test"
          onClick={() => {
            const s = filter.testInspect(key);
            setStep({ kind: 'test', key, positions: s.positions, zeros: s.zeros, maybe: s.mightContain });
          }}
        >
          Test
        </button>
        <button
          type="button"
          onClick={() => {
            const batch = Array.from({ length: 5 }, (_, i) => `key-${added.length + i}`);
            for (const k of batch) filter.add(k);
            setAdded((a) => [...a, ...batch]);
            setStep(undefined);
          }}
        >
          Add 5 more keys
        </button>
      </form>
      <div className="bits" role="img" aria-label={`${BLOOM_BITS} bits, ${bits.filter(Boolean).length} set`}>
        {bits.map((on, i) => {
          const touched = step?.positions.includes(i);
          const zero = step?.zeros.includes(i);
          return (
            <span
              key={i}
              className={`bit${on ? ' on' : ''}${touched ? ' touched' : ''}${zero && step?.kind === 'test' ? ' zero' : ''}`}
              title={`bit ${i}`}
            >
              {i}
            </span>
          );
        })}
      </div>
      <p data-testid="bloom-step">
        {step === undefined
          ? `m = ${BLOOM_BITS} bits, k = ${BLOOM_K} hash functions (double hashing). Add a key to see which bits it sets.`
          : step.kind === 'add'
            ? `"${step.key}" set bits ${step.positions.join(', ')}${step.zeros.length < step.positions.length ? ` (${step.positions.length - step.zeros.length} were already set)` : ''}.`
            : step.maybe
              ? `"${step.key}" → bits ${step.positions.join(', ')} are all set: maybe present${added.includes(step.key) ? '' : ' — a false positive, it was never added'}.`
              : `"${step.key}" → bit ${step.zeros[0]} is 0: definitely absent.`}
      </p>
      <p className="muted">
        {added.length} {added.length === 1 ? 'key' : 'keys'} in {BLOOM_BITS} bits: predicted false-positive
        rate (1 − e^(−kn/m))^k = {percent(predicted)}, measured on 2,000 strangers {percent(measured)}.
      </p>
    </section>
  );
}
