/**
 * The trace: every kernel decision and every node-emitted event, in order, with true virtual time.
 * The schema is versioned because traces are stored (JSON lines) and read by the lab.
 */
import type { NodeId, TraceData } from './env';

export const TRACE_SCHEMA_VERSION = 1;

export type DropReason = 'partition' | 'loss' | 'down' | 'overflow';

export type TraceEvent =
  | {
      readonly t: number;
      readonly kind: 'send';
      readonly from: NodeId;
      readonly to: NodeId;
      readonly id: number;
      readonly msg: unknown;
    }
  | {
      readonly t: number;
      readonly kind: 'deliver';
      readonly from: NodeId;
      readonly to: NodeId;
      readonly id: number;
    }
  | {
      readonly t: number;
      readonly kind: 'drop';
      readonly from: NodeId;
      readonly to: NodeId;
      readonly id: number;
      readonly reason: DropReason;
    }
  | {
      readonly t: number;
      readonly kind: 'duplicate';
      readonly from: NodeId;
      readonly to: NodeId;
      readonly id: number;
    }
  | { readonly t: number; readonly kind: 'timer'; readonly node: NodeId; readonly timer: number }
  | { readonly t: number; readonly kind: 'crash' | 'restart' | 'pause' | 'resume'; readonly node: NodeId }
  | {
      readonly t: number;
      readonly kind: 'clock';
      readonly node: NodeId;
      readonly offsetMs: number;
      readonly driftPpm: number;
    }
  | { readonly t: number; readonly kind: 'network'; readonly change: string }
  | { readonly t: number; readonly kind: 'action'; readonly label: string }
  | {
      readonly t: number;
      readonly kind: 'node';
      readonly node: NodeId;
      readonly name: string;
      readonly data?: TraceData;
    };

export type TraceKind = TraceEvent['kind'];

export type TraceListener = (event: TraceEvent) => void;

/**
 * A stable 64-bit hash of a trace, fed incrementally (two 32-bit lanes of a multiply-xorshift mix).
 * Feeds numbers and strings directly, so it is the same in every JS engine.
 */
export class TraceHasher {
  private h1 = 0x243f6a88;
  private h2 = 0x85a308d3;

  private mix(word: number): void {
    this.h1 = Math.imul(this.h1 ^ word, 0x9e3779b1);
    this.h1 ^= this.h1 >>> 15;
    this.h2 = Math.imul(this.h2 + word, 0x85ebca77) ^ this.h1;
    this.h2 ^= this.h2 >>> 13;
  }

  number(value: number): void {
    if (Number.isInteger(value) && Math.abs(value) < 0x80000000) {
      this.mix(value | 0);
      return;
    }
    // Non-integers: hash the exact IEEE-754 bits through their string form (engine independent).
    this.string(String(value));
  }

  string(value: string): void {
    this.mix(value.length);
    for (let i = 0; i < value.length; i++) this.mix(value.charCodeAt(i));
  }

  event(event: TraceEvent): void {
    this.string(event.kind);
    this.number(event.t);
    switch (event.kind) {
      case 'send':
        this.string(event.from);
        this.string(event.to);
        this.number(event.id);
        this.string(stableJson(event.msg));
        break;
      case 'deliver':
      case 'duplicate':
        this.string(event.from);
        this.string(event.to);
        this.number(event.id);
        break;
      case 'drop':
        this.string(event.from);
        this.string(event.to);
        this.number(event.id);
        this.string(event.reason);
        break;
      case 'timer':
        this.string(event.node);
        this.number(event.timer);
        break;
      case 'crash':
      case 'restart':
      case 'pause':
      case 'resume':
        this.string(event.node);
        break;
      case 'clock':
        this.string(event.node);
        this.number(event.offsetMs);
        this.number(event.driftPpm);
        break;
      case 'network':
        this.string(event.change);
        break;
      case 'action':
        this.string(event.label);
        break;
      case 'node':
        this.string(event.node);
        this.string(event.name);
        if (event.data !== undefined) this.string(stableJson(event.data));
        break;
    }
  }

  digest(): string {
    return (this.h1 >>> 0).toString(16).padStart(8, '0') + (this.h2 >>> 0).toString(16).padStart(8, '0');
  }
}

/** JSON with object keys sorted, so equal data always hashes equal. Uint8Arrays become hex. */
export function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (value === undefined) return 'null';
    if (typeof value === 'bigint') return `"${value.toString()}n"`;
    return JSON.stringify(value) ?? 'null';
  }
  if (value instanceof Uint8Array) {
    let hex = '"0x';
    for (let i = 0; i < value.length; i++) hex += (value[i] as number).toString(16).padStart(2, '0');
    return hex + '"';
  }
  if (Array.isArray(value)) return '[' + value.map(stableJson).join(',') + ']';
  if (value instanceof Map) return stableJson([...value.entries()]);
  if (value instanceof Set) return stableJson([...value]);
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  return '{' + keys.map((key) => JSON.stringify(key) + ':' + stableJson(record[key])).join(',') + '}';
}
