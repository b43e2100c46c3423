/**
 * Drives one live run through the worker: opens it from the link (system, params, seed, faults, time),
 * plays it frame by frame, steps, scrubs, applies faults and runs the on-demand checks. User actions
 * queue behind each other (none is ever dropped); only play-loop ticks are skipped while one is busy.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Fault } from '@dslab/sim';
import type { LiveCheck } from '@dslab/systems';
import { live } from '../../worker/client';
import type { LiveOperation, LiveSnapshot } from '../../worker/protocol';
import type { Command } from '../../live/session';

export interface LiveRunSource {
  readonly system: string;
  readonly params: Record<string, unknown>;
  readonly seed: number;
  readonly faults: readonly Command[];
  readonly at: number;
}

export interface LiveRunControls {
  readonly snapshot: LiveSnapshot | undefined;
  /** The virtual time of the snapshot (0 before the first). */
  readonly time: number;
  /** The furthest virtual time reached so far: the end of the scrub bar. */
  readonly furthest: number;
  /** While a seek is on its way the slider shows where the user put it, not the old time. */
  readonly scrubTarget: number | undefined;
  readonly error: string | undefined;
  readonly playing: boolean;
  readonly speed: number;
  /** Width of the message timeline's window, in virtual ms. */
  readonly spanMs: number;
  /** Operations queued or running; the panel exposes it as data-pending so tests can tell when it settled. */
  readonly pending: number;
  /** The last on-demand check and the virtual time it covered. */
  readonly checked: LiveCheck | undefined;
  readonly checkedAt: number | undefined;
  togglePlay(): void;
  pause(): void;
  setSpeed(speed: number): void;
  setSpanMs(ms: number): void;
  step(): void;
  /** Moves to a virtual time (re-executing from the seed when it is in the past). */
  seek(time: number): void;
  /** Like seek, for the scrub bar: pauses, and shows the target until the worker has caught up. */
  scrub(time: number): void;
  apply(fault: Fault): void;
  check(): void;
}

export function useLiveRun({ system, params, seed, faults, at }: LiveRunSource): LiveRunControls {
  const [snapshot, setSnapshot] = useState<LiveSnapshot | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState<number>(0.25);
  const [spanMs, setSpanMs] = useState(200);
  const [furthest, setFurthest] = useState(0);
  const [scrubTarget, setScrubTarget] = useState<number | undefined>();
  const [pending, setPending] = useState(0);
  const [checked, setChecked] = useState<LiveCheck | undefined>();
  const [checkedAt, setCheckedAt] = useState<number | undefined>();
  const busy = useRef(false);
  const queue = useRef<Promise<void>>(Promise.resolve());

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

  const paramsKey = JSON.stringify(params);
  const faultsKey = JSON.stringify(faults);
  useEffect(() => {
    void send({ op: 'open', system, params: JSON.parse(paramsKey) as unknown, seed, commands: faults, at });
    // A new link (system, params, seed, faults, time) opens a new run; `send` changes only with the zoom.
  }, [system, paramsKey, seed, faultsKey, at]);

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

  const seek = useCallback(
    (time: number) => {
      setPlaying(false);
      void send({ op: 'seek', time });
    },
    [send],
  );

  return {
    snapshot,
    time: snapshot?.state.time ?? 0,
    furthest,
    scrubTarget,
    error,
    playing,
    speed,
    spanMs,
    pending,
    checked,
    checkedAt,
    togglePlay: () => setPlaying((p) => !p),
    pause: () => setPlaying(false),
    setSpeed,
    setSpanMs,
    step: () => void send({ op: 'step' }),
    seek,
    scrub: (target: number) => {
      if (target === scrubTarget) return;
      setPlaying(false);
      setScrubTarget(target);
      void send({ op: 'seek', time: target }).then(() =>
        setScrubTarget((t) => (t === target ? undefined : t)),
      );
    },
    apply: (fault: Fault) => void send({ op: 'apply', fault }),
    check: () => void send({ op: 'check' }),
  };
}

/** Keyboard: Space plays or pauses, "." steps one event — not while typing in a field or on a control. */
export function usePlayKeys(run: Pick<LiveRunControls, 'playing' | 'togglePlay' | 'step'>): void {
  const { playing, togglePlay, step } = run;
  const latest = useRef({ togglePlay, step });
  latest.current = { togglePlay, step };
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      if (target && /^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(target.tagName)) return;
      if (event.key === ' ') {
        event.preventDefault();
        latest.current.togglePlay();
      } else if (event.key === '.' && !playing) latest.current.step();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [playing]);
}
