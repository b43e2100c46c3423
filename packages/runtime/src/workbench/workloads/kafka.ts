/**
 * kafka (Maelstrom's shapes): `send {key, msg}` → `send_ok {offset}`; `poll {offsets}` →
 * `poll_ok {msgs: {key: [[offset, msg]…]}}`; `commit_offsets {offsets}` (the last offset processed,
 * inclusive); `list_committed_offsets {keys}` → `list_committed_offsets_ok {offsets}`.
 *
 * Checked by dslab's log checker: each Maelstrom key is a topic with one partition (0), each client's
 * history process a producer and a consumer of one group. A client positions itself from the committed
 * offsets when it starts, after a poll it lost the answer to (a new process), and now and then at
 * random (Jepsen's `assign`); the first poll of each key after that is marked `reset`, so the jump is not
 * judged against its earlier polls. Each key is committed by one client only (the first to commit it),
 * always at what it has itself read or what the nodes said was committed: two clients committing one key
 * at their own positions would look like a committed offset going backwards, which it never is at a
 * correct node that keeps the highest. After healing, the log of every key is read from 0 to its end,
 * so an acknowledged send nobody read is lost.
 */
import { checkLog, LogRecorder, type LogCheckResult, type ReadRecord } from '@dslab/check';
import { Processes, type Verdict, type Workload, type WorkloadContext } from '../workload';

const KEYS = ['k0', 'k1', 'k2', 'k3'];
const GROUP = 'kafka';
/** Polls of one key in the final read before giving up on reaching its end. */
const DRAIN_POLLS = 2_000;

interface ClientState {
  /** Next offset to poll per key; undefined until positioned from the committed offsets. */
  positions?: Map<string, number>;
  readonly reset: Set<string>;
  /** The last commit acknowledged per key (inclusive offset). */
  readonly committed: Map<string, number>;
}

type PollParse = { readonly ok: true; readonly msgs: Map<string, ReadRecord[]> } | { readonly ok: false };

function parsePoll(body: Record<string, unknown>): PollParse {
  const msgs = body.msgs;
  if (body.type !== 'poll_ok' || msgs === null || typeof msgs !== 'object' || Array.isArray(msgs))
    return { ok: false };
  const out = new Map<string, ReadRecord[]>();
  for (const [key, list] of Object.entries(msgs as Record<string, unknown>)) {
    if (!Array.isArray(list)) return { ok: false };
    const records: ReadRecord[] = [];
    for (const pair of list as unknown[]) {
      if (!Array.isArray(pair) || pair.length !== 2 || !Number.isInteger(pair[0])) return { ok: false };
      records.push({ offset: pair[0] as number, key, value: JSON.stringify(pair[1]) });
    }
    out.set(key, records);
  }
  return { ok: true, msgs: out };
}

function describe(result: LogCheckResult): string {
  const kinds = Object.entries(result.counts)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${n} ${kind}`);
  const first = result.findings[0];
  return `log checker found ${kinds.join(', ')}${first ? `; first: ${first.kind}: ${first.message}` : ''}`;
}

export function kafkaWorkload(): Workload {
  const recorder = new LogRecorder();
  const processes = new Processes();
  const clients = new Map<string, ClientState>();
  const owner = new Map<string, string>();
  let next = 0;
  let malformed = 0;
  let firstMalformed: string | undefined;
  let drained = true;

  const bad = (node: string, body: unknown) => {
    malformed++;
    firstMalformed ??= `${node} answered ${JSON.stringify(body).slice(0, 200)}`;
  };

  function state(client: string): ClientState {
    let s = clients.get(client);
    if (!s) clients.set(client, (s = { reset: new Set(), committed: new Map() }));
    return s;
  }

  async function assign(ctx: WorkloadContext, client: string, node: string, s: ClientState): Promise<void> {
    const out = await ctx.request(client, node, { type: 'list_committed_offsets', keys: KEYS });
    if (out.kind !== 'ok') return;
    const offsets = out.body.offsets;
    if (out.body.type !== 'list_committed_offsets_ok' || offsets === null || typeof offsets !== 'object')
      return bad(node, out.body);
    const positions = new Map<string, number>();
    for (const key of KEYS) {
      const committed = (offsets as Record<string, unknown>)[key];
      if (committed !== undefined && !Number.isInteger(committed)) return bad(node, out.body);
      positions.set(key, committed === undefined ? 0 : (committed as number) + 1);
      s.reset.add(key);
    }
    s.positions = positions;
  }

  async function poll(ctx: WorkloadContext, client: string, node: string, s: ClientState): Promise<void> {
    const positions = s.positions as Map<string, number>;
    const process = processes.of(client);
    const out = await ctx.request(client, node, { type: 'poll', offsets: Object.fromEntries(positions) });
    if (out.kind === 'info') {
      processes.crashed(client);
      s.positions = undefined;
      return;
    }
    if (out.kind !== 'ok') return;
    const parsed = parsePoll(out.body);
    if (!parsed.ok) return bad(node, out.body);
    for (const [key, records] of parsed.msgs) {
      if (records.length === 0) continue;
      recorder.poll(process, key, 0, records, { group: GROUP, ...(s.reset.has(key) ? { reset: true } : {}) });
      s.reset.delete(key);
      positions.set(key, (records[records.length - 1] as ReadRecord).offset + 1);
    }
  }

  async function commit(
    ctx: WorkloadContext,
    client: string,
    node: string,
    s: ClientState,
  ): Promise<boolean> {
    const positions = s.positions as Map<string, number>;
    const offsets: Record<string, number> = {};
    for (const key of KEYS) {
      const at = (positions.get(key) ?? 0) - 1;
      if (at < 0 || (owner.get(key) ?? client) !== client || s.committed.get(key) === at) continue;
      owner.set(key, client);
      offsets[key] = at;
    }
    if (Object.keys(offsets).length === 0) return false;
    const out = await ctx.request(client, node, { type: 'commit_offsets', offsets });
    if (out.kind === 'ok' && out.body.type !== 'commit_offsets_ok') bad(node, out.body);
    else if (out.kind === 'ok')
      for (const [key, at] of Object.entries(offsets)) {
        recorder.commit(GROUP, key, 0, at + 1, processes.of(client));
        s.committed.set(key, at);
      }
    return true;
  }

  return {
    name: 'kafka',
    async operate(ctx, client, node) {
      const s = state(client);
      if (!s.positions) return assign(ctx, client, node, s);
      const roll = ctx.rng.next();
      if (roll < 0.5) {
        const key = KEYS[ctx.rng.int(KEYS.length)] as string;
        const msg = next++;
        const handle = recorder.send(processes.of(client), key, key, JSON.stringify(msg), 0);
        const out = await ctx.request(client, node, { type: 'send', key, msg });
        if (out.kind === 'ok') {
          if (out.body.type !== 'send_ok' || !Number.isInteger(out.body.offset)) return bad(node, out.body);
          recorder.complete(handle, 'ok', 0, out.body.offset as number);
        } else if (out.kind === 'fail') recorder.complete(handle, 'fail');
        return;
      }
      if (roll < 0.97 && roll >= 0.85 && (await commit(ctx, client, node, s))) return;
      if (roll >= 0.97) {
        s.positions = undefined;
        return assign(ctx, client, node, s);
      }
      return poll(ctx, client, node, s);
    },
    async final(ctx) {
      for (const key of KEYS) {
        let position = 0;
        let done = false;
        for (let i = 0; i < DRAIN_POLLS && !done; i++) {
          const node = ctx.nodes[i % ctx.nodes.length] as string;
          const out = await ctx.request('c0', node, { type: 'poll', offsets: { [key]: position } });
          if (out.kind !== 'ok') continue;
          const parsed = parsePoll(out.body);
          if (!parsed.ok) {
            bad(node, out.body);
            continue;
          }
          const records = parsed.msgs.get(key) ?? [];
          if (records.length === 0) done = true;
          else {
            recorder.poll(`final-${key}`, key, 0, records);
            position = (records[records.length - 1] as ReadRecord).offset + 1;
          }
        }
        if (!done) drained = false;
      }
    },
    check(): Verdict {
      const result = checkLog(recorder.history(), { drained, maxFindingsPerKind: 5 });
      const { sends, polls, recordsRead, commits } = result.stats;
      const valid = result.valid && malformed === 0 && drained;
      const problems = [
        result.valid ? '' : describe(result),
        drained ? '' : 'the final read did not reach the end of every key',
        malformed > 0 ? `${malformed} malformed replies: ${firstMalformed}` : '',
      ].filter(Boolean);
      return {
        valid,
        reason: valid
          ? `${sends.ok} acknowledged sends all read back in order, ${polls} polls (${recordsRead} records) and ${commits} commits consistent`
          : problems.join('; '),
        details: {
          counts: result.counts,
          stats: result.stats,
          drained,
          malformed,
          findings: result.findings,
        },
      };
    },
  };
}
