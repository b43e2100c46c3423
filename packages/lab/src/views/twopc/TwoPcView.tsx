import type { TwoPcCoordinatorDetail, TwoPcLiveDetail, TwoPcParticipantDetail } from '@dslab/systems';
import './twopc.css';

/** A participant in doubt this long is drawn as blocked (well past a vote round trip and an inquiry). */
const BLOCKED_MS = 500;

function ms(value: number): string {
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}

function CoordinatorCard({ co, decisions }: { co: TwoPcCoordinatorDetail; decisions: string }) {
  return (
    <section className={`node twopc-coordinator ${co.up ? 'up' : 'down'}`} data-testid={`node-${co.id}`}>
      <div className="twopc-head">
        <strong>{co.id}</strong> <span className="role">{co.up ? 'coordinator' : 'crashed'}</span>
        {co.up && (
          <span className="muted">
            {' '}
            epoch {co.epoch} · {co.committed} committed · {co.aborted} aborted
            {decisions === 'coordinator'
              ? ` · log ${co.logRecords} records`
              : ' · outcomes in the Raft group'}
          </span>
        )}
      </div>
      {!co.up && (
        <p className="twopc-warn">
          Down: prepared participants cannot learn the outcome{decisions === 'raft' ? ' from it' : ''}.
        </p>
      )}
      {co.up && co.active.length === 0 && <p className="muted twopc-empty">no transaction in flight</p>}
      {co.active.length > 0 && (
        <ul className="twopc-active" aria-label="Transactions in flight">
          {co.active.map((tx) => (
            <li key={tx.tx}>
              <span className="twopc-tx">{tx.tx}</span>{' '}
              <span className={`twopc-phase ${tx.phase}`}>{tx.phase}</span>
              <span className="twopc-votes">
                {tx.participants.map((p) => {
                  const acked = tx.acks.includes(p);
                  const yes = tx.yes.includes(p);
                  return (
                    <span
                      key={p}
                      className={`twopc-vote ${acked ? 'acked' : yes ? 'yes' : 'waiting'}`}
                      title={`${p}: ${acked ? 'acknowledged' : yes ? 'voted YES' : 'no answer yet'}`}
                    >
                      {p}
                    </span>
                  );
                })}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function ParticipantCard({ p }: { p: TwoPcParticipantDetail }) {
  const longest = p.inDoubt.reduce((m, d) => Math.max(m, d.sinceMs), 0);
  const blocked = longest >= BLOCKED_MS;
  const role = !p.up
    ? 'crashed'
    : blocked
      ? `blocked ${ms(longest)}`
      : p.inDoubt.length > 0
        ? 'in doubt'
        : 'ready';
  return (
    <li
      className={`node twopc-participant ${p.up ? 'up' : 'down'}${blocked ? ' blocked' : ''}`}
      data-testid={`node-${p.id}`}
    >
      <div className="twopc-head">
        <strong>{p.id}</strong> <span className="role">{role}</span>
      </div>
      {p.up && (
        <>
          <p className="twopc-facts">
            {p.committed} committed · {p.aborted} aborted · {p.refused} refused
          </p>
          <div className="twopc-locks" aria-label={`${p.id} row locks`}>
            {p.locks.length === 0 ? (
              <span className="muted">no row locked</span>
            ) : (
              p.locks.map((l) => (
                <span key={l.key} className="twopc-lock" title={`${l.key} locked by ${l.tx}`}>
                  {l.key} <span className="muted">← {l.tx}</span>
                </span>
              ))
            )}
          </div>
          {p.inDoubt.length > 0 && (
            <ul className="twopc-doubt" aria-label={`${p.id} in doubt`}>
              {p.inDoubt.map((d) => (
                <li key={d.tx} className={d.sinceMs >= BLOCKED_MS ? 'blocked' : ''}>
                  <span className="twopc-tx">{d.tx}</span>{' '}
                  <span className={`twopc-state ${d.state}`}>{d.state}</span>{' '}
                  <span className="muted">for {ms(d.sinceMs)}</span>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </li>
  );
}

/** The 2PC page's live view: the coordinator, each participant's locks and doubts, the decision group, recent outcomes. */
export function TwoPcView({ detail }: { detail: TwoPcLiveDetail }) {
  const names = detail.participants.map((p) => p.id);
  return (
    <div className="twopc-view">
      <p className="twopc-mode muted">
        {detail.protocol === '3pc' ? 'three-phase commit' : 'two-phase commit, presumed abort'} · outcome kept
        by {detail.decisions === 'raft' ? 'a Raft KV group' : "the coordinator's log"} · longest in doubt now{' '}
        <strong>{ms(detail.longestInDoubtMs)}</strong>
        {detail.split > 0 && (
          <strong className="twopc-split" role="alert">
            {' '}
            · {detail.split} transaction{detail.split === 1 ? '' : 's'} split (committed here, aborted there)
          </strong>
        )}
      </p>
      <CoordinatorCard co={detail.coordinator} decisions={detail.decisions} />
      <ul className="nodes twopc-participants" data-testid="nodes">
        {detail.participants.map((p) => (
          <ParticipantCard key={p.id} p={p} />
        ))}
      </ul>
      {detail.group.length > 0 && (
        <p className="twopc-group">
          decision group:{' '}
          {detail.group.map((g) => (
            <span
              key={g.id}
              className={`twopc-member ${g.up ? g.role : 'down'}`}
              data-testid={`node-${g.id}`}
            >
              {g.id} {g.up ? g.role : 'crashed'}
            </span>
          ))}
        </p>
      )}
      {detail.recent.length > 0 && (
        <div className="twopc-recent-wrap">
          <table className="twopc-recent" aria-label="Recent transactions">
            <thead>
              <tr>
                <th>transaction</th>
                <th>answer</th>
                {names.map((n) => (
                  <th key={n}>{n}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {detail.recent.map((r) => (
                <tr key={r.tx}>
                  <td className="twopc-tx">{r.tx}</td>
                  <td className={`twopc-outcome ${r.answer}`}>{r.answer}</td>
                  {names.map((n) => (
                    <td key={n} className={`twopc-outcome ${r.at[n] ?? 'none'}`}>
                      {r.at[n] ?? ''}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p className="muted twopc-legend">
        A participant that voted YES holds its row locks until it learns the outcome; one in doubt for{' '}
        {BLOCKED_MS} ms or more is drawn as blocked. Crash the coordinator after a PREPARE to watch it happen.
      </p>
    </div>
  );
}
