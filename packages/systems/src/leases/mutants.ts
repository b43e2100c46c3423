/** The deliberately broken variants of the leases world; each must be caught by the check it names in index.ts. */
export const leaseMutants = [
  /** The storage service applies every write whatever its token. */
  'storage-ignores-tokens',
  /** The lease service grants a lease to another client once half the TTL has passed. */
  'grant-before-expiry',
  /** The lease service keeps its token counter in memory only: a restart hands out small tokens again. */
  'tokens-not-durable',
  /** The lease service never expires a lease: a crashed holder keeps it forever. */
  'lease-never-expires',
] as const;

export type LeaseMutant = (typeof leaseMutants)[number];
