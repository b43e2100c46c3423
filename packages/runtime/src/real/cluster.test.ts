import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './redis-server';

const bin = fileURLToPath(new URL('../../../cli/bin/dslab.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'dslab-cluster-'));
const children = new Set<ChildProcess>();

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

interface Member {
  id: string;
  port: number;
  http: number;
}

function start(member: Member, members: Member[], token = 'secret'): ChildProcess {
  const peers = members
    .filter((m) => m.id !== member.id)
    .map((m) => `${m.id}=127.0.0.1:${m.port}`)
    .join(',');
  const child = spawn(
    process.execPath,
    [
      bin,
      'serve',
      'echo',
      '--id',
      member.id,
      '--listen',
      `127.0.0.1:${member.port}`,
      '--peers',
      peers,
      '--data-dir',
      join(dir, member.id),
      '--http',
      `127.0.0.1:${member.http}`,
      '--token',
      token,
      '--param',
      'intervalMs=10',
      '--param',
      'timeoutMs=100',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

async function status(
  member: Member,
): Promise<{ sent: number; answered: number; timedOut: number } | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${member.http}/v1/status`);
    return ((await response.json()) as { snapshot: { sent: number; answered: number; timedOut: number } })
      .snapshot;
  } catch {
    return undefined;
  }
}

async function until<T>(
  what: () => Promise<T | undefined>,
  ok: (value: T) => boolean,
  ms = 15_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await what();
    if (value !== undefined && ok(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`condition not reached in ${ms} ms (last: ${JSON.stringify(value)})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('the echo node as real processes (same code as in the simulator)', () => {
  it('answers over TCP, notices a SIGKILLed peer, and recovers when it restarts', async () => {
    const members: Member[] = [];
    for (const id of ['n1', 'n2', 'n3']) members.push({ id, port: await freePort(), http: await freePort() });
    const processes = new Map(members.map((m) => [m.id, start(m, members)]));
    const [n1, , n3] = members as [Member, Member, Member];
    await until(
      () => status(n1),
      (s) => s.answered > 20,
    );
    processes.get('n3')!.kill('SIGKILL');
    const before = (await status(n1))!;
    const after = await until(
      () => status(n1),
      (s) => s.timedOut > before.timedOut + 3,
    );
    expect(after.answered).toBeGreaterThan(before.answered); // n2 still answers
    processes.set('n3', start(n3, members));
    await until(
      () => status(n3),
      (s) => s.answered > 20,
    );
  });

  it('a node with the wrong cluster token is refused', async () => {
    const a: Member = { id: 'a', port: await freePort(), http: await freePort() };
    const b: Member = { id: 'b', port: await freePort(), http: await freePort() };
    start(a, [a, b], 'right');
    start(b, [a, b], 'wrong');
    // Both sides must have tried (and failed) for a while: on a loaded machine either may start late.
    for (const member of [a, b]) {
      await until(
        () => status(member),
        (s) => s.timedOut > 10,
      );
    }
    expect((await status(a))!.answered).toBe(0);
    expect((await status(b))!.answered).toBe(0);
  });
});
