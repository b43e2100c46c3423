/**
 * The first seed at which `dslab fuzz raft --mutant <name> --stop-on-first` (seeds from 0) catches each
 * mutant — measured, then pinned here so a test proves the fuzzer still catches every one of them.
 * Re-measure with the command above whenever the fuzz harness or the protocol changes.
 */
import type { RaftMutant } from './types';

export const mutantSeeds: Readonly<Record<RaftMutant, number>> = {
  'vote-without-log-check': 1,
  'commit-old-term-by-count': 1678,
  'forget-vote': 1059,
  'read-without-read-index': 60,
  'apply-before-commit': 0,
  'reset-timer-on-any-message': 3,
};
