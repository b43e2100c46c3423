import type { ReplicationDetail, ReplicationNodeView } from './detail';
import './replication.css';

/** The narrowest LSN window drawn, so a few bytes in flight do not fill the lanes. */
const MIN_SPAN_BYTES = 4_096;

/** The LSN window drawn: from a little before the most lagging replay to the newest write. */
function lsnWindow(nodes: readonly ReplicationNodeView[]): { lo: number; hi: number } {
  const up = nodes.filter((n) => n.up);
  if (up.length === 0) return { lo: 0, hi: 1 };
  let lo = Infinity;
  let hi = -Infinity;
  for (const n of up) {
    lo = Math.min(lo, n.replay);
    hi = Math.max(hi, n.write);
  }
  const span = Math.max(MIN_SPAN_BYTES, (hi - lo) * 1.15);
  return { lo: Math.max(0, hi - span), hi: hi + span * 0.02 };
}

function formatBytes(bytes: number): string {
  if (bytes < 1_024) return `${bytes} B`;
  if (bytes < 1_048_576) return `${(bytes / 1_024).toFixed(1)} kB`;
  return `${(bytes / 1_048_576).toFixed(1)} MB`;
}

export function ReplicationView({ detail }: { readonly detail: ReplicationDetail }) {
  const { lo, hi } = lsnWindow(detail.nodes);
  const pct = (lsn: number) => ((Math.min(Math.max(lsn, lo), hi) - lo) / (hi - lo)) * 100;
  const stale = detail.reads.filter((r) => r.stale).length;
  return (
    <section className="r-view" aria-label="leader–follower replication">
      <p className="r-caption">
        Primary <strong>{detail.primary ?? 'none'}</strong> on timeline {detail.timeline};{' '}
        <code>synchronous_standby_names = {detail.sync}</code>,{' '}
        <code>synchronous_commit = {detail.commitLevel}</code>; sessions read by{' '}
        <strong>{detail.readPolicy}</strong>.{' '}
        <span className={detail.lostAcknowledged > 0 ? 'r-bad' : 'r-ok'}>
          {detail.lostAcknowledged} acknowledged write{detail.lostAcknowledged === 1 ? '' : 's'} lost
        </span>
        {detail.failovers.length > 0 &&
          ` · failovers: ${detail.failovers.map((f) => `${f.from}→${f.to} (timeline ${f.timeline}, ${f.at.toFixed(0)} ms)`).join(', ')}`}
      </p>
      <div className="r-lanes" role="img" aria-label={`WAL positions of ${detail.nodes.length} nodes`}>
        {detail.nodes.map((n) => {
          const primary = n.role === 'primary';
          return (
            <div key={n.id} className={n.up ? (primary ? 'r-lane primary' : 'r-lane') : 'r-lane down'}>
              <span className="r-node">{n.id}</span>
              <span className="r-track">
                {n.up && (
                  <>
                    <span
                      className="r-write"
                      style={{ width: `${pct(n.write)}%` }}
                      title={`written to ${n.label.write}`}
                    />
                    <span
                      className="r-flush"
                      style={{ width: `${pct(n.flush)}%` }}
                      title={`flushed to ${n.label.flush}`}
                    />
                    <span
                      className="r-replay"
                      style={{ width: `${pct(n.replay)}%` }}
                      title={`${primary ? 'committed' : 'replayed'} to ${n.label.replay}`}
                    />
                  </>
                )}
              </span>
              <span className="r-label">
                <span className="r-role">
                  {n.up ? `${n.role}${n.replayHeld ? ' · a query holds replay' : ''}` : 'crashed'}
                </span>{' '}
                <span className={n.lagBytes > 0 ? 'r-lag behind' : 'r-lag'}>
                  {n.up
                    ? primary
                      ? `flushed ${n.label.flush}${n.leaseValid ? '' : ' · no lease'}`
                      : `lag ${formatBytes(n.lagBytes)} · ${n.lagMs.toFixed(1)} ms`
                    : ''}
                </span>
              </span>
            </div>
          );
        })}
        <p className="r-axis">
          Bars run along the LSN: written (outer), flushed (middle), replayed or committed (inner).
        </p>
      </div>
      <h4 className="r-heading">
        Recent reads{stale > 0 ? ` — ${stale} stale (a newer write of the key was already acknowledged)` : ''}
      </h4>
      {detail.reads.length === 0 ? (
        <p className="muted">No reads yet.</p>
      ) : (
        <table className="r-reads" aria-label="recent reads">
          <thead>
            <tr>
              <th>ms</th>
              <th>session</th>
              <th>served by</th>
              <th>key</th>
              <th>saw</th>
            </tr>
          </thead>
          <tbody>
            {detail.reads.map((r, i) => (
              <tr key={`${r.client}-${r.at}-${i}`} className={r.stale ? 'stale' : undefined}>
                <td>{r.at.toFixed(1)}</td>
                <td>{r.client}</td>
                <td>{r.node}</td>
                <td>{r.key}</td>
                <td>
                  {!r.ok ? (
                    <em className="muted">failed</em>
                  ) : (
                    <>
                      <code>{r.value ?? 'null'}</code>
                      {r.stale && (
                        <span
                          className="r-bad"
                          title="a newer write of this key had been acknowledged before the read began"
                        >
                          {' '}
                          stale
                        </span>
                      )}
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
