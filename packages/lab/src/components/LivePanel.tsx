import { useCallback, useEffect, useRef, useState } from 'react';
import type { Fault } from '@dslab/sim';
import type { LiveCheck, RaftLiveDetail, SystemDefinition } from '@dslab/systems';
import { live } from '../worker/client';
import type { LiveOperation, LiveSnapshot } from '../worker/protocol';
import type { Command } from '../live/session';
import { systemLink } from '../route';
import { MessageTimeline } from './MessageTimeline';
import { RaftView } from './RaftView';
import { CheckerPanel } from './CheckerPanel';
import { MetricsStrip } from './MetricsStrip';
import { formatValue } from './ResultTableView';

const SPEEDS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 50] as const;

interface Props {
  readonly system: SystemDefinition<unknown>;
  readonly params: Record<string, unknown>;
  readonly seed: number;
  readonly faults: readonly Command[];
  readonly at: number;
}

/** The live run: nodes, fault toolbar, time bar and message timeline, all driven through the worker. */
export function LivePanel({ system, params, seed, faults, at }: Props) {
  const [snapshot, setSnapshot] = useState<LiveSnapshot | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState<number>(0.25);
  const [spanMs, setSpanMs] = useState(200);
  const [furthest, setFurthest] = useState(0);
  const [selected, setSelected] = useState<string>('');
  const [copied, setCopied] = useState(false);
  // While a seek is on its way the slider shows where the user put it, not the old time.
  const [scrubTarget, setScrubTarget] = useState<number | undefined>();
  const busy = useRef(false);
  // User actions queue behind each other (none is ever dropped); only play-loop ticks are skipped when busy.
  const queue = useRef<Promise<void>>(Promise.resolve());
  // Operations queued or running; exposed as data-pending so tests (and people) can tell when it settled.
  const [pending, setPending] = useState(0);
  // Nodes the user put on the far side of a partition.
  const [cutOff, setCutOff] = useState<readonly string[]>([]);
  const [checked, setChecked] = useState<LiveCheck | undefined>();
  const [checkedAt, setCheckedAt] = useState<number | undefined>();

  const send = useCallback(
    (operation: LiveOperation, droppable = false): Promise<void> => {
      if (droppable && busy.current) return Promise.resolve();
      setPending((n) => n + 1);
      const run = async () => {
        busy.current = true;
        try {
          const next = await live(operation, { spanMs });
          setSnapshot(next);
          if (next.checked) {
            setChecked(next.checked);
            setCheckedAt(next.state.time);
          }
          setFurthest((f) => Math.max(f, next.state.time));
          setError(undefined);
          if (next.state.violation) setPlaying(false);
        } catch (e) {
          setError((e as Error).message);
          setPlaying(false);
        } finally {
          busy.current = false;
          setPending((n) => n - 1);
        }
      };
      queue.current = queue.current.then(run);
      return queue.current;
    },
    [spanMs],
  );

  useEffect(() => {
    void send({ op: 'open', system: system.id, params, seed, commands: faults, at });
    // A new link (system, params, seed, faults) opens a new run; `send` changes only with the zoom.
  }, [system.id, JSON.stringify(params), seed, JSON.stringify(faults), at]);

  useEffect(() => {
    if (!playing) return;
    let frame = 0;
    let last = performance.now();
    const tick = (now: number) => {
      const elapsed = Math.min(100, now - last);
      last = now;
      void send({ op: 'advance', ms: elapsed * speed }, true);
      frame = requestAnimationFrame(tick);
    };
    frame = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(frame);
  }, [playing, speed, send]);

  // Keyboard: space plays or pauses, "." steps one event (not while typing in a field).
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      if (target && /^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(target.tagName)) return;
      if (event.key === ' ') {
        event.preventDefault();
        setPlaying((p) => !p);
      } else if (event.key === '.' && !playing) void send({ op: 'step' });
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [playing, send]);

  const apply = (fault: Fault) => void send({ op: 'apply', fault });
  const nodes = snapshot?.state.view.nodes ?? [];
  const target = selected || nodes[0]?.id || '';
  const time = snapshot?.state.time ?? 0;

  const copyLink = async () => {
    if (!snapshot) return;
    const link = `${location.origin}${location.pathname}${systemLink(system.id, seed, params, { faults: snapshot.commands, at: time })}`;
    try {
      await navigator.clipboard.writeText(link);
    } catch {
      /* clipboard may be unavailable (insecure origin); the link is shown too */
    }
    history.replaceState(null, '', link);
    setCopied(true);
    setTimeout(() => setCopied(false), 1500);
  };

  return (
    <div className="live" data-testid="live" data-pending={pending} aria-busy={pending > 0}>
      <div className="timebar" role="toolbar" aria-label="Time">
        <button
          onClick={() => setPlaying((p) => !p)}
          data-testid="play"
          aria-pressed={playing}
          aria-keyshortcuts="Space"
          title="Play or pause (Space)"
        >
          {playing ? 'Pause' : 'Play'}
        </button>
        <button
          onClick={() => void send({ op: 'step' })}
          disabled={playing}
          data-testid="step"
          aria-keyshortcuts="."
          title="One event (.)"
        >
          Step
        </button>
        <label>
          Speed{' '}
          <select value={speed} onChange={(e) => setSpeed(Number(e.target.value))} aria-label="Speed">
            {SPEEDS.map((s) => (
              <option key={s} value={s}>
                {s}×
              </option>
            ))}
          </select>
        </label>
        <input
          type="range"
          className="scrub"
          min={0}
          max={Math.max(furthest, 1)}
          step={1}
          value={scrubTarget ?? time}
          aria-label="Scrub virtual time"
          data-testid="scrub"
          onChange={(e) => {
            const target = Number(e.target.value);
            if (target === scrubTarget) return;
            setPlaying(false);
            setScrubTarget(target);
            void send({ op: 'seek', time: target }).then(() =>
              setScrubTarget((t) => (t === target ? undefined : t)),
            );
          }}
        />
        <span className="clock" data-testid="time" data-time={time}>
          {time.toFixed(1)} ms
        </span>
        <label>
          Window{' '}
          <select
            value={spanMs}
            onChange={(e) => setSpanMs(Number(e.target.value))}
            aria-label="Timeline window"
          >
            {[50, 200, 1000, 5000, 30000].map((s) => (
              <option key={s} value={s}>
                {s} ms
              </option>
            ))}
          </select>
        </label>
        <button onClick={() => void copyLink()} data-testid="copy-link">
          {copied ? 'Link copied' : 'Copy link to this moment'}
        </button>
      </div>

      <div className="faultbar" role="toolbar" aria-label="Faults">
        <label>
          Node{' '}
          <select
            value={target}
            onChange={(e) => setSelected(e.target.value)}
            aria-label="Node for faults"
            data-testid="fault-node"
          >
            {nodes.map((n) => (
              <option key={n.id} value={n.id}>
                {n.id}
              </option>
            ))}
          </select>
        </label>
        <button onClick={() => apply({ kind: 'crash', node: target })} data-testid="crash">
          Crash
        </button>
        <button onClick={() => apply({ kind: 'restart', node: target })} data-testid="restart">
          Restart
        </button>
        <button onClick={() => apply({ kind: 'pause', node: target, ms: 500 })}>Pause 500 ms</button>
        <button onClick={() => apply({ kind: 'partition', groups: [[target]] })} data-testid="isolate">
          Isolate
        </button>
        <button
          onClick={() => {
            const other = nodes.find((n) => n.id !== target)?.id;
            if (other) apply({ kind: 'one-way', from: target, to: other });
          }}
        >
          Block {target} → next
        </button>
        <button onClick={() => apply({ kind: 'heal' })} data-testid="heal">
          Heal
        </button>
        <button onClick={() => apply({ kind: 'clock-jump', node: target, ms: 1000 })}>Clock +1 s</button>
        <label>
          Drift{' '}
          <select
            aria-label={`Clock drift of ${target}`}
            data-testid="drift"
            value=""
            onChange={(e) => {
              if (e.target.value !== '')
                apply({ kind: 'clock-drift', node: target, ppm: Number(e.target.value) });
            }}
          >
            <option value="">set…</option>
            <option value={-500000}>−50% (half speed)</option>
            <option value={-1000}>−1000 ppm</option>
            <option value={0}>none</option>
            <option value={1000}>+1000 ppm</option>
            <option value={500000}>+50%</option>
          </select>
        </label>
        <button onClick={() => apply({ kind: 'link', from: '*', to: '*', config: { loss: 0.2 } })}>
          Loss 20%
        </button>
        <button onClick={() => apply({ kind: 'link', from: '*', to: '*', config: { duplicate: 0.2 } })}>
          Duplicate 20%
        </button>
        <button
          onClick={() => apply({ kind: 'link', from: '*', to: '*', config: { loss: 0, duplicate: 0 } })}
        >
          Loss and duplicates 0
        </button>
      </div>

      <fieldset className="partition-builder" aria-label="Partition">
        <legend>Partition</legend>
        {nodes
          .filter((n) => n.role !== 'client')
          .map((n) => (
            <label key={n.id}>
              <input
                type="checkbox"
                checked={cutOff.includes(n.id)}
                data-testid={`cut-${n.id}`}
                onChange={(e) =>
                  setCutOff((c) => (e.target.checked ? [...c, n.id] : c.filter((id) => id !== n.id)))
                }
              />{' '}
              {n.id}
            </label>
          ))}
        <button
          data-testid="partition"
          disabled={cutOff.length === 0}
          onClick={() => {
            const servers = nodes.filter((n) => n.role !== 'client').map((n) => n.id);
            const rest = servers.filter((id) => !cutOff.includes(id));
            apply({ kind: 'partition', groups: rest.length > 0 ? [[...cutOff], rest] : [[...cutOff]] });
          }}
        >
          Cut off the ticked nodes
        </button>
      </fieldset>

      {error && (
        <p className="invalid" role="alert">
          {error}
        </p>
      )}
      {snapshot?.state.violation && (
        <p className="invalid" role="alert" data-testid="violation">
          Violation: {snapshot.state.violation}
        </p>
      )}

      {snapshot && (
        <>
          <MetricsStrip metrics={snapshot.state.view.metrics} time={time} />
          <CheckerPanel
            checks={snapshot.state.view.checks}
            checkable={snapshot.checkable}
            checked={checked?.verdicts}
            checkedAt={checkedAt}
            onCheck={() => void send({ op: 'check' })}
          />
          {checked && checked.highlights.length > 0 && (
            <p className="invalid" data-testid="highlights">
              Highlighted on the timeline:{' '}
              {checked.highlights.map((h) => (
                <button
                  key={`${h.node}${h.from}`}
                  onClick={() => {
                    setPlaying(false);
                    void send({ op: 'seek', time: Math.max(h.to, h.from + 1) });
                  }}
                >
                  {h.node} {h.label} at {h.from.toFixed(0)} ms — show it
                </button>
              ))}
            </p>
          )}
          {snapshot.state.view.detail?.kind === 'raft' ? (
            <RaftView detail={snapshot.state.view.detail as RaftLiveDetail} />
          ) : (
            <ul className="nodes" data-testid="nodes">
              {nodes.map((n) => (
                <li
                  key={n.id}
                  className={`node ${n.up ? (n.paused ? 'paused' : 'up') : 'down'}`}
                  data-testid={`node-${n.id}`}
                >
                  <strong>{n.id}</strong>{' '}
                  <span className="role">{n.up ? (n.paused ? 'paused' : (n.role ?? 'up')) : 'crashed'}</span>
                  <dl>
                    {Object.entries(n.facts).map(([k, v]) => (
                      <div key={k}>
                        <dt>{k}</dt>
                        <dd>{formatValue(v)}</dd>
                      </div>
                    ))}
                  </dl>
                </li>
              ))}
            </ul>
          )}
          <MessageTimeline
            window={snapshot.window}
            nodeIds={snapshot.nodeIds}
            highlights={checked?.highlights ?? []}
          />
          <p className="muted">
            Trace <code data-testid="live-hash">{snapshot.state.traceHash}</code> ·{' '}
            {snapshot.state.events.toLocaleString('en-US')} events · {snapshot.commands.length} faults applied
            {snapshot.droppedEvents > 0
              ? ` · ${snapshot.droppedEvents.toLocaleString('en-US')} oldest events no longer drawn`
              : ''}
          </p>
        </>
      )}
    </div>
  );
}
