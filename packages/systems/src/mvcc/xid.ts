/**
 * Transaction ids as PostgreSQL keeps them: numbers in a circular space (2^32 in PostgreSQL, smaller
 * here when asked, so wraparound can be watched), compared modulo the space so that the half of the
 * space behind an id is "the past" and the half ahead "the future". 0 is invalid, 2 is the frozen id
 * every snapshot sees as committed long ago, normal ids start at 3 (transam.h).
 */
export type Xid = number;

export const INVALID_XID: Xid = 0;
export const BOOTSTRAP_XID: Xid = 1;
export const FROZEN_XID: Xid = 2;
export const FIRST_NORMAL_XID: Xid = 3;

export class XidSpace {
  constructor(readonly size: number) {
    if (!Number.isSafeInteger(size) || size < 64 || size % 2 !== 0)
      throw new RangeError(`xid space must be an even integer >= 64, got ${size}`);
  }

  static isNormal(xid: Xid): boolean {
    return xid >= FIRST_NORMAL_XID;
  }

  /** The id after `xid`, skipping the special ids on wrap. */
  next(xid: Xid): Xid {
    const n = xid + 1;
    return n >= this.size ? FIRST_NORMAL_XID : n;
  }

  /** `a` is logically older than `b` (TransactionIdPrecedes): the signed distance modulo the space. */
  precedes(a: Xid, b: Xid): boolean {
    if (!XidSpace.isNormal(a) || !XidSpace.isNormal(b)) return a < b;
    return this.diff(a, b) < 0;
  }

  precedesOrEquals(a: Xid, b: Xid): boolean {
    return a === b || this.precedes(a, b);
  }

  follows(a: Xid, b: Xid): boolean {
    return this.precedes(b, a);
  }

  /** a − b as a signed distance in (−size/2, size/2]. */
  diff(a: Xid, b: Xid): number {
    let d = (a - b) % this.size;
    if (d < 0) d += this.size;
    if (d > this.size / 2) d -= this.size;
    return d;
  }

  /** How many ids `xid` lies behind `next` (its age); special ids have age 0. */
  age(xid: Xid, next: Xid): number {
    if (!XidSpace.isNormal(xid)) return 0;
    let d = (next - xid) % this.size;
    if (d < 0) d += this.size;
    return d;
  }

  /** `xid` moved forward by `n` ids (skipping the special ids as the counter does). */
  add(xid: Xid, n: number): Xid {
    const normals = this.size - FIRST_NORMAL_XID;
    return FIRST_NORMAL_XID + ((((xid - FIRST_NORMAL_XID + n) % normals) + normals) % normals);
  }

  /** The older of two ids. */
  min(a: Xid, b: Xid): Xid {
    return this.precedes(a, b) ? a : b;
  }
}
