/** Debian's Chromium driven by playwright-core (never a downloaded browser), plus a built, served lab. */
import { chromium, type Browser } from 'playwright-core';
import { build, preview, type PreviewServer } from 'vite';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export const chromiumPath = '/usr/bin/chromium';
const labRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Builds the lab into packages/lab/dist and serves it on a free loopback port. */
export async function serveBuiltLab(): Promise<{ url: string; close: () => Promise<void> }> {
  const configFile = join(labRoot, 'vite.config.ts');
  await build({ configFile, logLevel: 'warn' });
  const server: PreviewServer = await preview({
    configFile,
    preview: { port: 0, host: '127.0.0.1' },
    logLevel: 'warn',
  });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('vite preview did not report a URL');
  return { url, close: () => server.close() };
}
