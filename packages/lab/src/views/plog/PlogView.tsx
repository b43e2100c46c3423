import type { PlogDetail } from './detail';
import './plog.css';

type Partition = PlogDetail['partitions'][number];
type Transaction = NonNullable<PlogDetail['transactions']>[number];

/**
 * One bar per replica: its log end, with the leader's high watermark marked (what consumers may read)
 * and, on the leader, a tick at the last stable offset (what read_committed consumers may read).
 */
function ReplicaBar({
  logEnd,
  highWatermark,
  lastStable,
  scale,
}: {
  logEnd: number;
  highWatermark: number;
  lastStable: number | undefined;
  scale: number;
}) {
  const at = (x: number): string => (scale > 0 ? ((Math.max(0, x) / scale) * 100).toFixed(2) : '0');
  return (
    <svg className="pl-bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">
      <rect x="0" y="1" width={100} height="8" className="pl-bar-bg" />
      <rect x="0" y="1" width={at(logEnd)} height="8" className="pl-bar-log" />
      <rect x="0" y="1" width={at(highWatermark)} height="8" className="pl-bar-hw" />
      {lastStable !== undefined && lastStable >= 0 ? (
        <rect x={at(lastStable)} y="0" width="1" height="10" className="pl-bar-lso" />
      ) : null}
    </svg>
  );
}

function PartitionRow({ p, scale, readCommitted }: { p: Partition; scale: number; readCommitted: boolean }) {
  return (
    <tr className={p.leader === null ? 'pl-offline' : undefined}>
      <th scope="row">{p.id}</th>
      <td data-label="leader · epoch">
        {p.leader === null ? <span className="pl-bad">offline</span> : `${p.leader} · ${p.epoch}`}
      </td>
      <td data-label="replicas">
        <ul className="pl-replicas">
          {p.replicas.map((r) => (
            <li key={r.broker} className={!r.up ? 'pl-down' : r.inSync ? 'pl-insync' : 'pl-behind'}>
              <span className="pl-broker">
                {r.broker}
                {r.broker === p.leader ? ' ★' : ''}
                {!r.up ? ' (down)' : r.inSync ? '' : ' (out of ISR)'}
              </span>
              <ReplicaBar
                logEnd={r.logEnd}
                highWatermark={r.highWatermark}
                lastStable={r.broker === p.leader ? p.lastStable : undefined}
                scale={scale}
              />
              <span className="pl-num">{r.logEnd < 0 ? '—' : `${r.logEnd} / ${r.highWatermark}`}</span>
            </li>
          ))}
        </ul>
      </td>
      <td data-label="last stable" className="pl-num">
        <span>
          {p.lastStable < 0 ? '—' : p.lastStable}
          {p.openTransactions > 0 ? (
            <span className={readCommitted && p.lastStable < p.highWatermark ? 'pl-warn-soft' : 'pl-lag'}>
              {' '}
              {p.openTransactions} open txn{p.openTransactions > 1 ? 's' : ''}
            </span>
          ) : null}
        </span>
      </td>
      <td data-label="committed" className="pl-num">
        <span>
          {p.committed}
          {p.highWatermark >= 0 ? (
            <span className="pl-lag"> lag {Math.max(0, p.highWatermark - p.committed)}</span>
          ) : null}
        </span>
      </td>
      <td data-label="consumer">{p.owner ?? <span className="pl-bad">none</span>}</td>
    </tr>
  );
}

function TransactionRow({ t }: { t: Transaction }) {
  const writing = t.phase.startsWith('prepare');
  return (
    <tr>
      <th scope="row">{t.transactionalId}</th>
      <td data-label="producer · epoch" className="pl-num">
        {`${t.producerId} · ${t.epoch}`}
      </td>
      <td data-label="phase" className={writing ? 'pl-warn-soft' : undefined}>
        {t.phase}
      </td>
      <td data-label="partitions">
        <span>
          {t.partitions.length === 0 ? '—' : t.partitions.join(', ')}
          {t.pendingMarkers.length > 0 ? (
            <span className="pl-lag"> (markers pending: {t.pendingMarkers.length})</span>
          ) : null}
        </span>
      </td>
    </tr>
  );
}

export function PlogView({ detail }: { readonly detail: PlogDetail }) {
  let scale = 1;
  for (const p of detail.partitions) for (const r of p.replicas) if (r.logEnd > scale) scale = r.logEnd;
  const { group } = detail;
  const idle = detail.consumers.filter((c) => c.up && c.partitions.length === 0).length;
  const readCommitted = detail.isolation === 'read_committed';
  const transactions = detail.transactions;
  return (
    <section className="pl-view" aria-label="partitioned log">
      <p className="pl-caption">
        Each partition has a leader and in-sync replicas (ISR); consumers read up to the leader’s{' '}
        <span className="pl-key pl-key-hw">high watermark</span> (committed to every ISR member), the rest of
        the <span className="pl-key pl-key-log">log</span> waits for replication;{' '}
        {readCommitted
          ? 'these consumers are read_committed: they stop at the'
          : 'read_committed consumers stop at the'}{' '}
        <span className="pl-key pl-key-lso">last stable offset</span>, the first record of the oldest open
        transaction. Group generation <strong>{group.generation}</strong>, {group.protocol} rebalancing,{' '}
        <span className={group.phase === 'revoking' ? 'pl-warn' : 'pl-ok'}>
          {group.phase === 'revoking' ? 'rebalancing now: partitions being revoked' : 'stable'}
        </span>
        , {group.rebalances} rebalances so far
        {idle > 0 ? `, ${idle} idle consumer${idle > 1 ? 's' : ''}` : ''}.
      </p>
      <div className="pl-grid">
        <div className="pl-block pl-partitions">
          <table className="pl-cards">
            <caption>Partitions</caption>
            <thead>
              <tr>
                <th scope="col">partition</th>
                <th scope="col">leader · epoch</th>
                <th scope="col">replicas (log end / high watermark)</th>
                <th scope="col">last stable</th>
                <th scope="col">committed</th>
                <th scope="col">consumer</th>
              </tr>
            </thead>
            <tbody>
              {detail.partitions.map((p) => (
                <PartitionRow key={p.id} p={p} scale={scale} readCommitted={readCommitted} />
              ))}
            </tbody>
          </table>
        </div>
        <div className="pl-block pl-consumers">
          <table className="pl-cards">
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
                  <td data-label="partitions">
                    {!c.up
                      ? 'down'
                      : c.partitions.length === 0
                        ? 'idle (no partition)'
                        : c.partitions.map((p) => `${p.id} @${p.position ?? '?'} lag ${p.lag}`).join(', ')}
                  </td>
                  <td data-label="processed" className="pl-num">
                    {c.processed}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {transactions === null ? (
          <p className="pl-block pl-bad">
            Transaction coordinator down: transactions wait for it to restart.
          </p>
        ) : transactions.length > 0 ? (
          <div className="pl-block pl-transactions">
            <table className="pl-cards">
              <caption>Transactions (coordinator)</caption>
              <thead>
                <tr>
                  <th scope="col">transactional id</th>
                  <th scope="col">producer · epoch</th>
                  <th scope="col">phase</th>
                  <th scope="col">partitions</th>
                </tr>
              </thead>
              <tbody>
                {transactions.map((t) => (
                  <TransactionRow key={t.transactionalId} t={t} />
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </div>
    </section>
  );
}
