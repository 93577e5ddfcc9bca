// npm test keeps the benchmark harness working with a tiny run; the figures themselves come from `npm run bench`.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../core/bot.ts';

describe('benchmark harness (smoke run)', function () {
  // Every section of the bench in its smallest size (about 2 minutes on a quiet 2-core machine).
  this.timeout(360_000);

  it('runs every benchmark end to end and prints the table', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'bench', 'run.ts'), '--smoke'], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(code, out).to.equal(0);
    for (const row of ['ingest', '!balance latency', 'bare echo', 'durable !give', 'hot reload', 'lost during reloads', '!top with', 'GET /api/leaderboard', 'resident memory', 'EventSub storm', 'start-up']) {
      expect(out, out).to.include(row);
    }
    // Every figure was measured (a broken section shows n/a).
    expect(out).to.not.include('n/a');
    // Nothing may be lost across a reload, even in the smoke run.
    expect(out).to.match(/messages \/ replies lost during reloads\s+0 \/ 0/);
    // A redelivered EventSub event never pays twice, and none goes unpaid.
    expect(out).to.match(/EventSub double pays \/ missing credits\s+0 \/ 0/);
  });
});
