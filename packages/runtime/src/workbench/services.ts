/**
 * The services Maelstrom offers nodes, answered by the workbench over the same modelled network:
 * - `lin-kv`: one linearizable map (read, write, cas with from/to and create_if_not_exists);
 * - `seq-kv`: sequentially consistent: updates (and a cas's comparison) apply to the newest state in one
 *   total order, a read may return any state from the last one its node saw (read, wrote, or compared
 *   against in a cas, failed or not) onward: stale, never back;
 * - `lww-kv`: eventually consistent: reads and cas compare against any of the recent states, so
 *   concurrent read-modify-write loops lose updates, as on a last-write-wins store;
 * - `lin-tso`: timestamps that strictly increase.
 * Errors use Maelstrom's codes (20 key does not exist, 22 precondition failed, 10 not supported).
 */
import type { Rng } from '@dslab/sim';
import type { BodyFields, MaelstromBody, MaelstromMessage } from './protocol';
import type { Party, WorkbenchNet } from './net';

export const serviceNames = ['lin-kv', 'seq-kv', 'lww-kv', 'lin-tso'] as const;
export type ServiceName = (typeof serviceNames)[number];

/** How far back (in versions) an lww-kv read may look. */
const LWW_WINDOW = 20;

type Reply = BodyFields;

const error = (code: number, text: string): Reply => ({ type: 'error', code, text });

function keyOf(body: MaelstromBody): string {
  return JSON.stringify(body.key ?? null);
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Every value each key has had, with the global version at which it took it. */
class VersionedMap {
  private readonly byKey = new Map<string, { version: number; value: unknown }[]>();
  version = 0;

  /** The key's value as of `version` (undefined: it did not exist then). */
  at(key: string, version: number): unknown {
    const list = this.byKey.get(key);
    if (!list) return undefined;
    let lo = 0;
    let hi = list.length - 1;
    let found: unknown = undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const entry = list[mid] as { version: number; value: unknown };
      if (entry.version <= version) {
        found = entry.value;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  set(key: string, value: unknown): number {
    this.version++;
    let list = this.byKey.get(key);
    if (!list) this.byKey.set(key, (list = []));
    list.push({ version: this.version, value });
    return this.version;
  }
}

export class KvService implements Party {
  readonly kind = 'service' as const;
  private readonly data = new VersionedMap();
  /** seq-kv: the newest version each node has observed (its reads never go back past it). */
  private readonly seen = new Map<string, number>();
  requests = 0;

  constructor(
    readonly name: Exclude<ServiceName, 'lin-tso'>,
    private readonly net: WorkbenchNet,
    private readonly rng: Rng,
  ) {}

  /** The version a request from `node` reads and compares against. */
  private viewFor(node: string): number {
    const latest = this.data.version;
    if (this.name === 'lin-kv') return latest;
    if (this.name === 'lww-kv') return Math.max(0, latest - this.rng.int(LWW_WINDOW + 1));
    const from = Math.min(this.seen.get(node) ?? 0, latest);
    // Half the reads see the newest state; the rest any state between the node's last and the newest.
    const view = this.rng.next() < 0.5 ? latest : from + this.rng.int(latest - from + 1);
    this.seen.set(node, view);
    return view;
  }

  private answer(node: string, body: MaelstromBody): Reply {
    const key = keyOf(body);
    switch (body.type) {
      case 'read': {
        const value = this.data.at(key, this.viewFor(node));
        return value === undefined ? error(20, 'key does not exist') : { type: 'read_ok', value };
      }
      case 'write': {
        const version = this.data.set(key, body.value);
        if (this.name === 'seq-kv') this.seen.set(node, version);
        return { type: 'write_ok' };
      }
      case 'cas': {
        // seq-kv: an update takes its place at the end of the one total order, so it compares against
        // the newest state; lww-kv compares against whichever recent state this replica happens to hold.
        const view = this.name === 'lww-kv' ? this.viewFor(node) : this.data.version;
        // A seq-kv cas observed the newest state even when it fails (its error names the value), so
        // the node's later reads must not go back before it.
        if (this.name === 'seq-kv') this.seen.set(node, view);
        const current = this.data.at(key, view);
        if (current === undefined && body.create_if_not_exists !== true)
          return error(20, 'key does not exist');
        if (current !== undefined && !same(current, body.from))
          return error(22, `expected ${JSON.stringify(body.from)}, had ${JSON.stringify(current)}`);
        const version = this.data.set(key, body.to);
        if (this.name === 'seq-kv') this.seen.set(node, version);
        return { type: 'cas_ok' };
      }
      default:
        return error(10, `${this.name} does not support ${body.type}`);
    }
  }

  deliver(message: MaelstromMessage): boolean {
    this.requests++;
    const reply = this.answer(message.src, message.body);
    this.net.send({
      src: this.name,
      dest: message.src,
      body: { ...reply, ...(message.body.msg_id !== undefined ? { in_reply_to: message.body.msg_id } : {}) },
    });
    return true;
  }
}

export class TsoService implements Party {
  readonly kind = 'service' as const;
  private last = 0;
  requests = 0;

  constructor(private readonly net: WorkbenchNet) {}

  deliver(message: MaelstromMessage): boolean {
    this.requests++;
    const body: Reply =
      message.body.type === 'ts'
        ? { type: 'ts_ok', ts: ++this.last }
        : error(10, `lin-tso does not support ${message.body.type}`);
    this.net.send({
      src: 'lin-tso',
      dest: message.src,
      body: { ...body, ...(message.body.msg_id !== undefined ? { in_reply_to: message.body.msg_id } : {}) },
    });
    return true;
  }
}
