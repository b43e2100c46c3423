import { describe, expect, it } from 'vitest';
import { findSystem } from '@dslab/systems';
import { LiveSession } from './session';

const echo = findSystem('echo')!;
const params = echo.params.parse({ nodes: 4 });

describe('LiveSession', () => {
  it('scrubbing back re-executes to the same state and trace hash', () => {
    const session = new LiveSession(echo, params, 11);
    session.advance(300);
    const at300 = session.state();
    session.apply({ kind: 'crash', node: 'n2' });
    session.advance(400);
    session.apply({ kind: 'partition', groups: [['n1'], ['n3', 'n4']] });
    session.advance(300);
    const at1000 = session.state();
    session.seek(300);
    expect(session.state().traceHash).toBe(at300.traceHash);
    session.seek(1000);
    expect(session.state().traceHash).toBe(at1000.traceHash);
    expect(session.state().view.nodes.find((n) => n.id === 'n2')!.up).toBe(false);
  });

  it('a fresh session from seed and command log reproduces the run exactly', () => {
    const session = new LiveSession(echo, params, 5);
    session.advance(250);
    session.step();
    session.apply({ kind: 'pause', node: 'n1', ms: 100 });
    session.advance(500);
    session.apply({ kind: 'clock-jump', node: 'n3', ms: -200 });
    session.advance(250);
    const copy = new LiveSession(echo, params, 5, session.commandLog);
    copy.seek(session.state().time);
    expect(copy.state().traceHash).toBe(session.state().traceHash);
    expect(copy.state().events).toBe(session.state().events);
  });

  it('applying a fault after scrubbing back forks: the old future is dropped', () => {
    const session = new LiveSession(echo, params, 2);
    session.advance(200);
    session.apply({ kind: 'crash', node: 'n1' });
    session.advance(200);
    session.seek(100);
    session.apply({ kind: 'crash', node: 'n4' });
    expect(session.commandLog.map((c) => c.fault)).toEqual([{ kind: 'crash', node: 'n4' }]);
  });

  it('rejects a fault script out of order', () => {
    expect(
      () =>
        new LiveSession(echo, params, 1, [
          { afterEvents: 10, at: 5, fault: { kind: 'heal' } },
          { afterEvents: 5, at: 6, fault: { kind: 'heal' } },
        ]),
    ).toThrow(/event order/);
  });
});
