import type { PlogDetail } from './detail';
import './plog.css';

/** One bar per replica: its log end, with the leader's high watermark marked (what consumers may read). */
function ReplicaBar({
  logEnd,
  highWatermark,
  scale,
}: {
  logEnd: number;
  highWatermark: number;
  scale: number;
}) {
  const width = scale > 0 ? Math.max(0, logEnd) / scale : 0;
  const hw = scale > 0 ? Math.max(0, highWatermark) / scale : 0;
  return (
    <svg className="pl-bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">
      <rect x="0" y="1" width={100} height="8" className="pl-bar-bg" />
      <rect x="0" y="1" width={(width * 100).toFixed(2)} height="8" className="pl-bar-log" />
      <rect x="0" y="1" width={(hw * 100).toFixed(2)} height="8" className="pl-bar-hw" />
    </svg>
  );
}

export function PlogView({ detail }: { readonly detail: PlogDetail }) {
  let scale = 1;
  for (const p of detail.partitions) for (const r of p.replicas) if (r.logEnd > scale) scale = r.logEnd;
  const { group } = detail;
  const idle = detail.consumers.filter((c) => c.up && c.partitions.length === 0).length;
  return (
    <section className="pl-view" aria-label="partitioned log">
      <p className="pl-caption">
        Each partition has a leader and in-sync replicas (ISR); consumers read up to the leader’s{' '}
        <span className="pl-key pl-key-hw">high watermark</span> (committed to every ISR member), the rest of
        the <span className="pl-key pl-key-log">log</span> waits for replication. Group generation{' '}
        <strong>{group.generation}</strong>, {group.protocol} rebalancing,{' '}
        <span className={group.phase === 'revoking' ? 'pl-warn' : 'pl-ok'}>
          {group.phase === 'revoking' ? 'rebalancing now: partitions being revoked' : 'stable'}
        </span>
        , {group.rebalances} rebalances so far
        {idle > 0 ? `, ${idle} idle consumer${idle > 1 ? 's' : ''}` : ''}.
      </p>
      <div className="pl-grid">
        <div className="pl-scroll pl-partitions">
          <table>
            <caption>Partitions</caption>
            <thead>
              <tr>
                <th scope="col">partition</th>
                <th scope="col">leader · epoch</th>
                <th scope="col">replicas (log end / high watermark)</th>
                <th scope="col">committed</th>
                <th scope="col">consumer</th>
              </tr>
            </thead>
            <tbody>
              {detail.partitions.map((p) => (
                <tr key={p.id} className={p.leader === null ? 'pl-offline' : undefined}>
                  <th scope="row">{p.id}</th>
                  <td>
                    {p.leader === null ? <span className="pl-bad">offline</span> : `${p.leader} · ${p.epoch}`}
                  </td>
                  <td>
                    <ul className="pl-replicas">
                      {p.replicas.map((r) => (
                        <li
                          key={r.broker}
                          className={!r.up ? 'pl-down' : r.inSync ? 'pl-insync' : 'pl-behind'}
                        >
                          <span className="pl-broker">
                            {r.broker}
                            {r.broker === p.leader ? ' ★' : ''}
                            {!r.up ? ' (down)' : r.inSync ? '' : ' (out of ISR)'}
                          </span>
                          <ReplicaBar logEnd={r.logEnd} highWatermark={r.highWatermark} scale={scale} />
                          <span className="pl-num">
                            {r.logEnd < 0 ? '—' : `${r.logEnd} / ${r.highWatermark}`}
                          </span>
                        </li>
                      ))}
                    </ul>
                  </td>
                  <td className="pl-num">
                    {p.committed}
                    {p.highWatermark >= 0 ? (
                      <span className="pl-lag"> lag {Math.max(0, p.highWatermark - p.committed)}</span>
                    ) : null}
                  </td>
                  <td>{p.owner ?? <span className="pl-bad">none</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div className="pl-scroll pl-consumers">
          <table>
            <caption>Consumers</caption>
            <thead>
              <tr>
                <th scope="col">consumer</th>
                <th scope="col">partitions · position · lag</th>
                <th scope="col">processed</th>
              </tr>
            </thead>
            <tbody>
              {detail.consumers.map((c) => (
                <tr
                  key={c.id}
                  className={!c.up ? 'pl-down' : c.partitions.length === 0 ? 'pl-idle' : undefined}
                >
                  <th scope="row">{c.id}</th>
                  <td>
                    {!c.up
                      ? 'down'
                      : c.partitions.length === 0
                        ? 'idle (no partition)'
                        : c.partitions.map((p) => `${p.id} @${p.position ?? '?'} lag ${p.lag}`).join(', ')}
                  </td>
                  <td className="pl-num">{c.processed}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
    </section>
  );
}
