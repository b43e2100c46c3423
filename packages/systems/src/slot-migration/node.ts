/**
 * A Redis Cluster master, reduced to what slot ownership and live resharding need: it serves the keys
 * of the slots it owns, answers MOVED for the others, and moves a slot key by key (MIGRATING on the
 * source, IMPORTING on the target, ASK for keys already gone, ASKING to let the target serve them),
 * then hands the slot over with a higher configuration epoch. Ported from the documented protocol
 * (redis.io "Redis cluster specification"), not from Redis's code.
 */
import type { Env, NodeId, SimNode, TimerId } from '@dslab/sim';
import { invariant } from '@dslab/sim';
import { SLOT_COUNT, keySlot } from '../hashring/slots';
import type { SlotMessage, SlotMutant } from './messages';
import { mutantActive } from '../kit/mutants';

export interface SlotNodeConfig {
  readonly nodes: readonly NodeId[];
  /** Initial owner of every slot (index → node). */
  readonly owners: readonly NodeId[];
  /** Keys moved per migration step, and the pause between steps. */
  readonly batch: number;
  readonly stepMs: number;
  /** A MIGRATE without an ack after this long is sent again. */
  readonly resendMs: number;
  readonly mutant?: SlotMutant;
}

interface Migration {
  readonly slot: number;
  readonly target: NodeId;
  /** Keys sent and not acknowledged yet: commands on them get TRYAGAIN. */
  readonly inTransit: Map<string, TimerId>;
  timer: TimerId | undefined;
}

/** A master as the lab's node cards show it. */
export interface SlotNodeSnapshot {
  readonly keys: number;
  readonly migrating: readonly number[];
  readonly importing: readonly number[];
  readonly served: number;
  readonly moved: number;
  readonly ask: number;
}

export class SlotNode implements SimNode<SlotMessage> {
  private readonly data = new Map<string, string>();
  private readonly owner: NodeId[];
  private readonly epochOf: number[];
  private readonly migrating = new Map<number, Migration>();
  /** slot → source, while this node imports it. */
  private readonly importing = new Map<number, NodeId>();
  /** slot → keys received by migration in the current import (a late duplicate MIGRATE is ignored). */
  private readonly received = new Map<number, Set<string>>();
  /** Announcements of a slot's new owner not yet acknowledged: `${node}/${slot}` → epoch. At most nodes × moved slots. */
  private readonly announcing = new Map<string, number>();
  readonly stats = { served: 0, moved: 0, ask: 0, tryagain: 0, migrated: 0 };

  constructor(
    private readonly env: Env<SlotMessage>,
    private readonly config: SlotNodeConfig,
  ) {
    invariant(
      config.owners.length === SLOT_COUNT,
      'slot map',
      () => `expected ${SLOT_COUNT} owners, got ${config.owners.length}`,
    );
    this.owner = [...config.owners];
    this.epochOf = new Array<number>(SLOT_COUNT).fill(0);
  }

  ownerOf(slot: number): NodeId {
    return this.owner[slot] as NodeId;
  }

  keysIn(slot: number): string[] {
    return [...this.data.keys()].filter((key) => keySlot(key) === slot);
  }

  get keyCount(): number {
    return this.data.size;
  }

  isMigrating(slot: number): boolean {
    return this.migrating.has(slot);
  }

  isImporting(slot: number): boolean {
    return this.importing.has(slot);
  }

  // ---- operator commands (CLUSTER SETSLOT …), called by the harness ----

  setImporting(slot: number, source: NodeId): void {
    this.importing.set(slot, source);
    this.received.set(slot, new Set());
  }

  /** Starts moving `slot` to `target` (which must be importing it already). */
  migrate(slot: number, target: NodeId): void {
    invariant(
      this.ownerOf(slot) === this.env.id,
      'migrate only an owned slot',
      () => `${this.env.id} does not own slot ${slot}`,
    );
    if (this.migrating.has(slot)) return;
    const migration: Migration = { slot, target, inTransit: new Map(), timer: undefined };
    this.migrating.set(slot, migration);
    this.env.trace('migrating', { slot, to: target });
    this.step(migration);
  }

  private step(migration: Migration): void {
    migration.timer = undefined;
    const pending = this.keysIn(migration.slot).filter((key) => !migration.inTransit.has(key));
    if (pending.length === 0 && migration.inTransit.size === 0) {
      this.finish(migration);
      return;
    }
    for (const key of pending.slice(0, this.config.batch)) this.sendKey(migration, key);
    migration.timer = this.env.setTimer(this.config.stepMs, () => this.step(migration));
  }

  private sendKey(migration: Migration, key: string): void {
    const value = this.data.get(key);
    if (value === undefined) return;
    this.env.send(migration.target, { type: 'migrate', slot: migration.slot, key, value });
    if (mutantActive(this.config.mutant, 'delete-before-ack')) {
      this.data.delete(key); // the bug: the key is gone here before it exists there
      return;
    }
    const previous = migration.inTransit.get(key);
    if (previous !== undefined) this.env.clearTimer(previous);
    migration.inTransit.set(
      key,
      this.env.setTimer(this.config.resendMs, () => this.sendKey(migration, key)),
    );
  }

  private finish(migration: Migration): void {
    this.migrating.delete(migration.slot);
    const epoch = (this.epochOf[migration.slot] as number) + 1;
    this.setOwner(migration.slot, migration.target, epoch);
    this.env.trace('slot-moved', { slot: migration.slot, to: migration.target, epoch });
    for (const node of this.config.nodes) {
      if (node !== this.env.id) this.announce(node, migration.slot, migration.target, epoch);
    }
  }

  /**
   * Tells `to` the slot's new owner, and again every `resendMs` until it acknowledges: a lost
   * announcement would leave the new owner refusing the slot it holds the keys of (Redis Cluster's bus
   * gossips configuration epochs for the same reason).
   */
  private announce(to: NodeId, slot: number, node: NodeId, epoch: number): void {
    if ((this.epochOf[slot] as number) !== epoch) return; // superseded by a later move
    const key = `${to}/${slot}`;
    this.announcing.set(key, epoch);
    this.env.send(to, { type: 'slot-owner', slot, node, epoch });
    this.env.setTimer(this.config.resendMs, () => {
      if (this.announcing.get(key) === epoch) this.announce(to, slot, node, epoch);
    });
  }

  private setOwner(slot: number, node: NodeId, epoch: number): void {
    if (epoch <= (this.epochOf[slot] as number)) return; // an older configuration never wins
    this.owner[slot] = node;
    this.epochOf[slot] = epoch;
    if (node === this.env.id) this.importing.delete(slot);
  }

  // ---- messages ----

  onMessage(from: NodeId, msg: SlotMessage): void {
    switch (msg.type) {
      case 'cmd':
        this.onCommand(from, msg);
        return;
      case 'migrate': {
        // Idempotent: a late duplicate must not overwrite a newer value written here since.
        if (!this.importing.has(msg.slot) && this.ownerOf(msg.slot) !== this.env.id) return;
        let received = this.received.get(msg.slot);
        if (!received) this.received.set(msg.slot, (received = new Set()));
        if (!received.has(msg.key)) {
          received.add(msg.key);
          this.data.set(msg.key, msg.value);
          this.stats.migrated++;
        }
        this.env.send(from, { type: 'migrate-ack', slot: msg.slot, key: msg.key });
        return;
      }
      case 'migrate-ack': {
        const migration = this.migrating.get(msg.slot);
        const timer = migration?.inTransit.get(msg.key);
        if (!migration || timer === undefined) return;
        this.env.clearTimer(timer);
        migration.inTransit.delete(msg.key);
        this.data.delete(msg.key);
        if (migration.timer === undefined) this.step(migration);
        return;
      }
      case 'slot-owner':
        this.setOwner(msg.slot, msg.node, msg.epoch);
        this.env.send(from, { type: 'slot-owner-ack', slot: msg.slot, epoch: msg.epoch });
        return;
      case 'slot-owner-ack':
        if (this.announcing.get(`${from}/${msg.slot}`) === msg.epoch)
          this.announcing.delete(`${from}/${msg.slot}`);
        return;
      default:
        return; // replies are for clients
    }
  }

  private onCommand(client: NodeId, msg: Extract<SlotMessage, { type: 'cmd' }>): void {
    const { key } = msg.op;
    const slot = keySlot(key);
    const owner = this.ownerOf(slot);
    if (owner === this.env.id) {
      const migration = this.migrating.get(slot);
      if (migration) {
        if (migration.inTransit.has(key)) {
          this.stats.tryagain++;
          this.env.send(client, { type: 'tryagain', id: msg.id });
          return;
        }
        if (!this.data.has(key)) {
          // Gone already (or never here): the target has the truth for it now.
          this.stats.ask++;
          this.env.send(client, { type: 'ask', id: msg.id, slot, node: migration.target });
          return;
        }
      }
      this.serve(client, msg);
      return;
    }
    if (this.importing.has(slot) && msg.asking) {
      this.serve(client, msg);
      return;
    }
    this.stats.moved++;
    this.env.send(client, { type: 'moved', id: msg.id, slot, node: owner });
  }

  private serve(client: NodeId, msg: Extract<SlotMessage, { type: 'cmd' }>): void {
    this.stats.served++;
    const { op } = msg;
    if (op.f === 'put') {
      this.data.set(op.key, op.value);
      this.env.send(client, { type: 'reply', id: msg.id, value: null });
    } else this.env.send(client, { type: 'reply', id: msg.id, value: this.data.get(op.key) ?? null });
  }

  snapshot(): SlotNodeSnapshot {
    return {
      keys: this.data.size,
      migrating: [...this.migrating.keys()],
      importing: [...this.importing.keys()],
      ...this.stats,
    };
  }
}
