import { useState } from 'react';
import type { LiveRunControls } from './useLiveRun';

const SPEEDS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 50] as const;
const WINDOWS = [50, 200, 1000, 5000, 30000] as const;

interface Props {
  readonly run: LiveRunControls;
  /** The link to the run at its current moment (a hash), or undefined before the run opened. */
  readonly link: () => string | undefined;
}

/** Play, step, speed, the scrub bar over virtual time, the timeline's window, and a link to this moment. */
export function TimeBar({ run, link }: Props) {
  return (
    <div className="timebar" role="toolbar" aria-label="Time">
      <button
        onClick={run.togglePlay}
        data-testid="play"
        aria-pressed={run.playing}
        aria-keyshortcuts="Space"
        title="Play or pause (Space)"
      >
        {run.playing ? 'Pause' : 'Play'}
      </button>
      <button
        onClick={run.step}
        disabled={run.playing}
        data-testid="step"
        aria-keyshortcuts="."
        title="One event (.)"
      >
        Step
      </button>
      <label>
        Speed{' '}
        <select value={run.speed} onChange={(e) => run.setSpeed(Number(e.target.value))} aria-label="Speed">
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
        max={Math.max(run.furthest, 1)}
        step={1}
        value={run.scrubTarget ?? run.time}
        aria-label="Scrub virtual time"
        data-testid="scrub"
        onChange={(e) => run.scrub(Number(e.target.value))}
      />
      <span className="clock" data-testid="time" data-time={run.time}>
        {run.time.toFixed(1)} ms
      </span>
      <label>
        Window{' '}
        <select
          value={run.spanMs}
          onChange={(e) => run.setSpanMs(Number(e.target.value))}
          aria-label="Timeline window"
        >
          {WINDOWS.map((s) => (
            <option key={s} value={s}>
              {s} ms
            </option>
          ))}
        </select>
      </label>
      <CopyLink link={link} />
    </div>
  );
}

/** Copies the link to this moment (and puts it in the address bar, where it can be copied by hand). */
function CopyLink({ link }: { link: () => string | undefined }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    const hash = link();
    if (hash === undefined) return;
    const url = `${location.origin}${location.pathname}${hash}`;
    try {
      await navigator.clipboard.writeText(url);
    } catch {
      /* clipboard may be unavailable (insecure origin); the address bar shows the link too */
    }
    history.replaceState(null, '', url);
    setCopied(true);
    setTimeout(() => setCopied(false), 1500);
  };
  return (
    <button onClick={() => void copy()} data-testid="copy-link">
      {copied ? 'Link copied' : 'Copy link to this moment'}
    </button>
  );
}
