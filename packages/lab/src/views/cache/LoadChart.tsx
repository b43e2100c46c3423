/** Database reads per bin over a span of time, against the database's capacity; refusals on top. */
const WIDTH = 720;
const HEIGHT = 120;

export function LoadChart(props: {
  readonly reads: readonly number[];
  readonly refused: readonly number[];
  readonly from: number;
  readonly to: number;
  readonly binMs: number;
  /** Reads one bin can serve at most (drawn as a dashed line). */
  readonly capacityPerBin: number;
  /** The top of the scale (shared by small multiples); the tallest bar when absent. */
  readonly scale?: number;
  readonly label: string;
}) {
  const { from, to, binMs } = props;
  const bins = Math.max(1, Math.ceil((to - from) / binMs));
  const reads = new Array<number>(bins).fill(0);
  const refused = new Array<number>(bins).fill(0);
  const put = (counts: number[], t: number) => {
    if (t < from || t >= to) return;
    const b = Math.floor((t - from) / binMs);
    counts[b] = (counts[b] as number) + 1;
  };
  for (const t of props.reads) put(reads, t);
  for (const t of props.refused) put(refused, t);
  const top =
    props.scale ?? Math.max(1, props.capacityPerBin, ...reads.map((n, i) => n + (refused[i] as number)));
  const h = (n: number) => (n / top) * HEIGHT;
  const w = WIDTH / bins;
  const capY = HEIGHT - h(props.capacityPerBin);
  return (
    <svg
      className="cache-chart"
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      preserveAspectRatio="none"
      role="img"
      aria-label={props.label}
    >
      {reads.map((n, i) => {
        const r = refused[i] as number;
        return (
          <g key={i}>
            <rect
              x={i * w}
              y={HEIGHT - h(n)}
              width={Math.max(0.5, w - 1)}
              height={h(n)}
              className="cache-read-bar"
            />
            <rect
              x={i * w}
              y={HEIGHT - h(n) - h(r)}
              width={Math.max(0.5, w - 1)}
              height={h(r)}
              className="cache-refused-bar"
            />
          </g>
        );
      })}
      {capY >= 0 && (
        <line
          x1={0}
          x2={WIDTH}
          y1={capY}
          y2={capY}
          className="cache-capacity"
          vectorEffect="non-scaling-stroke"
        />
      )}
    </svg>
  );
}
