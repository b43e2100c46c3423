import { useMemo, useState } from 'react';
import { mvcc } from '@dslab/systems';

const WIDTH = 720;
const LANE = 20;
const LABEL = 34;

interface Segment {
  readonly from: number;
  readonly to: number;
  readonly state: mvcc.QueueWorkerState['state'];
  readonly job?: number;
}

/** Consecutive samples in the same state (and on the same job) as one bar. */
function segments(run: mvcc.QueueRun, worker: number): Segment[] {
  const out: Segment[] = [];
  run.samples.forEach((sample, i) => {
    const w = sample.workers[worker];
    if (!w) return;
    const to = run.samples[i + 1]?.at ?? sample.at;
    const last = out[out.length - 1];
    if (last && last.state === w.state && last.job === w.job) out[out.length - 1] = { ...last, to };
    else out.push({ from: sample.at, to, state: w.state, ...(w.job !== undefined ? { job: w.job } : {}) });
  });
  return out;
}

function Gantt({ run, scaleMs, at }: { run: mvcc.QueueRun; scaleMs: number; at: number }) {
  const workers = run.samples[0]?.workers.length ?? 0;
  const x = (t: number) => LABEL + ((WIDTH - LABEL) * t) / scaleMs;
  const height = workers * LANE + 4;
  return (
    <svg
      className="mvcc-gantt"
      viewBox={`0 0 ${WIDTH} ${height}`}
      role="img"
      aria-label={`${workers} workers over ${run.drainedMs} ms: ${run.lockWaits} lock waits`}
    >
      {Array.from({ length: workers }, (_, w) => (
        <g key={w} transform={`translate(0 ${w * LANE + 2})`}>
          <text x={0} y={LANE - 7} className="mvcc-lane-name">
            w{w + 1}
          </text>
          {segments(run, w).map((s, i) =>
            s.state === 'finished' || s.to <= s.from ? null : (
              <g key={i}>
                <rect
                  x={x(s.from)}
                  y={2}
                  width={Math.max(0.5, x(s.to) - x(s.from) - 0.5)}
                  height={LANE - 4}
                  className={`mvcc-bar ${s.state}`}
                >
                  <title>{`w${w + 1} ${s.state}${s.job !== undefined ? ` job ${s.job}` : ''} ${Math.round(s.from)}–${Math.round(s.to)} ms`}</title>
                </rect>
                {s.state === 'working' && s.job !== undefined && x(s.to) - x(s.from) > 16 && (
                  <text
                    x={(x(s.from) + x(s.to)) / 2}
                    y={LANE - 7}
                    textAnchor="middle"
                    className="mvcc-bar-label"
                  >
                    {s.job}
                  </text>
                )}
              </g>
            ),
          )}
        </g>
      ))}
      <line x1={x(at)} x2={x(at)} y1={0} y2={height} className="mvcc-now" />
    </svg>
  );
}

function Jobs({ run, at }: { run: mvcc.QueueRun; at: number }) {
  let sample = run.samples[0];
  for (const s of run.samples) if (s.at <= at) sample = s;
  return (
    <ol className="mvcc-jobs" aria-label={`jobs at ${Math.round(at)} ms`}>
      {(sample?.jobs ?? []).map((j) => (
        <li key={j.id} className={j.status} title={`job ${j.id} ${j.status}${j.by ? ` by ${j.by}` : ''}`}>
          {j.id}
          {j.by ? <small> {j.by.replace('c', 'w')}</small> : null}
        </li>
      ))}
    </ol>
  );
}

/** Workers claim jobs with SELECT … FOR UPDATE, with and without SKIP LOCKED, on one time scale. */
export function QueueTab() {
  const [workers, setWorkers] = useState(4);
  const [jobs, setJobs] = useState(16);
  const [workMs, setWorkMs] = useState(20);
  const [at, setAt] = useState(0);
  const runs = useMemo(
    () => [true, false].map((skipLocked) => mvcc.runJobQueue({ workers, jobs, workMs, skipLocked, seed: 1 })),
    [workers, jobs, workMs],
  );
  const scaleMs = Math.max(1, ...runs.map((r) => r.drainedMs));
  const number =
    (set: (n: number) => void, min: number, max: number) => (e: { target: { value: string } }) => {
      const n = Math.floor(Number(e.target.value));
      if (Number.isFinite(n)) set(Math.min(max, Math.max(min, n)));
    };
  return (
    <div className="mvcc-tab" data-testid="mvcc-tab-queue">
      <p className="muted">
        Each worker loops: BEGIN;{' '}
        <code>SELECT … FROM jobs WHERE status = 0 ORDER BY id LIMIT 1 FOR UPDATE [SKIP LOCKED]</code>; work;
        mark it done; COMMIT. The row lock is the claim.
      </p>
      <div className="controls">
        <label>
          workers{' '}
          <input
            type="number"
            min={1}
            max={mvcc.queueParams.maxWorkers}
            value={workers}
            onChange={number(setWorkers, 1, mvcc.queueParams.maxWorkers)}
            data-testid="queue-workers"
          />
        </label>
        <label>
          jobs{' '}
          <input
            type="number"
            min={1}
            max={mvcc.queueParams.maxJobs}
            value={jobs}
            onChange={number(setJobs, 1, mvcc.queueParams.maxJobs)}
            data-testid="queue-jobs"
          />
        </label>
        <label>
          ms per job{' '}
          <input
            type="number"
            min={1}
            max={mvcc.queueParams.maxWorkMs}
            value={workMs}
            onChange={number(setWorkMs, 1, mvcc.queueParams.maxWorkMs)}
            data-testid="queue-work-ms"
          />
        </label>
        <label className="mvcc-time">
          time {Math.round(at)} ms{' '}
          <input
            type="range"
            min={0}
            max={scaleMs}
            value={Math.min(at, scaleMs)}
            onChange={(e) => setAt(Number(e.target.value))}
            data-testid="queue-time"
          />
        </label>
      </div>
      {runs.map((run) => (
        <figure
          key={String(run.skipLocked)}
          className="mvcc-queue"
          data-testid={`queue-${run.skipLocked ? 'skip' : 'plain'}`}
        >
          <figcaption>
            <strong>{run.skipLocked ? 'FOR UPDATE SKIP LOCKED' : 'plain FOR UPDATE'}</strong> — drained in{' '}
            {run.drainedMs} ms, {run.lockWaits} lock waits, {run.processed} jobs done
            {run.duplicates > 0 ? `, ${run.duplicates} twice` : ', none twice'}
          </figcaption>
          <div className="mvcc-gantt-wrap">
            <Gantt run={run} scaleMs={scaleMs} at={at} />
          </div>
          <Jobs run={run} at={at} />
        </figure>
      ))}
      <p className="muted mvcc-legend">
        <span className="mvcc-key-swatch working" /> working on a claimed job{' '}
        <span className="mvcc-key-swatch waiting" /> waiting for another worker&rsquo;s row lock{' '}
        <span className="mvcc-key-swatch idle" /> between jobs · jobs: queued,{' '}
        <span className="mvcc-job-claimed">claimed</span>, <span className="mvcc-job-done">done</span>
      </p>
    </div>
  );
}
