import { Partitioners } from 'kafkajs';
import { Rng } from '@dslab/sim';
import { describe, expect, it } from 'vitest';
import { NullKeyPartitioner, keyPartition } from './partitioner';

/** kafkajs's default partitioner asked for one keyed message's partition. */
function kafkajsPartition(key: string, partitions: number): number {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: partitions }, (_, i) => ({ partitionId: i, leader: 0 }));
  return partitioner({ topic: 't', partitionMetadata, message: { key, value: 'v' } } as never);
}

describe('murmur2 key → partition', () => {
  it('matches kafkajs (the Java client hash) on 5,000 keys of every length and script, 1 to 100 partitions', () => {
    const rng = new Rng(17);
    const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_:/ éüß中文€😀';
    const chars = Array.from(alphabet);
    let compared = 0;
    for (let i = 0; i < 5_000; i++) {
      const length = rng.int(40);
      let key = '';
      for (let j = 0; j < length; j++) key += chars[rng.int(chars.length)];
      const partitions = 1 + rng.int(100);
      expect(keyPartition(key, partitions), JSON.stringify(key)).toBe(kafkajsPartition(key, partitions));
      compared++;
    }
    for (let i = 0; i < 1_000; i++)
      expect(keyPartition(`order-${i}`, 12)).toBe(kafkajsPartition(`order-${i}`, 12));
    expect(compared).toBe(5_000);
  });

  it('rejects a partition count that is not a positive integer', () => {
    expect(() => keyPartition('k', 0)).toThrow(/positive integer/);
  });
});

describe('null keys', () => {
  it('sticky stays on one partition until a batch is sent, then moves to another', () => {
    const rng = new Rng(3);
    const p = new NullKeyPartitioner('sticky', () => rng.next());
    const first = p.partition(6);
    for (let i = 0; i < 10; i++) expect(p.partition(6)).toBe(first);
    p.batchSent(first, 6);
    expect(p.partition(6)).not.toBe(first);
  });

  it('round-robin visits every partition in turn', () => {
    const p = new NullKeyPartitioner('round-robin', () => 0.5);
    const seen = new Set(Array.from({ length: 6 }, () => p.partition(6)));
    expect(seen.size).toBe(6);
  });
});
