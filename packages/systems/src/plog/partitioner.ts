/**
 * Key → partition as the Java client computes it: murmur2 of the key's UTF-8 bytes (seed 0x9747b28c),
 * made positive by masking the sign bit, modulo the partition count. Records without a key go to a
 * sticky partition that changes only when a batch is sent (KIP-480), or round-robin as clients did
 * before Kafka 2.4.
 */
import { utf8 } from '@dslab/sim';

const M = 0x5bd1e995;

/** Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2), a signed 32-bit result. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = (0x9747b28c ^ length) | 0;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k =
      ((data[i] as number) & 0xff) |
      (((data[i + 1] as number) & 0xff) << 8) |
      (((data[i + 2] as number) & 0xff) << 16) |
      (((data[i + 3] as number) & 0xff) << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }
  const rest = length % 4;
  if (rest === 3) h ^= ((data[whole + 2] as number) & 0xff) << 16;
  if (rest >= 2) h ^= ((data[whole + 1] as number) & 0xff) << 8;
  if (rest >= 1) {
    h ^= (data[whole] as number) & 0xff;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition of a keyed record (Utils.toPositive(murmur2(key)) % partitions). */
export function keyPartition(key: string, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1)
    throw new Error(`partition count must be a positive integer, got ${partitions}`);
  return (murmur2(utf8(key)) & 0x7fffffff) % partitions;
}

export type NullKeyStrategy = 'sticky' | 'round-robin';

/** Chooses partitions for records without a key. */
export class NullKeyPartitioner {
  private sticky = -1;
  private counter: number;

  constructor(
    private readonly strategy: NullKeyStrategy,
    private readonly random: () => number,
  ) {
    this.counter = Math.floor(random() * 1_000_000);
  }

  partition(partitions: number): number {
    if (this.strategy === 'round-robin') return this.counter++ % partitions;
    if (this.sticky < 0 || this.sticky >= partitions) this.sticky = Math.floor(this.random() * partitions);
    return this.sticky;
  }

  /** A batch of the sticky partition was sent: the next null-key record picks another partition. */
  batchSent(partition: number, partitions: number): void {
    if (this.strategy !== 'sticky' || partition !== this.sticky || partitions < 2) return;
    let next = Math.floor(this.random() * (partitions - 1));
    if (next >= partition) next++;
    this.sticky = next;
  }
}
