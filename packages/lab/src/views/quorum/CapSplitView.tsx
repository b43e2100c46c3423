import { SeedControl, useSeededRun } from '../../components/SeededRun';
import { capSideBySide, type CapRequest, type CapSideBySide } from '@dslab/systems';

/** The SVG's own units: time maps to 0..SPAN across a lane, whatever its drawn width. */
const SPAN = 1_000;
const LANE_H = 20;

interface SideFigures {
  readonly ok: number;
  readonly started: number;
}

/** Requests a side started while the partition stood, and how many of them succeeded before it healed. */
function duringSplit(
  requests: readonly CapRequest[],
  side: 'a' | 'b',
  from: number,
  to: number,
): SideFigures {
  let started = 0;
  let ok = 0;
  for (const r of requests) {
    if (r.side !== side || r.call < from || r.call >= to) continue;
    started++;
    if (r.outcome === 'ok' && r.ret <= to) ok++;
  }
  return { ok, started };
}

const LANES = [
  { side: 'a' as const, name: 'n1 n2 + client' },
  { side: 'b' as const, name: 'n3 n4 n5 + client' },
];

/** Each side's requests as bars on one lane; lanes stretch to the width, names and times stay text. */
function Lanes(props: {
  readonly requests: readonly CapRequest[];
  readonly run: CapSideBySide;
  readonly end: number;
  readonly label: string;
  readonly detectedAt?: number;
}) {
  const { run, end } = props;
  const x = (t: number) => (SPAN * Math.min(t, end)) / end;
  const heal = run.partitionAt + run.partitionMs;
  const percent = (t: number) => `${(100 * Math.min(t, end)) / end}%`;
  return (
    <div className="cap-lanes" role="img" aria-label={props.label}>
      {LANES.map((lane) => (
        <div className="cap-lane" key={lane.side}>
          <span className="cap-lane-name">{lane.name}</span>
          <svg viewBox={`0 0 ${SPAN} ${LANE_H}`} preserveAspectRatio="none">
            <rect
              className="cap-split"
              x={x(run.partitionAt)}
              y={0}
              width={x(heal) - x(run.partitionAt)}
              height={LANE_H}
            />
            {props.detectedAt !== undefined && (
              <line
                className="cap-detected"
                x1={x(props.detectedAt)}
                x2={x(props.detectedAt)}
                y1={0}
                y2={LANE_H}
              />
            )}
            {props.requests
              .filter((r) => r.side === lane.side)
              .map((r, k) => {
                const from = x(r.call);
                const to = Number.isFinite(r.ret) ? x(r.ret) : x(end);
                return (
                  <rect
                    key={k}
                    className={`cap-req cap-${r.outcome}`}
                    x={from}
                    y={4}
                    width={Math.max(1.5, to - from - 0.6)}
                    height={LANE_H - 8}
                  >
                    <title>
                      {`${r.f} at ${Math.round(r.call)} ms: ${r.outcome === 'info' ? 'no answer' : r.outcome}${Number.isFinite(r.ret) ? ` after ${Math.round(r.ret - r.call)} ms` : ''}`}
                    </title>
                  </rect>
                );
              })}
          </svg>
        </div>
      ))}
      <div className="cap-times">
        <span style={{ left: percent(run.partitionAt) }}>split {(run.partitionAt / 1000).toFixed(1)} s</span>
        <span className="cap-heal" style={{ left: percent(heal) }}>
          healed {(heal / 1000).toFixed(1)} s
        </span>
      </div>
    </div>
  );
}

function figuresLine(requests: readonly CapRequest[], run: CapSideBySide): string {
  const heal = run.partitionAt + run.partitionMs;
  const a = duringSplit(requests, 'a', run.partitionAt, heal);
  const b = duringSplit(requests, 'b', run.partitionAt, heal);
  return `during the split: two-node side ${a.ok}/${a.started} requests succeeded, three-node side ${b.ok}/${b.started}`;
}

/**
 * CAP side by side (B3): the Raft KV and the quorum store at ONE get the same operations and the same
 * 2 | 3 partition at the same moment; each request is a bar on its client's lane, coloured by outcome.
 */
export function CapSplitView() {
  const { seed, setSeed, result: run } = useSeededRun(capSideBySide);
  let end = 0;
  if (run) {
    for (const r of [run.raft.requests, run.quorum.requests])
      for (const q of r) end = Math.max(end, Number.isFinite(q.ret) ? q.ret : q.call);
  }
  return (
    <section className="explorer cap-explorer" aria-label="CAP split view" data-testid="cap-split-view">
      <h2>One partition, two stores</h2>
      <p className="muted">
        Five servers split two | three for 3 s with a client on each side; both stores get the same reads and
        writes at the same moments. Each bar is a request from its start to its answer:{' '}
        <span className="cap-key cap-ok">ok</span> <span className="cap-key cap-fail">refused</span>{' '}
        <span className="cap-key cap-info">no answer</span>. The shaded band is the partition.
      </p>
      <SeedControl seed={seed} onChange={setSeed} testId="cap-seed" />
      {run === undefined ? (
        <p className="muted">Running both stores…</p>
      ) : (
        <>
          <figure data-testid="cap-raft">
            <figcaption>
              <strong>Raft KV (CP)</strong> — {figuresLine(run.raft.requests, run)}; history{' '}
              {run.raft.linearizable ? 'linearizable' : 'not linearizable'}.
            </figcaption>
            <Lanes requests={run.raft.requests} run={run} end={end} label="Raft KV requests by side" />
          </figure>
          <figure data-testid="cap-quorum">
            <figcaption>
              <strong>Quorum store at ONE (AP)</strong> — {figuresLine(run.quorum.requests, run)};{' '}
              {run.quorum.divergedKeys} of {run.quorum.keys} keys differed between the sides at the heal,{' '}
              {run.quorum.staleReadsDuringSplit} stale reads; after the heal replicas{' '}
              {run.quorum.convergeMs !== undefined
                ? `converged in ${run.quorum.convergeMs} ms`
                : 'did not converge'}{' '}
              and last-write-wins dropped {run.quorum.lwwDroppedWrites} acknowledged writes; history{' '}
              {run.quorum.linearizable ? 'linearizable' : 'not linearizable'}. The dashed line: gossip has
              marked the other side down.
            </figcaption>
            <Lanes
              requests={run.quorum.requests}
              run={run}
              end={end}
              detectedAt={run.quorum.detectedAt}
              label="quorum store requests by side"
            />
          </figure>
        </>
      )}
    </section>
  );
}
