import type { RaftLiveDetail, RaftServerDetail } from '@dslab/systems';
import './raft.css';

/** A stable colour per term, so entries of the same term read as one run of colour across logs. */
function termColor(term: number): string {
  return `hsl(${(term * 67) % 360} 60% 38%)`; // dark enough for white text on it
}

function LogStrip({ server }: { server: RaftServerDetail }) {
  if (server.entries.length === 0) {
    return (
      <p className="muted raft-log-empty">
        {server.snapshotIndex > 0
          ? `log compacted into a snapshot up to ${server.snapshotIndex}`
          : 'empty log'}
      </p>
    );
  }
  return (
    <ol className="raft-log" aria-label={`${server.id} log`}>
      {server.snapshotIndex > 0 &&
        server.entries[0] &&
        server.entries[0].index === server.snapshotIndex + 1 && (
          <li className="raft-snap" title={`snapshot up to index ${server.snapshotIndex}`}>
            ≤{server.snapshotIndex}
          </li>
        )}
      {server.entries.map((e) => {
        const state =
          e.index <= server.lastApplied ? 'applied' : e.index <= server.commitIndex ? 'committed' : 'pending';
        return (
          <li
            key={e.index}
            className={`raft-entry ${state}`}
            style={{
              borderColor: termColor(e.term),
              background: state === 'pending' ? undefined : termColor(e.term),
            }}
            title={`#${e.index} term ${e.term}: ${e.label} (${state})`}
          >
            <span className="idx">{e.index}</span>
            <span className="term">t{e.term}</span>
          </li>
        );
      })}
    </ol>
  );
}

function ServerCard({ server }: { server: RaftServerDetail }) {
  const status = server.up ? (server.paused ? 'paused' : server.role) : 'crashed';
  const progress = Object.entries(server.progress);
  return (
    <li
      className={`node raft-server ${server.up ? (server.paused ? 'paused' : 'up') : 'down'} role-${status}`}
      data-testid={`node-${server.id}`}
    >
      <div className="raft-head">
        <strong>{server.id}</strong> <span className="role">{status}</span>
        {server.up && <span className="muted"> term {server.term}</span>}
      </div>
      {server.up && (
        <>
          {server.role !== 'leader' && (
            <div className="raft-timer" title="election timer">
              <div style={{ width: `${Math.round(server.electionProgress * 100)}%` }} />
            </div>
          )}
          <p className="raft-facts">
            commit {server.commitIndex} · applied {server.lastApplied} · last {server.lastIndex}
            {server.votedFor ? ` · voted ${server.votedFor}` : ''}
            {server.leader && server.leader !== server.id ? ` · follows ${server.leader}` : ''}
          </p>
          <LogStrip server={server} />
          {progress.length > 0 && (
            <table className="raft-progress" aria-label={`${server.id}'s view of its followers`}>
              <thead>
                <tr>
                  <th>follower</th>
                  <th>match</th>
                  <th>next</th>
                  <th>behind</th>
                </tr>
              </thead>
              <tbody>
                {progress.map(([peer, p]) => (
                  <tr key={peer}>
                    <td>{peer}</td>
                    <td>{p.match}</td>
                    <td>{p.next}</td>
                    <td>{Math.max(0, server.lastIndex - p.match)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <p className="muted raft-voters">voters {server.voters.join(', ')}</p>
        </>
      )}
    </li>
  );
}

/** The Raft page's live view: each server's role, term, election timer, log and (for a leader) follower progress; the clients. */
export function RaftView({ detail }: { detail: RaftLiveDetail }) {
  return (
    <div className="raft-view">
      <ul className="nodes raft-servers" data-testid="nodes">
        {detail.servers.map((server) => (
          <ServerCard key={server.id} server={server} />
        ))}
      </ul>
      {detail.clients.length > 0 && (
        <table className="raft-clients" aria-label="Clients">
          <thead>
            <tr>
              <th>client</th>
              <th>in flight</th>
              <th>to</th>
              <th>attempt</th>
              <th>done</th>
              <th>ok</th>
              <th>retries</th>
            </tr>
          </thead>
          <tbody>
            {detail.clients.map((c) => (
              <tr key={c.id} data-testid={`node-${c.id}`}>
                <td>
                  {c.id} <span className="role">{c.up ? 'client' : 'crashed'}</span>
                </td>
                <td>{c.inFlight ?? '—'}</td>
                <td>{c.server ?? '—'}</td>
                <td>{c.attempts || '—'}</td>
                <td>{c.done}</td>
                <td>{c.ok}</td>
                <td>{c.retries}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p className="muted raft-legend">
        Log entries: filled = committed (a dot once applied), outlined = not committed yet; colour = term. The
        bar under a follower is its election timer.
      </p>
    </div>
  );
}
