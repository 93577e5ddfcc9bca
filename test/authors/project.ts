// An author's project outside the repo, as `npm install` would leave it: the project's files copied into a
// temporary folder, and in its node_modules `bakebot` (what `file:../..` or the npm package gives) and the
// tools its package.json lists. Links to the repo's installed copies stand in for the install (tests never run
// npm install); nothing is written into the repo's node_modules.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, realpathSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../core/bot.ts';
import { tempDir } from '../core/helpers.ts';

const run = promisify(execFile);
const MODULES = realpathSync(path.join(PROJECT_ROOT, 'node_modules'));
/** What an author's package.json lists (bakebot, the test and type tools) and npm would install. */
const INSTALLED = ['chai', 'mocha', 'tsx', 'typescript', '@types'];

/** A copy of `source` (without its node_modules and builds) in a temporary folder, "installed". */
export function authorProject(source?: string): string {
  const dir = tempDir('bakebot-author-');
  if (source) cpSync(source, dir, { recursive: true, filter: (f) => !/[\\/](node_modules|\.build)$/.test(f) });
  install(dir);
  return dir;
}

/** Makes `bakebot` and the author's tools resolvable from `dir`, as an install would. */
export function install(dir: string): void {
  const modules = path.join(dir, 'node_modules');
  mkdirSync(modules, { recursive: true });
  symlinkSync(PROJECT_ROOT, path.join(modules, 'bakebot'), 'dir');
  for (const name of INSTALLED) symlinkSync(path.join(MODULES, name), path.join(modules, name), 'dir');
}

/** `tsc --noEmit -p dir`; resolves with its output, rejects with it when there are errors. */
export async function typecheck(dir: string): Promise<void> {
  try {
    await run(process.execPath, [path.join(MODULES, 'typescript', 'bin', 'tsc'), '--noEmit', '-p', dir], { cwd: dir });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`tsc failed in ${dir}:\n${e.stdout ?? ''}${e.stderr ?? ''}`, { cause: err });
  }
}

/** Runs the project's mocha tests (as its `npm test` does); resolves with mocha's report. */
export async function runTests(dir: string): Promise<string> {
  try {
    const { stdout } = await run(process.execPath, [path.join(MODULES, 'mocha', 'bin', 'mocha.js'), '--no-config', '--import=tsx', '--timeout', '20000', '--exit', 'test/**/*.test.ts'], {
      cwd: dir,
      env: { ...process.env, BAKEBOT_TEST_LOGS: '' },
    });
    return stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`the project's tests failed in ${dir}:\n${e.stdout ?? ''}${e.stderr ?? ''}`, { cause: err });
  }
}
