import { Fragment } from 'react';
import type { mvcc } from '@dslab/systems';
import { formatRow, sessionName, type MvccDetail } from './detail';

type Version = mvcc.MvccVersionDetail;

const stateText: Record<Version['state'], string> = {
  live: 'live',
  dead: 'dead: VACUUM can remove it',
  'recently dead': 'dead, but kept: an open snapshot still sees it',
  inserting: 'writer still running',
  deleting: 'being replaced or deleted',
  aborted: 'writer aborted: VACUUM can remove it',
};

function XidTag({ label, xid, status }: { label: string; xid: number; status?: string }) {
  const text = status === 'frozen' ? 'frozen' : String(xid);
  return (
    <span className={`mvcc-xid ${status?.replace(' ', '-') ?? ''}`} title={status ?? ''}>
      {label} {text}
      {status === 'committed' ? ' ✓' : status === 'aborted' ? ' ✗' : status === 'in progress' ? ' …' : ''}
    </span>
  );
}

function VersionBox(props: { version: Version; seen: boolean; viewer: string; keyColumn: string }) {
  const { version, seen, viewer } = props;
  return (
    <div
      className={`mvcc-version ${version.state.replace(' ', '-')}${seen ? ' seen' : ''}`}
      data-testid={`version-${version.table}-${version.tid}`}
    >
      <div className="mvcc-values">{formatRow(version.values, props.keyColumn) || '(key only)'}</div>
      <div className="mvcc-xids">
        <XidTag label="xmin" xid={version.xmin} status={version.xminStatus} />
        {version.xmax !== 0 && <XidTag label="xmax" xid={version.xmax} status={version.xmaxStatus} />}
      </div>
      <div className="mvcc-state">{stateText[version.state]}</div>
      {Object.keys(version.lockers).length > 0 && (
        <div className="mvcc-locked">locked by xid {Object.keys(version.lockers).join(', ')}</div>
      )}
      {version.visibleTo.length > 0 && (
        <div className="mvcc-seen-by">
          seen by{' '}
          {version.visibleTo.map((v, i) => (
            <Fragment key={v}>
              {i > 0 ? ', ' : ''}
              <span className={v === viewer ? 'mvcc-seen' : ''}>
                {v === 'now' ? 'new statements' : sessionName(v)}
              </span>
            </Fragment>
          ))}
        </div>
      )}
    </div>
  );
}

function SnapshotText({ snapshot }: { snapshot: mvcc.SnapshotView }) {
  return (
    <code>
      xmin {snapshot.xmin} · xmax {snapshot.xmax} · in progress{' '}
      {snapshot.xip.length > 0 ? `{${snapshot.xip.join(', ')}}` : '{}'}
    </code>
  );
}

/**
 * Every row's versions with their xmin and xmax, the one the chosen session's snapshot sees
 * highlighted; the commit log; each session's snapshot; what VACUUM could remove and what it must keep.
 */
export function VersionsPicture(props: {
  readonly detail: MvccDetail;
  readonly viewer: string;
  readonly onViewer: (viewer: string) => void;
}) {
  const { detail } = props;
  if (!detail.up)
    return <p className="invalid">The database node is down: nothing to draw until it restarts.</p>;
  const viewers = ['now', ...detail.sessions.filter((s) => s.state === 'active').map((s) => s.session)];
  const viewer = viewers.includes(props.viewer) ? props.viewer : 'now';
  const chosen = detail.sessions.find((s) => s.session === viewer);
  const snapshot = chosen?.snapshot ?? detail.fresh;
  return (
    <div className="mvcc-picture" data-testid="mvcc-versions">
      <div className="mvcc-viewers" role="group" aria-label="whose snapshot">
        <span className="muted">Seen by:</span>
        {viewers.map((v) => (
          <button
            key={v}
            type="button"
            className={v === viewer ? 'on' : ''}
            aria-pressed={v === viewer}
            onClick={() => props.onViewer(v)}
            data-testid={`viewer-${v}`}
          >
            {sessionName(v)}
          </button>
        ))}
      </div>
      <p className="mvcc-snapshot" data-testid="mvcc-snapshot">
        {chosen ? (
          <>
            {sessionName(viewer)} ({chosen.level}
            {chosen.xid !== undefined ? `, xid ${chosen.xid}` : ', no xid yet: it has not written'}){' '}
            {chosen.perStatement
              ? 'takes a new snapshot per statement; its next one: '
              : 'keeps one snapshot: '}
          </>
        ) : (
          'A statement starting now takes the snapshot '
        )}
        <SnapshotText snapshot={snapshot} />. It sees a version whose xmin committed before the snapshot and
        whose xmax did not.
      </p>
      {detail.tables.map((table) => {
        const keys = [...new Set(table.versions.map((v) => v.key))].sort((a, b) => a - b);
        return (
          <div key={table.name} className="mvcc-table">
            <h4>
              {table.name}{' '}
              <span className="muted">
                — {table.live} live · {table.dead} dead (VACUUM can remove) · {table.recentlyDead} dead but
                kept (visible to a snapshot older than xid {detail.oldestXmin})
                {table.hidden > 0 ? ` · ${table.hidden} older versions not drawn` : ''}
              </span>
            </h4>
            <ol className="mvcc-rows">
              {keys.map((key) => {
                const versions = table.versions.filter((v) => v.key === key);
                return (
                  <li key={key}>
                    <span className="mvcc-key">
                      {table.key} {key}
                    </span>
                    <div className="mvcc-chain">
                      {versions.map((v, i) => (
                        <span key={v.tid} className="mvcc-link">
                          {i > 0 && (
                            <span className="mvcc-arrow" aria-hidden>
                              {versions[i - 1]?.next === v.tid ? '→' : '·'}
                            </span>
                          )}
                          <VersionBox
                            version={v}
                            seen={v.visibleTo.includes(viewer)}
                            viewer={viewer}
                            keyColumn={table.key}
                          />
                        </span>
                      ))}
                    </div>
                  </li>
                );
              })}
            </ol>
          </div>
        );
      })}
      <div className="mvcc-side">
        <div>
          <h4>Commit log</h4>
          <ol className="mvcc-clog" aria-label="commit log">
            {detail.clog.map((c) => (
              <li key={c.xid} className={c.status.replace(' ', '-')} title={c.status}>
                {c.xid}
              </li>
            ))}
            {detail.clog.length === 0 && <li className="muted">no transaction id handed out yet</li>}
          </ol>
          <p className="muted mvcc-legend">
            <span className="mvcc-xid committed">committed ✓</span>{' '}
            <span className="mvcc-xid in-progress">in progress …</span>{' '}
            <span className="mvcc-xid aborted">aborted ✗</span> · next xid {detail.nextXid}
          </p>
        </div>
        <div>
          <h4>Sessions</h4>
          {detail.sessions.length === 0 ? (
            <p className="muted">No transaction is open.</p>
          ) : (
            <table className="mvcc-sessions">
              <thead>
                <tr>
                  <th>session</th>
                  <th>level</th>
                  <th>xid</th>
                  <th>snapshot</th>
                  <th>waits for</th>
                </tr>
              </thead>
              <tbody>
                {detail.sessions.map((s) => (
                  <tr key={s.session} className={s.state === 'failed' ? 'failed' : ''}>
                    <td>
                      {sessionName(s.session)}
                      {s.state === 'failed' ? ' (failed: only ROLLBACK left)' : ''}
                      {s.doomed ? ' (doomed)' : ''}
                    </td>
                    <td>{s.level}</td>
                    <td>{s.xid ?? '—'}</td>
                    <td>{s.snapshot ? <SnapshotText snapshot={s.snapshot} /> : '—'}</td>
                    <td>{s.waitsFor.map(sessionName).join(', ') || '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      </div>
    </div>
  );
}
