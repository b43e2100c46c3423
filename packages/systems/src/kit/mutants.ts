/**
 * Mutants are deliberately broken variants of a system that its checkers must catch (ARCHITECTURE.md).
 * Every broken branch in protocol code is guarded by `mutantActive`, so one search finds them all, and
 * every mutant name a user gives is validated here, once.
 */

/** True when `name` is the mutant this run was built with. The only way protocol code may branch on one. */
export function mutantActive<M extends string>(active: M | undefined, name: M): boolean {
  return active === name;
}

/** Checks a requested mutant against a system's list: the name back when known, a clear error otherwise. */
export function validateMutant<M extends string>(
  systemId: string,
  known: readonly M[],
  mutant: string | undefined,
): M | undefined {
  if (mutant === undefined) return undefined;
  if (!(known as readonly string[]).includes(mutant)) {
    throw new Error(
      `unknown mutant '${mutant}' of ${systemId} (known: ${known.length > 0 ? known.join(', ') : 'none'})`,
    );
  }
  return mutant as M;
}
