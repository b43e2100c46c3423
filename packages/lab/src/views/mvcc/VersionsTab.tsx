import { useEffect, useState } from 'react';
import { mvcc } from '@dslab/systems';
import { ScriptSteps, StepBar } from './ScriptSteps';
import { VersionsPicture } from './VersionsPicture';

const scripts: readonly mvcc.Script[] = [
  mvcc.vacuumStory,
  ...mvcc.anomalyTests,
  mvcc.experiments.readersWriters,
  mvcc.experiments.doctors,
  mvcc.experiments.oversell,
];

/** Step through a script and watch each row's versions, the snapshots, the commit log and VACUUM. */
export function VersionsTab() {
  const [scriptId, setScriptId] = useState(mvcc.vacuumStory.id);
  const [level, setLevel] = useState<mvcc.IsolationLevel>('read committed');
  const [run, setRun] = useState<mvcc.ScriptRun>();
  const [at, setAt] = useState(0);
  const [viewer, setViewer] = useState('s1');
  const script = scripts.find((s) => s.id === scriptId) ?? mvcc.vacuumStory;
  useEffect(() => {
    let current = true;
    void mvcc.runScript(script, level).then((r) => {
      if (!current) return;
      setRun(r);
      setAt(0);
    });
    return () => {
      current = false;
    };
  }, [script, level]);
  const frame = run?.frames[at];
  return (
    <div className="mvcc-tab" data-testid="mvcc-tab-versions">
      <p className="muted">
        An UPDATE never overwrites: it writes a new version and stamps the old one&rsquo;s xmax. Pick whose
        eyes to look through; the version that session&rsquo;s snapshot sees is outlined. Sessions without a
        transaction read as &ldquo;a new statement&rdquo;.
      </p>
      <div className="controls">
        <label>
          Script{' '}
          <select
            value={scriptId}
            onChange={(e) => setScriptId(e.target.value)}
            data-testid="versions-script"
          >
            {scripts.map((s) => (
              <option key={s.id} value={s.id}>
                {s.title}
              </option>
            ))}
          </select>
        </label>
        <label>
          Level of plain BEGINs{' '}
          <select
            value={level}
            onChange={(e) => setLevel(e.target.value as mvcc.IsolationLevel)}
            data-testid="versions-level"
          >
            {mvcc.TESTED_LEVELS.map((l) => (
              <option key={l}>{l}</option>
            ))}
          </select>
        </label>
      </div>
      {run && frame ? (
        <>
          <StepBar record={run.record} at={at} onStep={setAt} />
          <div className="mvcc-split">
            <ScriptSteps record={run.record} at={at} onStep={setAt} />
            <VersionsPicture detail={frame} viewer={viewer} onViewer={setViewer} />
          </div>
        </>
      ) : (
        <p className="muted">Running the script…</p>
      )}
    </div>
  );
}
