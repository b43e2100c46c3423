/** A client history judged by a system's model: the same verdict for the free run, fuzzing and the lab. */
import { checkLinearizable, type History, type Model, type Operation } from '@dslab/check';

/** How a system's client history is judged. */
export interface HistoryJudge {
  /** A fresh model for one check (models may keep per-check state). */
  model(): Model<unknown>;
  /** Search budget per independent part of the history; past it the verdict is `unknown`, not a failure. */
  readonly maxStates: number;
}

export interface HistoryVerdict {
  readonly operations: number;
  /** Undefined when linearizable or undecided; otherwise what is wrong, naming the operation. */
  readonly problem?: string;
  /** The first operation no order explains, when the search found one. */
  readonly stuck?: Operation;
  /** States searched when the budget ran out before a verdict. */
  readonly undecidedAfter?: number;
}

/** One line for an operation: `put ["k1",3] → null`. */
export function describeOperation(op: Operation): string {
  return `${op.f} ${JSON.stringify(op.input)} → ${JSON.stringify(op.output)}`;
}

export function judgeHistory(history: History, judge: HistoryJudge): HistoryVerdict {
  const result = checkLinearizable(history, judge.model(), { maxStates: judge.maxStates });
  if (result.verdict === 'unknown') {
    let states = 0;
    for (const part of result.parts) states += part.states;
    return { operations: history.length, undecidedAfter: states };
  }
  if (result.verdict === 'linearizable') return { operations: history.length };
  const part = result.parts.find((p) => p.verdict === 'not-linearizable');
  const stuck = part?.stuckOperation !== undefined ? history[part.stuckOperation] : undefined;
  return {
    operations: history.length,
    problem:
      `the client history (${history.length} operations) is not linearizable` +
      (stuck ? `; no order explains ${stuck.process} ${describeOperation(stuck)}` : ''),
    ...(stuck ? { stuck } : {}),
  };
}
