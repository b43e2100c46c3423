/**
 * Lamport's logical clock ("Time, Clocks, and the Ordering of Events in a Distributed System", 1978):
 * a counter ticked before every event; a receive first takes the maximum of its own and the message's.
 * Then a happened-before b ⇒ L(a) < L(b). The converse does not hold: L(a) < L(b) says nothing about
 * whether a could have influenced b.
 */
import { mutantActive } from '../kit/mutants';

export class LamportClock {
  constructor(
    private value = 0,
    private readonly mutant?: string,
  ) {}

  get current(): number {
    return this.value;
  }

  /** A local or send event. */
  tick(): number {
    return ++this.value;
  }

  /** A receive event of a message stamped `remote`. */
  receive(remote: number): number {
    if (!mutantActive(this.mutant, 'lamport-forget-max')) this.value = Math.max(this.value, remote);
    return ++this.value;
  }
}
