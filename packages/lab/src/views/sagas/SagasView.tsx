import { useState } from 'react';
import type { SagaDetail, SagaLiveDetail, SagaStepDetail } from './detail';
import './sagas.css';

const STATE_MARK: Readonly<Record<SagaStepDetail['state'], string>> = {
  waiting: '·',
  done: '✓',
  refused: '✗',
  undone: '↶',
  'nothing to undo': '∅',
  expired: '!',
};

function stepTitle(saga: SagaDetail, step: SagaStepDetail): string {
  const kind = step.kind === 'pivot' ? ' (the pivot: after it, only forward)' : ` (${step.kind})`;
  return `${saga.saga} · ${step.name} on ${step.service}${kind}: ${step.state}${step.note ? ` — ${step.note}` : ''}`;
}

function phaseClass(phase: string): string {
  if (phase === 'committed') return 'ok';
  if (phase === 'compensated') return 'undone';
  if (phase.startsWith('compensating')) return 'undoing';
  return '';
}

function SagaRow({ saga, open, toggle }: { saga: SagaDetail; open: boolean; toggle: () => void }) {
  return (
    <li className={`saga-row${open ? ' open' : ''}`} data-testid={`saga-${saga.saga}`}>
      <button type="button" className="saga-head" aria-expanded={open} onClick={toggle}>
        <span className="saga-id">{saga.saga}</span>
        <span className="saga-kind muted">{saga.kind}</span>
        <span className={`saga-phase ${phaseClass(saga.phase)}`}>{saga.phase}</span>
      </button>
      <ol className="saga-steps" aria-label={`steps of ${saga.saga}`}>
        {saga.steps.map((step) => (
          <li
            key={step.name}
            className={`saga-step ${step.state.replace(/ /g, '-')}${step.kind === 'pivot' ? ' pivot' : ''}`}
            title={stepTitle(saga, step)}
          >
            <span className="saga-step-mark" aria-hidden="true">
              {STATE_MARK[step.state]}
            </span>
            <span className="saga-step-name">{step.name}</span>
          </li>
        ))}
      </ol>
      {saga.why ? <p className="saga-why muted">compensating because {saga.why}</p> : null}
      {open ? (
        <table className="saga-applied">
          <caption>What the services applied for {saga.saga}, in order</caption>
          <thead>
            <tr>
              <th>ms</th>
              <th>service</th>
              <th>request</th>
              <th>effect</th>
            </tr>
          </thead>
          <tbody>
            {saga.applied.map((a, i) => (
              <tr key={i} className={a.change}>
                <td className="num">{a.t.toFixed(1)}</td>
                <td>{a.service}</td>
                <td>{a.op}</td>
                <td>
                  {a.change}
                  {a.reason ? ` (${a.reason})` : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </li>
  );
}

export function SagasView({ detail }: { detail: SagaLiveDetail }) {
  const [open, setOpen] = useState<string | undefined>(undefined);
  const problems = Object.entries(detail.problems);
  const sagas = [...detail.sagas].reverse();
  return (
    <div className="sagas-view" data-testid="sagas-view">
      <p className="sagas-bar">
        <span>
          {detail.mode === 'choreographed'
            ? 'choreographed: services react to each other’s events'
            : detail.mode}
        </span>
        {detail.coordinator ? (
          <span className={detail.coordinator.up ? '' : 'bad'}>
            {detail.coordinator.id}{' '}
            {detail.coordinator.up ? `up, ${detail.coordinator.active} sagas running` : 'down'}
          </span>
        ) : null}
        <span className="muted">{detail.now.toFixed(0)} ms</span>
      </p>
      {problems.length > 0 ? (
        <ul className="sagas-problems" role="alert">
          {problems.map(([name, problem]) => (
            <li key={name}>{problem}</li>
          ))}
        </ul>
      ) : null}
      {sagas.length === 0 ? (
        <p className="muted">No saga accepted yet: step or play the run.</p>
      ) : (
        <ul className="saga-list" aria-label="the latest sagas, newest first">
          {sagas.map((saga) => (
            <SagaRow
              key={saga.saga}
              saga={saga}
              open={open === saga.saga}
              toggle={() => setOpen(open === saga.saga ? undefined : saga.saga)}
            />
          ))}
        </ul>
      )}
      <p className="muted sagas-legend">
        ✓ done · ✗ refused · ↶ undone by its compensation · ∅ compensation found nothing to undo (it left a
        tombstone) · ! reservation lapsed · the bold-edged step is the pivot. Click a saga for every request
        the services applied.
      </p>
      <div className="table-wrap">
        <table className="sagas-services">
          <caption>Services</caption>
          <thead>
            <tr>
              <th>service</th>
              <th title="units held by sagas, of the capacity">held</th>
              <th>charges</th>
              <th>refunds</th>
              <th title="forward requests refused from now on: left by compensations">tombstones</th>
              <th title="late forward requests refused by a tombstone">late refused</th>
              <th title="compensations that found nothing to undo">no-ops</th>
              <th title="choreography events not yet acknowledged">outbox</th>
            </tr>
          </thead>
          <tbody>
            {detail.services.map((s) => (
              <tr key={s.id} className={s.up ? '' : 'down'}>
                <td>
                  {s.id}
                  {s.up ? '' : ' (down)'}
                </td>
                <td className="num">
                  {s.held}
                  {s.capacity !== undefined ? ` / ${s.capacity}` : ''}
                </td>
                <td className="num">{s.charges}</td>
                <td className="num">{s.refunds}</td>
                <td className="num">{s.tombstones}</td>
                <td className="num">{s.refusedByTombstone}</td>
                <td className="num">{s.noops}</td>
                <td className="num">{s.outbox}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
