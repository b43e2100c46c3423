// The lab in Chromium: time to interactive, frame times while a live run plays at full speed, and the
// gzipped size of the JavaScript the page loads. Numbers are reported, never asserted.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Benchmark } from './benchmark';
import { launchChromium, serveBuiltLab } from '../packages/lab/e2e/browser';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

const benchmark: Benchmark = {
  name: 'lab',
  async run() {
    const lab = await serveBuiltLab();
    const browser = await launchChromium();
    try {
      const assets = join(import.meta.dirname, '..', 'packages', 'lab', 'dist', 'assets');
      const sizes = readdirSync(assets)
        .filter((file) => file.endsWith('.js'))
        .map((file) => ({ file, gzipBytes: gzipSync(readFileSync(join(assets, file))).length }));
      const shell = sizes.filter((s) => s.file.startsWith('index-')).reduce((sum, s) => sum + s.gzipBytes, 0);
      const worker = sizes.filter((s) => s.file.includes('worker')).reduce((sum, s) => sum + s.gzipBytes, 0);

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
        shellJsGzipBytes: shell,
        workerJsGzipBytes: worker,
        targets: '60 fps, no frame over 50 ms, shell JS under 400 KB gzipped',
      };
    } finally {
      await browser.close();
      await lab.close();
    }
  },
};
export default benchmark;
