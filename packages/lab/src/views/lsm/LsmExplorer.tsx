import { useMemo, useState } from 'react';
import { LsmTree, writeAmplification } from '@dslab/systems';
import './lsm.css';

/** An LSM tree fed in steps: the memtable, level by level runs, and what each byte cost. */
export function LsmExplorer() {
  const [compaction, setCompaction] = useState<'leveled' | 'size-tiered'>('leveled');
  const lsm = useMemo(
    () => new LsmTree({ compaction, memtableEntries: 50, fanout: 4, tierSize: 3, l0Trigger: 3 }),
    [compaction],
  );
  const [written, setWritten] = useState(0);
  const write = (n: number) => {
    for (let i = 0; i < n; i++)
      lsm.put(`key${String(Math.floor(Math.random() * 400)).padStart(4, '0')}`, `value-${written + i}`);
    setWritten((w) => w + n);
  };
  const shape = lsm.shape();
  const stats = lsm.stats;
  const wa = writeAmplification(stats);
  const width = (entries: number) => `${Math.max(6, Math.min(100, entries / 4))}%`;
  return (
    <section className="explorer" aria-label="LSM tree explorer" data-testid="lsm-explorer">
      <h2>Watch the levels</h2>
      <div className="controls">
        <button onClick={() => write(10)} data-testid="lsm-write-10">
          Write 10
        </button>
        <button onClick={() => write(100)}>Write 100</button>
        <button onClick={() => write(1_000)} data-testid="lsm-write-1000">
          Write 1,000
        </button>
        <label>
          Compaction{' '}
          <select
            value={compaction}
            onChange={(e) => {
              setCompaction(e.target.value as 'leveled' | 'size-tiered');
              setWritten(0);
            }}
            aria-label="Compaction"
          >
            <option value="leveled">leveled</option>
            <option value="size-tiered">size-tiered</option>
          </select>
        </label>
      </div>
      <div className="lsm">
        <div className="lsm-row">
          <span className="lsm-label">memtable</span>
          <span className="lsm-run memtable" style={{ width: width(shape.memtable * 4) }}>
            {shape.memtable}/{lsm.options.memtableEntries}
          </span>
        </div>
        <div className="lsm-row">
          <span className="lsm-label">{compaction === 'leveled' ? 'L0' : 'runs'}</span>
          {shape.l0.map((n, i) => (
            <span key={i} className="lsm-run" style={{ width: width(n) }}>
              {n}
            </span>
          ))}
        </div>
        {shape.levels.map((tables, level) => (
          <div key={level} className="lsm-row">
            <span className="lsm-label">L{level + 1}</span>
            {tables.map((n, i) => (
              <span key={i} className="lsm-run table" style={{ width: width(n) }}>
                {n}
              </span>
            ))}
          </div>
        ))}
      </div>
      <p data-testid="lsm-stats">
        {written.toLocaleString('en-US')} writes over 400 keys: {stats.flushes} flushes, {stats.compactions}{' '}
        compactions; write amplification {wa.toFixed(2)}× (
        {((stats.flushBytes + stats.compactionBytes) / 1024).toFixed(0)} KB written for{' '}
        {(stats.userBytes / 1024).toFixed(0)} KB of data, plus the WAL); {lsm.sortedRuns} sorted runs a read
        may probe.
      </p>
    </section>
  );
}
