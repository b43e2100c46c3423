import { useMemo, useReducer, useState } from 'react';
import { BPlusTree } from '@dslab/systems';
import './btree.css';

type Report = {
  kind: string;
  key: number;
  pages: readonly number[];
  created: readonly number[];
  detail: string;
};

/** A small B+tree drawn level by level: the pages an operation read are highlighted, split pages marked. */
export function BTreeExplorer() {
  const [fanout, setFanout] = useState(4);
  const [generation, reset] = useReducer((n: number) => n + 1, 0);
  const tree = useMemo(() => {
    const t = new BPlusTree<number>(fanout);
    for (const k of [10, 20, 30, 40, 50, 60, 70]) t.insert([k], k);
    return t;
    // a new tree when the fan-out changes or on reset
  }, [fanout, generation]);
  const [, redraw] = useReducer((n: number) => n + 1, 0);
  const [input, setInput] = useState('35');
  const [report, setReport] = useState<Report>();
  const key = Number(input);
  const valid = input.trim() !== '' && Number.isInteger(key) && Math.abs(key) < 1e9;
  const act = (kind: 'insert' | 'delete' | 'find', k = key) => {
    if (kind === 'insert') {
      const r = tree.insert([k], k);
      const detail =
        r.splits.length > 0
          ? `${r.splits.length} split${r.splits.length > 1 ? 's' : ''}: ${r.splits.map((s) => `page ${s.page} → ${s.page} + ${s.into} (separator ${s.separator[0]})`).join('; ')}`
          : 'no split';
      setReport({ kind, key: k, pages: r.pages, created: r.splits.map((s) => s.into), detail });
    } else if (kind === 'delete') {
      const r = tree.delete([k]);
      const detail = !r.deleted
        ? 'not found'
        : [
            ...r.borrows.map((b) => `page ${b.page} borrowed from ${b.from}`),
            ...r.merges.map((m) => `page ${m.page} merged into ${m.into}`),
          ].join('; ') || 'no rebalancing';
      setReport({ kind, key: k, pages: r.pages, created: [], detail });
    } else {
      const r = tree.get([k]);
      setReport({
        kind,
        key: k,
        pages: r.report.pages,
        created: [],
        detail: r.value === undefined ? 'not found' : 'found',
      });
    }
    tree.validate();
    redraw();
  };
  const levels = tree.levels();
  return (
    <section className="explorer" aria-label="B+tree explorer" data-testid="btree-explorer">
      <h2>Watch the tree</h2>
      <form className="controls" onSubmit={(e) => e.preventDefault()}>
        <label>
          Key{' '}
          <input
            data-testid="btree-key"
            value={input}
            size={8}
            inputMode="numeric"
            onChange={(e) => setInput(e.target.value)}
            aria-label="Key"
            aria-invalid={!valid}
          />
        </label>
        <button type="button" disabled={!valid} onClick={() => act('insert')} data-testid="btree-insert">
          Insert
        </button>
        <button type="button" disabled={!valid} onClick={() => act('find')} data-testid="btree-find">
          Find
        </button>
        <button type="button" disabled={!valid} onClick={() => act('delete')} data-testid="btree-delete">
          Delete
        </button>
        <button type="button" onClick={() => act('insert', Math.floor(Math.random() * 1000))}>
          Insert a random key
        </button>
        <label>
          Fan-out{' '}
          <select
            value={fanout}
            onChange={(e) => {
              setFanout(Number(e.target.value));
              setReport(undefined);
            }}
            aria-label="Fan-out"
          >
            {[3, 4, 5, 6, 8].map((f) => (
              <option key={f} value={f}>
                {f}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          onClick={() => {
            reset();
            setReport(undefined);
          }}
        >
          Reset
        </button>
      </form>
      <div className="btree" role="img" aria-label={`B+tree of height ${tree.height} with ${tree.size} keys`}>
        {levels.map((level, depth) => (
          <div key={depth} className="btree-level">
            {level.map((page) => (
              <span
                key={page.id}
                className={`btree-page${page.leaf ? ' leaf' : ''}${report?.pages.includes(page.id) ? ' path' : ''}${report?.created.includes(page.id) ? ' created' : ''}`}
                title={`page ${page.id}`}
              >
                {page.keys.map((k) => k[0]).join(' · ') || '∅'}
              </span>
            ))}
          </div>
        ))}
      </div>
      <p data-testid="btree-report">
        {report
          ? `${report.kind} ${report.key}: read ${report.pages.length} page${report.pages.length === 1 ? '' : 's'} (${report.pages.join(' → ')}); ${report.detail}.`
          : `Fan-out ${fanout}: at most ${fanout - 1} keys per page. Insert keys until a leaf splits.`}
      </p>
      <p className="muted">
        Height {tree.height}, {tree.size} keys, {tree.pageCount} pages. Highlighted: the pages the last
        operation read; outlined: pages a split created. Leaves (bottom row) are linked left to right for
        range scans.
      </p>
    </section>
  );
}
