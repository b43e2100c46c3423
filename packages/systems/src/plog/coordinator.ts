/**
 * The group coordinator: members join, heartbeat and leave; each change rebalances the group's
 * partitions over its members. Eager rebalancing takes every partition away first and then hands out
 * a new assignment; cooperative rebalancing (KIP-429) takes away only the partitions that move, so the
 * others keep being consumed through the rebalance. Commits are fenced by generation and ownership.
 */
import type { NodeId } from '@dslab/sim';
import { mutantActive } from '../kit';
import type { PartitionId, PlogMessage, PlogMutant } from './messages';

export type RebalanceProtocol = 'eager' | 'cooperative';

export interface CoordinatorConfig {
  readonly sessionMs: number;
  /** How long members get to give up revoked partitions before the laggards are removed. */
  readonly rebalanceTimeoutMs: number;
  readonly protocol: RebalanceProtocol;
  readonly mutant?: PlogMutant;
  /**
   * Called for every offset the coordinator accepts, in the order it accepts them: the history's commits.
   * The consumer learns of its commit only when the answer arrives, which for a paused consumer can be
   * after the next owner's later commit; the group's offset moved when it was accepted here.
   */
  readonly onCommit?: (group: string, member: NodeId, partition: PartitionId, offset: number) => void;
}

interface Member {
  lastHeartbeat: number;
  owned: PartitionId[];
}

interface Group {
  readonly name: string;
  readonly topics: Set<string>;
  generation: number;
  readonly members: Map<NodeId, Member>;
  phase: 'stable' | 'revoking';
  awaiting: Set<NodeId>;
  revokeDeadline: number;
  readonly offsets: Map<PartitionId, number>;
  rebalances: number;
}

export interface GroupSnapshot {
  readonly name: string;
  readonly generation: number;
  readonly phase: 'stable' | 'revoking';
  readonly rebalances: number;
  readonly members: Readonly<Record<string, readonly PartitionId[]>>;
  readonly offsets: Readonly<Record<PartitionId, number>>;
}

export class GroupCoordinator {
  private readonly groups = new Map<string, Group>();

  constructor(
    private readonly config: CoordinatorConfig,
    private readonly send: (to: NodeId, msg: PlogMessage) => void,
    private readonly partitionsOf: (topic: string) => PartitionId[],
  ) {}

  private group(name: string): Group {
    let group = this.groups.get(name);
    if (!group) {
      group = {
        name,
        topics: new Set(),
        generation: 0,
        members: new Map(),
        phase: 'stable',
        awaiting: new Set(),
        revokeDeadline: 0,
        offsets: new Map(),
        rebalances: 0,
      };
      this.groups.set(name, group);
    }
    return group;
  }

  onMessage(from: NodeId, msg: PlogMessage, now: number): void {
    switch (msg.type) {
      case 'join': {
        const group = this.group(msg.group);
        for (const t of msg.topics) group.topics.add(t);
        const member = group.members.get(from);
        if (member) member.lastHeartbeat = now;
        else group.members.set(from, { lastHeartbeat: now, owned: [] });
        // A known member joining again lost its state (a restart): it owns nothing now.
        if (member) member.owned = [];
        this.rebalance(group, now);
        return;
      }
      case 'leave': {
        const group = this.group(msg.group);
        if (group.members.delete(from)) this.rebalance(group, now);
        return;
      }
      case 'group-heartbeat': {
        const group = this.group(msg.group);
        const member = group.members.get(from);
        if (!member) this.send(from, { type: 'rejoin', group: msg.group });
        else {
          member.lastHeartbeat = now;
          // A member behind the group's generation, or still waiting for the final assignment of a
          // finished rebalance, lost an assignment on the way (Kafka answers its heartbeat with
          // ILLEGAL_GENERATION or REBALANCE_IN_PROGRESS and it syncs again): send it the current one.
          if (
            msg.generation !== group.generation ||
            (msg.awaitingAssignment === true && group.phase === 'stable')
          )
            this.send(from, {
              type: 'assignment',
              group: group.name,
              generation: group.generation,
              partitions: member.owned,
              revokeOnly: group.phase === 'revoking',
            });
        }
        return;
      }
      case 'revoked': {
        const group = this.group(msg.group);
        if (msg.generation !== group.generation || group.phase !== 'revoking') return;
        group.awaiting.delete(from);
        if (group.awaiting.size === 0) this.finish(group);
        return;
      }
      case 'commit': {
        const group = this.group(msg.group);
        const member = group.members.get(from);
        // The mutant takes any commit, even from a member of an older generation that lost the partition
        // (a paused or expired consumer committing where it had got to, behind the new owner).
        const owns =
          mutantActive(this.config.mutant, 'accept-stale-commits') ||
          (member !== undefined &&
            msg.generation === group.generation &&
            msg.offsets.every((o) => member.owned.includes(o.partition)));
        if (!owns) {
          this.send(from, { type: 'commit-reply', id: msg.id, error: 'fenced' });
          return;
        }
        for (const o of msg.offsets) {
          group.offsets.set(o.partition, o.offset);
          this.config.onCommit?.(group.name, from, o.partition, o.offset);
        }
        this.send(from, { type: 'commit-reply', id: msg.id });
        return;
      }
      case 'fetch-offsets': {
        const group = this.group(msg.group);
        this.send(from, {
          type: 'offsets',
          id: msg.id,
          offsets: msg.partitions.map((p) => ({ partition: p, offset: group.offsets.get(p) ?? -1 })),
        });
        return;
      }
      default:
        return;
    }
  }

  /** Session expiry and revocation deadlines; the controller calls it on a timer. */
  tick(now: number): void {
    for (const group of this.groups.values()) {
      let expired = false;
      for (const [id, member] of group.members)
        if (now - member.lastHeartbeat > this.config.sessionMs) {
          group.members.delete(id);
          expired = true;
        }
      if (group.phase === 'revoking' && now >= group.revokeDeadline) {
        // Members that did not give up their partitions in time are removed, as Kafka does.
        for (const id of group.awaiting) group.members.delete(id);
        group.awaiting.clear();
        expired = true;
      }
      if (expired) this.rebalance(group, now);
    }
  }

  /** Partitions moved to another consumer when the group changes: the target assignment. */
  private target(group: Group): Map<NodeId, PartitionId[]> {
    const partitions: PartitionId[] = [];
    for (const topic of [...group.topics].sort()) partitions.push(...this.partitionsOf(topic));
    const members = [...group.members.keys()].sort();
    const target = new Map<NodeId, PartitionId[]>(members.map((m) => [m, []]));
    if (members.length === 0) return target;
    const quota = Math.ceil(partitions.length / members.length);
    const unassigned: PartitionId[] = [];
    if (this.config.protocol === 'cooperative') {
      // Sticky: a partition stays with its owner while the owner is under its quota.
      const ownerOf = new Map<PartitionId, NodeId>();
      for (const [id, member] of group.members) for (const p of member.owned) ownerOf.set(p, id);
      for (const p of partitions) {
        const owner = ownerOf.get(p);
        const list = owner !== undefined ? target.get(owner) : undefined;
        if (list && list.length < quota) list.push(p);
        else unassigned.push(p);
      }
    } else unassigned.push(...partitions);
    for (const p of unassigned) {
      let best = members[0] as NodeId;
      for (const m of members)
        if ((target.get(m) as PartitionId[]).length < (target.get(best) as PartitionId[]).length) best = m;
      (target.get(best) as PartitionId[]).push(p);
    }
    return target;
  }

  private rebalance(group: Group, now: number): void {
    group.generation++;
    group.rebalances++;
    const target = this.target(group);
    group.awaiting = new Set();
    for (const [id, member] of group.members) {
      const wanted = target.get(id) ?? [];
      const keep = this.config.protocol === 'eager' ? [] : member.owned.filter((p) => wanted.includes(p));
      if (keep.length < member.owned.length) group.awaiting.add(id);
      member.owned = keep;
    }
    if (group.awaiting.size === 0) return this.finish(group);
    group.phase = 'revoking';
    group.revokeDeadline = now + this.config.rebalanceTimeoutMs;
    for (const [id, member] of group.members)
      this.send(id, {
        type: 'assignment',
        group: group.name,
        generation: group.generation,
        partitions: member.owned,
        revokeOnly: true,
      });
  }

  private finish(group: Group): void {
    group.phase = 'stable';
    const target = this.target(group);
    for (const [id, member] of group.members) {
      member.owned = target.get(id) ?? [];
      this.send(id, {
        type: 'assignment',
        group: group.name,
        generation: group.generation,
        partitions: member.owned,
        revokeOnly: false,
      });
    }
  }

  snapshot(): GroupSnapshot[] {
    return [...this.groups.values()].map((g) => ({
      name: g.name,
      generation: g.generation,
      phase: g.phase,
      rebalances: g.rebalances,
      members: Object.fromEntries([...g.members].map(([id, m]) => [id, [...m.owned]])),
      offsets: Object.fromEntries(g.offsets),
    }));
  }

  committed(group: string, partition: PartitionId): number | undefined {
    return this.groups.get(group)?.offsets.get(partition);
  }
}
