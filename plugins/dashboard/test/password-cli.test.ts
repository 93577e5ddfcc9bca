// `npm run dashboard:password` run as a child process against the data folder of a running bot: the new
// password logs in over HTTP at once (no restart), the old password and every old session are refused.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { startTestBot, type TestBot } from '../../../test/support/kit.ts';
import { Client } from './helpers.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../../..');
const CLI = path.join(ROOT, 'plugins/dashboard/password-cli.ts');
const TSX = path.join(ROOT, 'node_modules/tsx/dist/cli.mjs');

function runCli(dataDir: string, args: string[] = [], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, BAKEBOT_DATA_DIR: dataDir };
  delete env.DASHBOARD_PASSWORD;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TSX, CLI, ...args], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

describe('dashboard: npm run dashboard:password', function () {
  this.timeout(60_000);
  let t: TestBot;
  let url: string;
  const terminal: string[] = [];

  before(async () => {
    t = await startTestBot({ plugins: ['dashboard'], config: { plugins: { dashboard: { port: 0 } } }, logWrite: (line) => terminal.push(line) });
    url = t.service('dashboard').url ?? '';
  });
  after(() => t?.stop());

  it('sets a generated password the running bot accepts at once, and ends every session', async () => {
    const first = /: (\S+)$/.exec([...terminal].reverse().find((l) => l.includes('dashboard password (shown only')) ?? '')?.[1] ?? '';
    expect(first, 'the generated password on the terminal').to.have.length.above(10);
    expect(terminal.join('\n')).to.include('npm run dashboard:password');
    const old = new Client(url);
    expect((await old.login(first)).status).to.equal(303);
    expect((await old.get('/')).status).to.equal(200);

    const run = await runCli(path.join(t.dir, 'data'));
    expect(run.code, run.stderr).to.equal(0);
    const next = /New dashboard password: (\S+)/.exec(run.stdout)?.[1] ?? '';
    expect(next).to.have.length.above(10);
    expect(run.stdout).to.match(/1 login session\(s\) ended/);
    expect(run.stdout).to.include('no restart needed');

    // The old session is over: its cookie leads to the login page.
    const after = await old.get('/');
    expect(after.status).to.be.oneOf([302, 303]);
    expect(after.headers.location).to.match(/^\/login/);
    expect((await new Client(url).login(first)).status, 'the old password').to.not.equal(303);
    const fresh = new Client(url);
    const r = await fresh.login(next);
    expect(r.status).to.equal(303);
    expect(r.headers.location).to.equal('/');
    expect((await fresh.get('/')).status).to.equal(200);
  });

  it('reads the password from stdin with --stdin and refuses a short one, changing nothing', async () => {
    const short = await runCli(path.join(t.dir, 'data'), ['--stdin'], 'short\n');
    expect(short.code).to.equal(2);
    expect(short.stderr).to.include('at least 10 characters');

    const chosen = 'a long chosen password';
    const run = await runCli(path.join(t.dir, 'data'), ['--stdin'], `${chosen}\n`);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.not.include(chosen);
    expect((await new Client(url).login(chosen)).status).to.equal(303);
  });

  it('says so when the data folder does not exist', async () => {
    const run = await runCli(path.join(t.dir, 'no-such-folder'));
    expect(run.code).to.equal(2);
    expect(run.stderr).to.include('BAKEBOT_DATA_DIR');
  });
});
