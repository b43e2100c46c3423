/**
 * How a new Redis Cluster spreads its 16,384 slots over its masters: contiguous ranges, as
 * `redis-cli --cluster create` assigns them (master i ends at round((i + 1) · 16384 / masters) − 1,
 * the last master takes the rest).
 */
import { SLOT_COUNT } from './slots';

export interface SlotRange {
  readonly first: number;
  readonly last: number;
}

/** The slot range of each of `masters` masters, in order. */
export function slotRanges(masters: number): SlotRange[] {
  if (!Number.isInteger(masters) || masters < 1 || masters > SLOT_COUNT)
    throw new Error(`masters must be a whole number from 1 to ${SLOT_COUNT}, got ${masters}`);
  const per = SLOT_COUNT / masters;
  const ranges: SlotRange[] = [];
  let first = 0;
  for (let i = 0; i < masters; i++) {
    const last = i === masters - 1 ? SLOT_COUNT - 1 : Math.max(first, Math.round((i + 1) * per) - 1);
    ranges.push({ first, last });
    first = last + 1;
  }
  return ranges;
}

/** The index of the master that owns `slot` when `masters` masters share the slots as above. */
export function slotMaster(slot: number, masters: number): number {
  if (!Number.isInteger(slot) || slot < 0 || slot >= SLOT_COUNT)
    throw new Error(`slot must be a whole number from 0 to ${SLOT_COUNT - 1}, got ${slot}`);
  const ranges = slotRanges(masters);
  let low = 0;
  let high = ranges.length - 1;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((ranges[mid] as SlotRange).last < slot) low = mid + 1;
    else high = mid;
  }
  return low;
}
