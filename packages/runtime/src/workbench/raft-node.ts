/**
 * dslab's Raft KV (packages/systems/src/raft) as a Maelstrom node speaking lin-kv, for the workbench
 * or for Maelstrom itself (`dslab workbench node raft`). The node is the very RaftNode the simulator
 * runs; only its Env differs: real timers, and every message to a peer printed as a Maelstrom message
 * `{"type": "raft", "msg": …}` (the peer's stdin gets it back and hands `msg` to its RaftNode).
 *
 * Clients' `read`, `write` and `cas` become KV requests through a KvGateway (the same bridge real mode
 * uses): it forwards to the node it believes leads, follows "not leader" hints and retries the same
 * session sequence elsewhere on a timeout, which Raft's client sessions make safe. Values are kept as
 * their JSON text. Errors: 20 key does not exist, 22 precondition failed, 11 when the cluster refuses
 * (busy, no leader reachable before the gateway's deadline is not this: that is 0, indefinite), 10 for
 * a type it does not know, 12 for a malformed request.
 *
 * State: with DSLAB_WORKBENCH_DIR set (the workbench sets it per run) each node keeps its Raft log,
 * term and vote in `<dir>/<node id>`, so a node killed and restarted recovers them as Raft requires;
 * without it (under Maelstrom) the disk is in memory and a restarted node has lost its vote and log.
 */
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { SimDisk, type Disk, type Message as SimMessage, type NodeId } from '@dslab/sim';
import { findSystem, type KvOp, type KvResult } from '@dslab/systems';
import { KvGateway, OutcomeUnknown } from '../kv/gateway';
import { RealDisk } from '../real/real-disk';
import { RealNode } from '../real/real-env';
import type { TcpTransport } from '../real/tcp-transport';
import { parseMessage, type MaelstromBody, type MaelstromMessage } from './protocol';

export interface RaftNodeOptions {
  readonly input: Readable;
  /** One JSON line out (stdout). */
  readonly write: (line: string) => void;
  /** The node's log (stderr). */
  readonly log: (line: string) => void;
  /** Where node state lives (`<dataDir>/<node id>`); in memory when undefined. */
  readonly dataDir?: string;
  /**
   * Raft timing. Real processes on a busy machine stall longer than the simulator's links, so the
   * defaults are longer than the simulator's (150–300 ms elections, 50 ms heartbeats).
   */
  readonly electionMinMs?: number;
  readonly electionMaxMs?: number;
  readonly heartbeatMs?: number;
}

interface Started {
  readonly id: NodeId;
  readonly node: RealNode<SimMessage>;
  readonly gateway: KvGateway;
}

/** A JSON value as the text Raft's KV stores. */
const encode = (value: unknown) => JSON.stringify(value ?? null);

/** Runs the node until its input ends (Maelstrom closes stdin to stop a node). */
export async function runRaftNode(options: RaftNodeOptions): Promise<void> {
  let started: Started | undefined;
  let nextMsgId = 1;
  const emit = (dest: string, body: Record<string, unknown>) => {
    if (!started) return;
    options.write(JSON.stringify({ src: started.id, dest, body: { ...body, msg_id: nextMsgId++ } }));
  };
  const reply = (request: MaelstromMessage, body: Record<string, unknown>) =>
    emit(request.src, { ...body, in_reply_to: request.body.msg_id });
  const error = (request: MaelstromMessage, code: number, text: string) =>
    reply(request, { type: 'error', code, text });

  function start(request: MaelstromMessage): void {
    const id = request.body.node_id;
    const ids = request.body.node_ids;
    if (typeof id !== 'string' || !Array.isArray(ids) || !ids.every((x) => typeof x === 'string')) {
      options.log(`malformed init: ${JSON.stringify(request.body)}`);
      return;
    }
    const members = [...(ids as string[])].sort();
    const raft = findSystem('raft');
    if (!raft?.serve) throw new Error('the raft system is not registered');
    const params = raft.params.parse({
      nodes: Math.min(9, Math.max(1, members.length)),
      electionMinMs: options.electionMinMs ?? 500,
      electionMaxMs: options.electionMaxMs ?? 1_000,
      heartbeatMs: options.heartbeatMs ?? 100,
    });
    const disk: Disk = options.dataDir ? new RealDisk(join(options.dataDir, id)) : new SimDisk();
    const holder: { node?: RealNode<SimMessage> } = {};
    const sendRaft = (to: NodeId, msg: unknown) => emit(to, { type: 'raft', msg });
    const gateway = new KvGateway({
      nodeId: id,
      peers: members.filter((m) => m !== id),
      deliverLocal: (msg) => holder.node?.deliver(id, msg),
      sendRemote: sendRaft,
      attemptTimeoutMs: 1_000,
      deadlineMs: 4_000,
    });
    const node = new RealNode<SimMessage>({
      id,
      factory: raft.serve(params, members),
      disk,
      // Every send is taken by `local` below; nothing goes over TCP.
      transport: (): TcpTransport => {
        throw new Error('the workbench Raft node has no TCP transport');
      },
      local: (from, to, msg) => {
        if (gateway.owns(msg)) {
          gateway.receive(msg);
          return true;
        }
        if (from !== id || to === id) return false; // arriving here: the RaftNode takes it
        sendRaft(to, msg);
        return true;
      },
    });
    holder.node = node;
    started = { id, node, gateway };
    options.log(`${id}: Raft over ${members.join(', ')}, state ${options.dataDir ? 'on disk' : 'in memory'}`);
  }

  function clientOp(request: MaelstromMessage, s: Started): void {
    const body: MaelstromBody = request.body;
    const key = body.key;
    if (key === undefined || (typeof key !== 'string' && typeof key !== 'number')) {
      error(request, 12, `${body.type} needs a key (a string or a number)`);
      return;
    }
    const k = encode(key);
    const run = (op: KvOp) => s.gateway.execute(op);
    const answer = async (): Promise<void> => {
      if (body.type === 'read') {
        const result = await run({ f: 'get', key: k });
        if (!result.ok) return refused(request, result);
        if (result.value === null || result.value === undefined)
          return error(request, 20, `key ${k} does not exist`);
        return reply(request, { type: 'read_ok', value: JSON.parse(result.value) as unknown });
      }
      if (body.type === 'write') {
        const result = await run({ f: 'put', key: k, value: encode(body.value) });
        return result.ok ? reply(request, { type: 'write_ok' }) : refused(request, result);
      }
      // cas: Raft's cas compares with the stored text (null: the key is absent).
      let result = await run({ f: 'cas', key: k, from: encode(body.from), to: encode(body.to) });
      if (!result.ok && result.error === 'compare failed' && result.value === null) {
        if (body.create_if_not_exists !== true) return error(request, 20, `key ${k} does not exist`);
        result = await run({ f: 'cas', key: k, from: null, to: encode(body.to) });
      }
      if (result.ok) return reply(request, { type: 'cas_ok' });
      if (result.error === 'compare failed')
        return error(request, 22, `expected ${encode(body.from)}, found ${result.value ?? 'nothing'}`);
      return refused(request, result);
    };
    answer().catch((e: unknown) => {
      if (e instanceof OutcomeUnknown) error(request, 0, e.message);
      else error(request, 13, e instanceof Error ? e.message : String(e));
    });
  }

  /** The cluster refused without applying the operation (busy, a membership change…): definite. */
  function refused(request: MaelstromMessage, result: KvResult): void {
    error(request, 11, result.error ?? 'refused');
  }

  function handle(line: string): void {
    if (line.trim() === '') return;
    const parsed = parseMessage(line);
    if (!parsed.ok) {
      options.log(`ignored a malformed line (${parsed.problem})`);
      return;
    }
    const request = parsed.message;
    const type = request.body.type;
    if (type === 'init') {
      if (!started) start(request);
      reply(request, { type: 'init_ok' });
      return;
    }
    if (!started) {
      options.log(`a ${type} before init: ignored`);
      return;
    }
    if (type === 'raft') started.node.deliver(request.src, request.body.msg);
    else if (type === 'read' || type === 'write' || type === 'cas') clientOp(request, started);
    else if (request.body.msg_id !== undefined) error(request, 10, `raft node does not support ${type}`);
  }

  const lines = createInterface({ input: options.input, crlfDelay: Infinity });
  for await (const line of lines) {
    try {
      handle(line);
    } catch (e) {
      options.log(`error on ${line.slice(0, 200)}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  started?.gateway.close();
  started?.node.stop();
}
