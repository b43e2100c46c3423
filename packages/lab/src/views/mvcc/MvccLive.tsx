import { useState } from 'react';
import { VersionsPicture } from './VersionsPicture';
import { WaitGraph } from './WaitGraph';
import type { MvccDetail } from './detail';
import './mvcc.css';

/** A live run of the list-append workload: each list row's versions, who sees which, and who waits. */
export function MvccLive({ detail }: { readonly detail: MvccDetail }) {
  const [viewer, setViewer] = useState('now');
  return (
    <section className="mvcc-view" aria-label="versions and snapshots">
      <p className="muted">
        {detail.stats.commits} commits, {detail.stats.aborts} aborts ({detail.stats.serializationFailures}{' '}
        serialization failures, {detail.stats.deadlocks} deadlocks), {detail.stats.lockWaits} lock waits.
      </p>
      <VersionsPicture detail={detail} viewer={viewer} onViewer={setViewer} />
      {detail.waits.length > 0 && (
        <>
          <h4>Wait-for graph</h4>
          <WaitGraph sessions={detail.sessions.map((s) => s.session)} waits={detail.waits} />
        </>
      )}
    </section>
  );
}
