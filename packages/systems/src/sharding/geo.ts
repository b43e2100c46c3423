/**
 * Geo sharding as a simulation: every user's rows live in one home region (`GeoShards`), each region has
 * a server and clients, and the network between regions is a latency model in the World. A client routes
 * each request through `GeoShards` to the owning region's server and measures, on its own monotonic
 * clock, how long the answer took; nothing about latency is written down except the link model.
 */
import { World, type Env, type LatencyModel, type NodeId, type SimNode } from '@dslab/sim';

/** Geo sharding: a user's rows belong to the region they were placed in (at sign-up, or on a move). */
export class GeoShards {
  private readonly home = new Map<string, string>();
  private readonly byRegion = new Map<string, string[]>();

  constructor(readonly regions: readonly string[]) {
    for (const region of regions) this.byRegion.set(region, []);
  }

  place(user: string, region: string): void {
    const list = this.byRegion.get(region);
    if (!list) throw new Error(`unknown region '${region}'`);
    if (this.home.has(user)) throw new Error(`user '${user}' is already placed`);
    this.home.set(user, region);
    list.push(user);
  }

  /** The region that owns `user`'s rows: where every read and write of them must go. */
  ownerOf(user: string): string {
    const region = this.home.get(user);
    if (region === undefined) throw new Error(`user '${user}' has no home region`);
    return region;
  }

  usersIn(region: string): readonly string[] {
    return this.byRegion.get(region) ?? [];
  }
}

type GeoMessage =
  | { readonly type: 'read'; readonly id: number; readonly user: string }
  /** A query over every region's users (search, a global leaderboard): each region answers for its own. */
  | { readonly type: 'query'; readonly id: number }
  | { readonly type: 'reply'; readonly id: number; readonly rows: number }
  | { readonly type: 'not-owner'; readonly id: number };

/** A region's database: serves only the users it owns, after a short service time. */
class GeoServer implements SimNode<GeoMessage> {
  served = 0;
  refused = 0;

  constructor(
    private readonly env: Env<GeoMessage>,
    private readonly owned: ReadonlySet<string>,
    private readonly serviceMeanMs: number,
  ) {}

  onMessage(from: NodeId, msg: GeoMessage): void {
    if (msg.type !== 'read' && msg.type !== 'query') return;
    if (msg.type === 'read' && !this.owned.has(msg.user)) {
      this.refused++;
      this.env.send(from, { type: 'not-owner', id: msg.id });
      return;
    }
    const service = -this.serviceMeanMs * Math.log(1 - this.env.random());
    this.env.setTimer(service, () => {
      this.served++;
      this.env.send(from, { type: 'reply', id: msg.id, rows: msg.type === 'read' ? 1 : this.owned.size });
    });
  }

  snapshot(): unknown {
    return { served: this.served, refused: this.refused, users: this.owned.size };
  }
}

export type RequestKind = 'local' | 'remote' | 'fan-out';

interface Pending {
  readonly kind: RequestKind;
  readonly owner: string;
  readonly started: number;
  waiting: number;
}

/** Clients in one region: open-loop (Poisson) requests, routed by the geo shards, timed on arrival of the answer. */
class GeoClient implements SimNode<GeoMessage> {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private issued = 0;
  errors = 0;

  constructor(
    private readonly env: Env<GeoMessage>,
    private readonly config: {
      readonly region: string;
      readonly shards: GeoShards;
      readonly serverOf: (region: string) => NodeId;
      readonly awayShare: number;
      readonly fanoutShare: number;
      readonly ratePerSecond: number;
      readonly requests: number;
      readonly record: (kind: RequestKind, from: string, owner: string, ms: number) => void;
    },
  ) {
    this.schedule();
  }

  private schedule(): void {
    if (this.issued >= this.config.requests) return;
    const gap = -(1_000 / this.config.ratePerSecond) * Math.log(1 - this.env.random());
    this.env.setTimer(gap, () => {
      this.issue();
      this.schedule();
    });
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.env.random() * items.length)] as T;
  }

  private issue(): void {
    this.issued++;
    const { region, shards, serverOf } = this.config;
    const id = this.nextId++;
    const started = this.env.monotonic();
    if (this.env.random() < this.config.fanoutShare) {
      this.pending.set(id, { kind: 'fan-out', owner: '*', started, waiting: shards.regions.length });
      for (const r of shards.regions) this.env.send(serverOf(r), { type: 'query', id });
      return;
    }
    // A user at home, or (awayShare of the time) a user homed elsewhere who is here now: a traveller.
    const away = this.env.random() < this.config.awayShare;
    const homeRegion = away ? this.pick(shards.regions.filter((r) => r !== region)) : region;
    const user = this.pick(shards.usersIn(homeRegion));
    const owner = shards.ownerOf(user);
    this.pending.set(id, { kind: owner === region ? 'local' : 'remote', owner, started, waiting: 1 });
    this.env.send(serverOf(owner), { type: 'read', id, user });
  }

  onMessage(_from: NodeId, msg: GeoMessage): void {
    if (msg.type !== 'reply' && msg.type !== 'not-owner') return;
    const pending = this.pending.get(msg.id);
    if (!pending) return;
    if (msg.type === 'not-owner') {
      this.errors++;
      this.pending.delete(msg.id);
      return;
    }
    if (--pending.waiting > 0) return;
    this.pending.delete(msg.id);
    this.config.record(
      pending.kind,
      this.config.region,
      pending.owner,
      this.env.monotonic() - pending.started,
    );
  }

  snapshot(): unknown {
    return { issued: this.issued, pending: this.pending.size, errors: this.errors };
  }
}

/** One-way latency between two regions, or within one. */
export type RegionLinks = (from: string, to: string) => LatencyModel;

export interface GeoRunOptions {
  readonly seed: number;
  readonly regions: readonly string[];
  readonly links: RegionLinks;
  readonly usersPerRegion: number;
  readonly clientsPerRegion: number;
  /** Requests each client makes. */
  readonly requestsPerClient: number;
  readonly ratePerSecond: number;
  readonly awayShare: number;
  readonly fanoutShare: number;
  readonly serviceMeanMs: number;
}

export interface GeoRunResult {
  /** Latencies (ms) per request kind, as the clients measured them. */
  readonly latencies: ReadonlyMap<RequestKind, number[]>;
  /** Remote requests' latencies by "client region → owning region". */
  readonly remoteByPair: ReadonlyMap<string, number[]>;
  readonly errors: number;
  readonly unanswered: number;
  readonly traceHash: string;
  readonly virtualMs: number;
}

export function runGeo(options: GeoRunOptions): GeoRunResult {
  const world = new World({ seed: options.seed });
  const shards = new GeoShards(options.regions);
  const placement = world.rng.fork('sign-ups');
  // Users sign up in a region and are placed there; names do not reveal the region.
  for (let i = 0; i < options.usersPerRegion * options.regions.length; i++) {
    shards.place(`user-${i}`, options.regions[placement.int(options.regions.length)] as string);
  }
  const serverOf = (region: string) => `db-${region}`;
  const regionOf = new Map<NodeId, string>();
  const latencies = new Map<RequestKind, number[]>([
    ['local', []],
    ['remote', []],
    ['fan-out', []],
  ]);
  const remoteByPair = new Map<string, number[]>();
  const record = (kind: RequestKind, from: string, owner: string, ms: number) => {
    latencies.get(kind)!.push(ms);
    if (kind !== 'remote') return;
    const pair = `${from} → ${owner}`;
    const list = remoteByPair.get(pair) ?? [];
    list.push(ms);
    remoteByPair.set(pair, list);
  };
  const clients: NodeId[] = [];
  for (const region of options.regions) {
    const owned = new Set(shards.usersIn(region));
    world.addNode(
      serverOf(region),
      (env: Env<GeoMessage>) => new GeoServer(env, owned, options.serviceMeanMs),
    );
    regionOf.set(serverOf(region), region);
    for (let c = 0; c < options.clientsPerRegion; c++) {
      const id = `client-${region}-${c + 1}`;
      clients.push(id);
      regionOf.set(id, region);
      world.addNode(
        id,
        (env: Env<GeoMessage>) =>
          new GeoClient(env, {
            region,
            shards,
            serverOf,
            awayShare: options.awayShare,
            fanoutShare: options.fanoutShare,
            ratePerSecond: options.ratePerSecond,
            requests: options.requestsPerClient,
            record,
          }),
      );
    }
  }
  for (const [a, regionA] of regionOf) {
    for (const [b, regionB] of regionOf) {
      if (a !== b) world.network.configure(a, b, { latency: options.links(regionA, regionB) });
    }
  }
  world.start();
  world.runUntilQuiet();
  let errors = 0;
  let unanswered = 0;
  for (const id of clients) {
    const snapshot = world.node<GeoClient>(id).snapshot() as { pending: number; errors: number };
    errors += snapshot.errors;
    unanswered += snapshot.pending;
  }
  return {
    latencies,
    remoteByPair,
    errors,
    unanswered,
    traceHash: world.traceHash(),
    virtualMs: world.now(),
  };
}

/** Nearest-rank percentile of an unsorted list (sorted in place). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  values.sort((a, b) => a - b);
  return values[Math.min(values.length - 1, Math.max(0, Math.ceil(p * values.length) - 1))] as number;
}
