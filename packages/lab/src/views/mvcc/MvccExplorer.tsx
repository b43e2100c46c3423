import { useState } from 'react';
import { AnomalyTab } from './AnomalyTab';
import { DeadlockTab } from './DeadlockTab';
import { QueueTab } from './QueueTab';
import { VersionsTab } from './VersionsTab';
import './mvcc.css';

const tabs = [
  { id: 'versions', label: 'Versions and VACUUM', Tab: VersionsTab },
  { id: 'anomalies', label: 'Anomaly runner', Tab: AnomalyTab },
  { id: 'deadlock', label: 'Deadlock', Tab: DeadlockTab },
  { id: 'queue', label: 'SKIP LOCKED queue', Tab: QueueTab },
] as const;

/** The engine opened up: its versions, the anomalies each level lets through, a deadlock, a job queue. */
export function MvccExplorer() {
  const [tab, setTab] = useState<(typeof tabs)[number]['id']>('versions');
  const Tab = tabs.find((t) => t.id === tab)?.Tab ?? VersionsTab;
  return (
    <section className="explorer mvcc-explorer" aria-label="MVCC explorer" data-testid="mvcc-explorer">
      <div className="mvcc-tabs" role="tablist">
        {tabs.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            aria-selected={t.id === tab}
            className={t.id === tab ? 'on' : ''}
            onClick={() => setTab(t.id)}
            data-testid={`mvcc-tab-button-${t.id}`}
          >
            {t.label}
          </button>
        ))}
      </div>
      <Tab />
    </section>
  );
}
