// The one way browser tests find and start Chromium: CHROMIUM_PATH, else a chromium/chrome on PATH, else
// playwright's browser cache. Without any, the test file is skipped with a message saying how to get one
// (CI installs Chromium, so CI always runs them).
import { existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'chrome'];

function onPath(env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    for (const name of NAMES) {
      const file = path.join(dir, name);
      if (existsSync(file)) return file;
    }
  }
  return undefined;
}

function inPlaywrightCache(env: NodeJS.ProcessEnv): string | undefined {
  const root = env.PLAYWRIGHT_BROWSERS_PATH || path.join(os.homedir(), '.cache', 'ms-playwright');
  if (!existsSync(root)) return undefined;
  const builds = readdirSync(root).filter((d) => /^chromium(_headless_shell)?-\d+$/.test(d)).sort().reverse();
  for (const b of builds) {
    for (const rel of ['chrome-linux/chrome', 'chrome-linux64/chrome', 'chrome-linux/headless_shell', 'chrome-mac/Chromium.app/Contents/MacOS/Chromium', 'chrome-win/chrome.exe']) {
      const file = path.join(root, b, rel);
      if (existsSync(file)) return file;
    }
  }
  return undefined;
}

/** Where Chromium is, or undefined. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.CHROMIUM_PATH) return existsSync(env.CHROMIUM_PATH) ? env.CHROMIUM_PATH : undefined;
  return onPath(env) ?? inPlaywrightCache(env);
}

/**
 * Starts headless Chromium for a test file (call it in `before`, once per file); skips the file with a
 * message when there is no Chromium on this computer.
 */
export async function launchChromium(mocha: Mocha.Context): Promise<Browser> {
  const executablePath = findChromium();
  if (!executablePath) {
    console.warn('    (skipped: no Chromium found; set CHROMIUM_PATH, put chromium on PATH, or run `npx playwright install chromium`)');
    mocha.skip();
  }
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS });
}
