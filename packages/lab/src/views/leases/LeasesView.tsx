import type { leases } from '@dslab/systems';
import './leases.css';

type Detail = leases.LeasesLiveDetail;
type Client = Detail['clients'][number];
type Write = Detail['writes'][number];

/** The most recent writes listed, newest first. */
const WRITES_SHOWN = 6;
/** The late writes of expired holders listed, newest first. */
const INCIDENTS_SHOWN = 5;

const protocolNames: Readonly<Record<string, string>> = {
  lease: 'lease service',
  redlock: 'Redlock',
  'etcd-put': 'etcd lease + put',
  'etcd-txn': 'etcd lease + create-revision txn',
  'term-cas': 'term column (CAS)',
};

const fenceNames: Readonly<Record<string, string>> = {
  none: 'ignores tokens',
  'max-seen': 'refuses a token below the highest seen',
  'current-term': 'accepts only the current term',
};

function clientState(c: Client): { label: string; tone: string } {
  if (!c.up) return { label: 'down', tone: 'down' };
  if (c.paused && c.believesHolding)
    return { label: `paused — still believes it holds token ${c.token}`, tone: 'stale' };
  if (c.paused) return { label: 'paused', tone: 'paused' };
  if (c.believesHolding) return { label: `holds token ${c.token}`, tone: 'holder' };
  return { label: 'waiting', tone: 'idle' };
}

function writeState(w: Write): { label: string; tone: string } {
  if (!w.accepted) return { label: 'refused by the fence', tone: 'refused' };
  if (w.corrupting) return { label: 'applied over a newer holder’s write', tone: 'corrupting' };
  return { label: 'applied', tone: 'applied' };
}

function WriteList({ writes, testId }: { readonly writes: readonly Write[]; readonly testId: string }) {
  return (
    <ol className="ls-writes" data-testid={testId}>
      {writes.map((w, i) => {
        const state = writeState(w);
        return (
          <li key={`${w.t}-${i}`} className={`ls-write ls-${state.tone}`}>
            <span className="ls-time">{(w.t / 1_000).toFixed(2)} s</span>
            <span>
              {w.writer}, token {w.token}
            </span>
            <span>{state.label}</span>
          </li>
        );
      })}
    </ol>
  );
}

export function LeasesView({ detail }: { readonly detail: Detail }) {
  const believers = detail.clients.filter((c) => c.up && c.believesHolding).length;
  const service = detail.service;
  const writes = detail.writes.slice(-WRITES_SHOWN).reverse();
  const incidents = detail.incidents.slice(-INCIDENTS_SHOWN).reverse();
  return (
    <section className="ls-view" aria-label="leases and fencing">
      <p className="ls-caption">
        Lock: <strong>{protocolNames[detail.protocol] ?? detail.protocol}</strong>, TTL {detail.ttlMs} ms.
        Storage <strong>{fenceNames[detail.fence] ?? detail.fence}</strong>. So far:{' '}
        <span className="ls-ok">{detail.applied} applied</span>,{' '}
        <span className="ls-muted">{detail.refused} refused</span>,{' '}
        <span className={detail.corrupted > 0 ? 'ls-bad' : ''}>{detail.corrupted} corrupting</span>; at most{' '}
        <span className={detail.maxBelievers > 1 ? 'ls-bad' : ''}>{detail.maxBelievers}</span> clients
        believed they held the lock at once.
      </p>
      <div className="ls-row">
        {service && (
          <div className="ls-card ls-service" data-testid="lease-service">
            <h4>lease service{service.up ? '' : ' (down)'}</h4>
            {service.holder ? (
              <>
                <p>
                  lease of <strong>{service.holder}</strong>, token <strong>{service.token}</strong>
                </p>
                <span className="ls-bar" aria-label={`${Math.round(service.leftMs)} ms left`}>
                  <span
                    style={{ width: `${Math.min(100, (service.leftMs / detail.ttlMs) * 100).toFixed(0)}%` }}
                  />
                </span>
                <p className="ls-muted">{Math.round(service.leftMs)} ms left</p>
              </>
            ) : (
              <p className="ls-muted">no lease in force</p>
            )}
          </div>
        )}
        <div className="ls-card ls-storage" data-testid="storage">
          <h4>storage</h4>
          <p>
            highest token <strong>{detail.storage.highest}</strong>
          </p>
          <p className="ls-muted">
            last write: {detail.storage.lastWriter || 'none'}
            {detail.storage.lastWriter ? ` (token ${detail.storage.lastToken})` : ''}
          </p>
        </div>
      </div>
      <ul className="ls-clients" aria-label={`clients: ${believers} believe they hold the lock`}>
        {detail.clients.map((c) => {
          const state = clientState(c);
          return (
            <li key={c.id} className={`ls-client ls-${state.tone}`} data-testid={`client-${c.id}`}>
              <strong>{c.id}</strong>
              <span>{state.label}</span>
              <span className="ls-muted">
                {c.written} written, {c.refused} refused
              </span>
            </li>
          );
        })}
      </ul>
      <h4 className="ls-heading">Late writes of expired holders</h4>
      {incidents.length === 0 ? (
        <p className="ls-muted">None yet: no holder has written after losing its lease.</p>
      ) : (
        <WriteList writes={incidents} testId="incidents" />
      )}
      <h4 className="ls-heading">Recent writes</h4>
      {writes.length === 0 ? (
        <p className="ls-muted">No write has reached the storage yet.</p>
      ) : (
        <WriteList writes={writes} testId="writes" />
      )}
      <p className="ls-legend ls-muted">
        A GC pause hits a holder between its lease check and its write. It wakes after its lease expired,
        still believing it holds the lock, and sends the write: a storage that checks tokens refuses it; one
        that ignores them applies it on top of the next holder&rsquo;s.
      </p>
    </section>
  );
}
