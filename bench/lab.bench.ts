// The lab in Chromium: time to interactive, frame times while a live run plays at full speed, and the
// gzipped size of the JavaScript the page loads. Numbers are reported, never asserted.
// The lab is split into chunks (one per system and per view, loaded by the page that shows it), so sizes
// come from its import graph: the shell is the entry and what it imports statically (what every page
// loads before anything), a system's chunk is what its dynamic import adds; and, as a check on the
// graph, the JavaScript Chromium actually fetched for the home page and for the Raft page.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Benchmark } from './benchmark';
import type { Page } from 'playwright-core';
import { launchChromium, serveBuiltLab } from '../packages/lab/e2e/browser';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

const STATIC_IMPORT =
  /\b(?:import|export)\s*(?:\{[^}]*\}|\*\s*as\s*[\w$]+|[\w$]+(?:\s*,\s*\{[^}]*\})?)?\s*(?:from)?\s*["']\.\/([^"']+\.js)["']/g;
// The minifier writes a dynamic import's path as a template literal.
const DYNAMIC_IMPORT = /\bimport\(\s*["'`]\.\/([^"'`]+\.js)["'`]\s*\)/g;

/** The built chunks: each one's gzipped size and the chunks it imports, statically and dynamically. */
function chunkGraph(assets: string) {
  const chunks = new Map<string, { gzipBytes: number; imports: string[]; dynamic: string[] }>();
  for (const file of readdirSync(assets).filter((name) => name.endsWith('.js'))) {
    const code = readFileSync(join(assets, file), 'utf8');
    chunks.set(file, {
      gzipBytes: gzipSync(code).length,
      imports: [...code.matchAll(STATIC_IMPORT)].map((m) => m[1] as string),
      dynamic: [...code.matchAll(DYNAMIC_IMPORT)].map((m) => m[1] as string),
    });
  }
  /** A chunk and everything it imports statically: what loading it costs. */
  const closure = (file: string, into = new Set<string>()): Set<string> => {
    const pending = [file];
    for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
      if (into.has(next) || !chunks.has(next)) continue;
      into.add(next);
      pending.push(...(chunks.get(next)?.imports ?? []));
    }
    return into;
  };
  const bytes = (files: Iterable<string>) => {
    let sum = 0;
    for (const file of files) sum += chunks.get(file)?.gzipBytes ?? 0;
    return sum;
  };
  /** Each chunk `base` loads dynamically, with the gzipped bytes it adds to `base`'s closure; largest first. */
  const lazyChunks = (base: Set<string>) => {
    const targets = new Set([...base].flatMap((file) => chunks.get(file)?.dynamic ?? []));
    return [...targets]
      .filter((file) => !base.has(file))
      .map((file) => ({ chunk: file, gzipBytes: bytes([...closure(file)].filter((f) => !base.has(f))) }))
      .sort((a, b) => b.gzipBytes - a.gzipBytes);
  };
  return { chunks, closure, bytes, lazyChunks };
}

const benchmark: Benchmark = {
  name: 'lab',
  async run() {
    const lab = await serveBuiltLab();
    const browser = await launchChromium();
    try {
      const dist = join(import.meta.dirname, '..', 'packages', 'lab', 'dist');
      const graph = chunkGraph(join(dist, 'assets'));
      const entry = /src="\/assets\/([^"]+\.js)"/.exec(readFileSync(join(dist, 'index.html'), 'utf8'))?.[1];
      if (!entry) throw new Error('dist/index.html names no entry script');
      const workerEntry = [...graph.chunks.keys()].find((file) => file.startsWith('sim.worker-'));
      if (!workerEntry) throw new Error('no sim.worker chunk in dist/assets');
      const shellFiles = graph.closure(entry);
      const workerFiles = graph.closure(workerEntry);
      const pageChunks = graph.lazyChunks(shellFiles);
      const workerChunks = graph.lazyChunks(workerFiles);

      /** The gzipped JavaScript Chromium fetched while `ready` waited: the page's own, and its worker's. */
      const fetched = async (hash: string, ready: (page: Page) => Promise<unknown>) => {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        const files = new Set<string>();
        page.on('response', (response) => {
          const file = /\/assets\/([^/?#]+\.js)/.exec(response.url())?.[1];
          if (file) files.add(file);
        });
        await page.goto(`${lab.url}${hash}`);
        await ready(page);
        await page.waitForLoadState('networkidle');
        await page.close();
        const worker = [...files].filter((f) => f.startsWith('worker-') || f.startsWith('sim.worker-'));
        return {
          pageGzipBytes: graph.bytes([...files].filter((f) => !worker.includes(f))),
          workerGzipBytes: graph.bytes(worker),
          files: files.size,
        };
      };
      const homeFetched = await fetched('#/', (page) => page.getByTestId('systems').waitFor());

      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(`${lab.url}#/system/raft?seed=1&nodes=5&clients=3`);
      await page.getByTestId('live-hash').waitFor();
      const interactiveMs = await page.evaluate(() => performance.now());

      await page.getByTestId('fault-node').selectOption('n1');
      await page.locator('select[aria-label=Speed]').selectOption('50');
      // A string, not a function: tsx would wrap named functions in a helper the page does not have.
      await page.evaluate(`(() => {
        const frames = [];
        window.frames_ = frames;
        let last = performance.now();
        const tick = (now) => {
          frames.push(now - last);
          last = now;
          if (frames.length < 100000) requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      })()`);
      await page.getByTestId('play').click();
      await page.waitForTimeout(5_000);
      await page.getByTestId('play').click();
      const frames = (await page.evaluate(() => (window as unknown as { frames_: number[] }).frames_)).slice(
        5,
      );
      const virtualMs = Number(await page.getByTestId('time').getAttribute('data-time'));
      await page.close();
      const raftFetched = await fetched('#/system/raft?seed=1', (p) => p.getByTestId('live-hash').waitFor());
      const sorted = [...frames].sort((a, b) => a - b);
      const mean = frames.reduce((a, b) => a + b, 0) / Math.max(1, frames.length);
      return {
        system: 'raft, 5 nodes and 3 clients, live run at 50×',
        timeToInteractiveMs: Math.round(interactiveMs),
        frames: frames.length,
        fps: Number((1000 / mean).toFixed(1)),
        frameMsP50: Number(percentile(sorted, 0.5).toFixed(1)),
        frameMsP99: Number(percentile(sorted, 0.99).toFixed(1)),
        frameMsMax: Number((sorted[sorted.length - 1] ?? 0).toFixed(1)),
        framesOver50ms: frames.filter((f) => f > 50).length,
        virtualSecondsPlayed: Number((virtualMs / 1000).toFixed(2)),
        shellJsGzipBytes: graph.bytes(shellFiles),
        workerJsGzipBytes: graph.bytes(workerFiles),
        largestPageChunks: pageChunks.slice(0, 3),
        largestWorkerChunks: workerChunks.slice(0, 3),
        pageChunks: pageChunks.length,
        homeFetched,
        raftFetched,
        targets: '60 fps, no frame over 50 ms, shell JS under 400 KB gzipped',
      };
    } finally {
      await browser.close();
      await lab.close();
    }
  },
};
export default benchmark;
