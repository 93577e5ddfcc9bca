// The two ways a streamer meets the bot without Twitch: `npm start` in local mode, and `npm run chat`.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { BOT_NODE_FLAGS, PROJECT_ROOT } from '../../core/bot.ts';
import { schedulingPolicy } from '../support/scheduling.ts';

function run(script: string, dir: string, extraEnv: NodeJS.ProcessEnv = {}): ChildProcess & { output: () => string } {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    BAKEBOT_CONFIG: path.join(dir, 'bakebot.yaml'),
    BAKEBOT_DATA_DIR: path.join(dir, 'data'),
    BAKEBOT_NO_WEB: '1',
    LOG_LEVEL: 'info',
    ...extraEnv,
  };
  // `npm start` runs core compiled (core/start.mjs); the other tools run their sources with tsx.
  const args = script === 'start.mjs' ? [...BOT_NODE_FLAGS, path.join(PROJECT_ROOT, 'core', script)] : ['--import', 'tsx', path.join(PROJECT_ROOT, 'core', script)];
  const child = spawn(process.execPath, args, { cwd: PROJECT_ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return Object.assign(child, { output: () => out });
}

/** Resolves when the output matches (checked as it arrives); fails at once when the process exits first. */
function waitForOutput(p: ReturnType<typeof run>, re: RegExp, ms = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      done();
      reject(new Error(`expected ${re} in output (${why}):\n${p.output()}`));
    };
    // Registered after run()'s own listeners, so the output already holds the chunk when this looks.
    const check = () => {
      if (!re.test(p.output())) return;
      done();
      resolve();
    };
    // 'close' comes after the last output of an ended process.
    const exit = () => (re.test(p.output()) ? (done(), resolve()) : fail('the process ended'));
    const timer = setTimeout(() => fail(`nothing matched within ${ms} ms`), ms);
    const done = () => {
      clearTimeout(timer);
      p.stdout?.off('data', check);
      p.stderr?.off('data', check);
      p.off('close', exit);
    };
    p.stdout?.on('data', check);
    p.stderr?.on('data', check);
    p.once('close', exit);
    check();
  });
}

function exited(p: ChildProcess): Promise<number | null> {
  return p.exitCode !== null ? Promise.resolve(p.exitCode) : new Promise((r) => p.once('exit', (code) => r(code)));
}

describe('command line', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'bakebot-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('npm start runs the bot with the node flags the tests and the benchmark start it with', () => {
    const pkg = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).to.equal(['node', ...BOT_NODE_FLAGS, 'core/start.mjs'].join(' '));
  });

  it('npm start builds core ahead, and builds it again when a file it was built from changed', async () => {
    const stamp = path.join(PROJECT_ROOT, '.build', 'core-inputs.json');
    const bundle = path.join(PROJECT_ROOT, '.build', 'main.mjs');
    let p = run('start.mjs', dir);
    await waitForOutput(p, /ready:/);
    p.kill('SIGTERM');
    await exited(p);
    const inputs = JSON.parse(readFileSync(stamp, 'utf8')) as Record<string, [number, number]>;
    expect(Object.keys(inputs)).to.include.members(['core/main.ts', 'core/bot.ts', 'core/host.ts']);
    // As if core/host.ts had been edited since: the next start builds again.
    const built = statSync(bundle).mtimeMs;
    writeFileSync(stamp, JSON.stringify({ ...inputs, 'core/host.ts': [inputs['core/host.ts']![0], 1] }));
    p = run('start.mjs', dir);
    await waitForOutput(p, /ready:/);
    p.kill('SIGTERM');
    expect(await exited(p)).to.equal(0);
    expect(statSync(bundle).mtimeMs).to.be.greaterThan(built);
    expect((JSON.parse(readFileSync(stamp, 'utf8')) as Record<string, [number, number]>)['core/host.ts']![1]).to.not.equal(1);
  });

  it('npm start runs sqlite3, sqlite, tapable and Twitch\'s client from its own build, and plugins importing them get that copy', async () => {
    // Node's loader names every CommonJS file it loads: none of those packages' files may be read at a start.
    const p = run('start.mjs', dir, { NODE_DEBUG: 'module' });
    await waitForOutput(p, /ready:/);
    p.kill('SIGTERM');
    await exited(p);
    const loads = p.output().split('\n').filter((l) => /^MODULE \d+: load /.test(l));
    expect(loads.length, 'the debug output lists loads').to.be.greaterThan(0);
    expect(loads.filter((l) => /node_modules[\\/](sqlite3?|tapable)[\\/]/.test(l) && !l.endsWith('.node"'))).to.deep.equal([]);
    expect(loads.some((l) => l.includes('node_sqlite3.node')), "sqlite3's native part is loaded once, from where the build found it").to.equal(true);
    const built = readFileSync(path.join(PROJECT_ROOT, '.build', 'main.mjs'), 'utf8');
    expect(built).to.not.match(/from "(sqlite3?|tapable)"/);
    // The Twitch connection's file holds Twitch's client and what it uses (only Node's own modules stay outside).
    const thread = readFileSync(path.join(PROJECT_ROOT, '.build', 'twitch-connection.mjs'), 'utf8');
    expect(thread).to.include('class ChatClient');
    const outside = [...thread.matchAll(/(?:from |require\()"([^"]+)"/g)].map((m) => m[1]!).filter((s) => !isBuiltin(s));
    expect(outside, "ws's optional native helpers only").to.have.members(['bufferutil', 'utf-8-validate']);
  });

  it('npm start without credentials creates the config, runs in local mode and says how to connect, and stops on SIGTERM', async () => {
    const p = run('start.mjs', dir);
    await waitForOutput(p, /ready:/);
    expect(p.output()).to.match(/local mode/).and.match(/TWITCH_TOKEN/);
    expect(p.output()).to.match(/created .*bakebot\.yaml from the example/);
    expect(readFileSync(path.join(dir, 'bakebot.yaml'), 'utf8')).to.include('# BakeBot configuration.');
    p.kill('SIGTERM');
    expect(await exited(p)).to.equal(0);
    expect(p.output()).to.match(/stopped/);
    expect(existsSync(path.join(dir, 'data', 'bakebot.sqlite3'))).to.equal(true);
  });

  it('npm start runs V8\'s helper threads as batch threads, so a woken helper never preempts the main thread', async function () {
    if (process.platform !== 'linux') this.skip();
    const p = run('start.mjs', dir, { LOG_LEVEL: 'debug' });
    await waitForOutput(p, /V8's helper threads [\d, ]+ run as batch threads/);
    const helpers = /V8's helper threads ([\d, ]+) run/.exec(p.output())![1]!.split(', ').map(Number);
    const policyOf = (tid: number) => schedulingPolicy(p.pid!, tid);
    try {
      expect(helpers).to.have.length(4);
      for (const tid of helpers) expect(policyOf(tid), `helper ${tid}`).to.equal(3);
      expect(policyOf(p.pid!), 'the main thread').to.equal(0);
    } finally {
      p.kill('SIGTERM');
      await exited(p);
    }
  });

  it('npm run chat answers !help as a viewer, and mod commands after /as … --mod', async () => {
    const p = run('repl.ts', dir);
    await waitForOutput(p, /Type messages as "viewer"/);
    p.stdin?.write('!help\n');
    await waitForOutput(p, /Commands: .*!quote/);
    expect(p.output()).to.not.match(/!delquote/);
    p.stdin?.write('/as boss --mod\n');
    p.stdin?.write('!addquote the bread is a lie\n');
    await waitForOutput(p, /Saved quote #1/);
    p.stdin?.write('/quit\n');
    expect(await exited(p)).to.equal(0);
  });
});
