/** The mvcc pages in Chromium: versions and VACUUM, the anomaly runner, the deadlock, the job queue. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, preview, type PreviewServer } from 'vite';
import { launchChromium } from './browser';

const artifacts = 'test-artifacts/lab';
const configFile = join(dirname(fileURLToPath(import.meta.url)), '..', 'vite.config.ts');
let browser: Browser;
let server: PreviewServer | undefined;
let url: string;
// Its own build directory: the other browser test files build and serve packages/lab/dist in parallel.
const outDir = mkdtempSync(join(tmpdir(), 'dslab-lab-mvcc-'));

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  await build({ configFile, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  server = await preview({
    configFile,
    logLevel: 'warn',
    build: { outDir },
    preview: { port: 0, host: '127.0.0.1' },
  });
  const local = server.resolvedUrls?.local[0];
  if (!local) throw new Error('vite preview did not report a URL');
  url = local;
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(outDir, { recursive: true, force: true });
});

async function open(width: number): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${url}#/system/mvcc?seed=1`);
  await page.getByTestId('mvcc-explorer').waitFor({ timeout: 60_000 });
  return { page, errors };
}

describe('the mvcc pages', () => {
  it('versions: a long REPEATABLE READ transaction sees the old version, VACUUM keeps it, then removes it', async () => {
    const { page, errors } = await open(1440);
    // The live view draws the same picture; every locator here reads the versions tab's copy.
    const tab = page.getByTestId('mvcc-tab-versions');
    await tab.getByTestId('mvcc-versions').waitFor({ timeout: 60_000 });
    for (let i = 0; i < 6; i++) await page.getByTestId('step-next').click();
    await tab.getByTestId('viewer-s1').click();
    // T1's snapshot sees value 10 of row 1, already replaced twice, and VACUUM kept both dead versions.
    await tab.locator('.mvcc-version.seen', { hasText: 'value=10' }).waitFor();
    await page.locator('.mvcc-script').getByText('removed=0 kept=2').waitFor();
    for (let i = 0; i < 3; i++) await page.getByTestId('step-next').click();
    await page.locator('.mvcc-script').getByText('removed=2 kept=0').waitFor();
    expect(await tab.locator('.mvcc-version', { hasText: 'value=10' }).count()).toBe(0);
    expect(errors).toEqual([]);
    await page.getByTestId('mvcc-explorer').screenshot({ path: `${artifacts}/mvcc-versions.png` });
    await page.close();
  });

  it('anomaly runner: lost update at READ COMMITTED, none at REPEATABLE READ; the matrix fills in', async () => {
    const { page, errors } = await open(1440);
    await page.getByTestId('mvcc-tab-button-anomalies').click();
    await page.getByTestId('anomaly-test').selectOption('p4');
    await page.getByTestId('level-read-committed').click();
    await page.getByTestId('step-end').click();
    await page
      .getByTestId('anomaly-verdict')
      .getByText(/✗ .*lost-update/)
      .waitFor();
    await page.getByTestId('level-repeatable-read').click();
    await page.getByTestId('step-end').click();
    await page.getByTestId('anomaly-verdict').getByText('✓ none').waitFor();
    await page
      .getByTestId('anomaly-verdict')
      .getByText(/stopped it with 40001/)
      .waitFor();
    await page.getByTestId('anomaly-run-all').click();
    await page.getByTestId('anomaly-run-all').getByText('Run every cell').waitFor({ timeout: 60_000 });
    const matrix = page.getByTestId('anomaly-matrix');
    expect(await matrix.getByText('≠PG').count()).toBe(0);
    expect(await matrix.locator('tbody tr td:nth-child(5)').getByText('✗').count()).toBe(0);
    expect(errors).toEqual([]);
    await page.getByTestId('mvcc-explorer').screenshot({ path: `${artifacts}/mvcc-anomalies.png` });
    await page.close();
  });

  it('deadlock: the cycle is drawn; PostgreSQL’s rule kills T1, least work kills T2', async () => {
    const { page } = await open(1440);
    await page.getByTestId('mvcc-tab-button-deadlock').click();
    await page.getByTestId('wait-graph').waitFor();
    await page.locator('figcaption li', { hasText: 'T1 waits for T2' }).waitFor();
    expect(await page.locator('.mvcc-wait.cycle').count()).toBe(2);
    await page.getByTestId('step-next').click();
    await page.locator('[data-testid=wait-node-s1].victim').waitFor();
    await page.getByTestId('rule-least-work').click();
    await page.getByTestId('step-end').click();
    await page.locator('[data-testid=wait-node-s2].victim').waitFor();
    await page.close();
  });

  it('job queue: SKIP LOCKED workers never wait; plain FOR UPDATE workers queue; no overflow at 390 px', async () => {
    const { page, errors } = await open(390);
    await page.getByTestId('mvcc-tab-button-queue').click();
    await page
      .getByTestId('queue-skip')
      .getByText(/0 lock waits/)
      .waitFor();
    const plain = await page.getByTestId('queue-plain').locator('figcaption').textContent();
    expect(Number(/(\d+) lock waits/.exec(plain ?? '')?.[1])).toBeGreaterThan(0);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });
});
