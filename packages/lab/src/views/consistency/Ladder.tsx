import type { ModelVerdict } from '@dslab/check';

export type VerdictState = 'holds' | 'fails' | 'implied' | 'unknown';

export function stateOf(v: ModelVerdict): VerdictState {
  if (v.holds === 'unknown') return 'unknown';
  if (!v.holds) return 'fails';
  return v.impliedBy !== undefined ? 'implied' : 'holds';
}

/**
 * The ladder of models, strongest first, each with its verdict. A model with a counterexample is a
 * button: choosing it highlights the operations of the counterexample in the lanes.
 */
export function Ladder(props: {
  readonly verdicts: readonly ModelVerdict[];
  readonly selected: string | undefined;
  readonly onSelect: (model: string | undefined) => void;
}) {
  return (
    <ol className="cm-ladder" aria-label="consistency models, strongest first">
      {props.verdicts.map((v) => {
        const state = stateOf(v);
        const title =
          state === 'implied'
            ? `implied by ${v.impliedBy ?? ''}`
            : state === 'unknown'
              ? (v.note ?? 'the search ran out of budget')
              : (v.counterexample ?? '');
        const body = (
          <>
            <span className="cm-model">{v.model}</span>
            <span className={`cm-verdict cm-${state}`}>{state}</span>
          </>
        );
        return (
          <li key={v.model}>
            {v.counterexample !== undefined ? (
              <button
                type="button"
                className={props.selected === v.model ? 'cm-rung selected' : 'cm-rung'}
                aria-pressed={props.selected === v.model}
                title={`${title} — click to highlight its operations`}
                onClick={() => props.onSelect(props.selected === v.model ? undefined : v.model)}
                data-testid={`cm-rung-${v.model}`}
              >
                {body}
              </button>
            ) : (
              <div className="cm-rung" title={title} data-testid={`cm-rung-${v.model}`}>
                {body}
              </div>
            )}
          </li>
        );
      })}
    </ol>
  );
}
