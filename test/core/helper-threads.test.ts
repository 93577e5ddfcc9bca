// V8's helper threads run as batch threads, so a woken helper never preempts the main thread
// (core/helper-threads.ts). Node names no thread: these tests check that the threads found are the ones doing
// V8's garbage collection, and that the class is set, as the kernel reports it.
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { batchV8Helpers, poolSize, v8HelperThreads } from '../../core/helper-threads.ts';
import { schedulingPolicy } from '../support/scheduling.ts';

/** Time each thread of this process has run (ns), from the scheduler's own count. */
function runTimes(): Map<number, number> {
  const times = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task').map(Number)) {
    try {
      times.set(tid, Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]));
    } catch {
      // The thread ended meanwhile.
    }
  }
  return times;
}

const policyOf = (tid: number) => schedulingPolicy('self', tid);

describe('core: V8 helper threads as batch threads', () => {
  it('reads --v8-pool-size from the flags (Node uses 4 without it; 0 leaves the count to V8, so none are found)', () => {
    expect(poolSize([])).to.equal(4);
    expect(poolSize(['--no-memory-reducer', '--v8-pool-size=2'])).to.equal(2);
    expect(poolSize(['--v8_pool_size=6'])).to.equal(6);
    expect(poolSize(['--v8-pool-size=0'])).to.equal(0);
  });

  describe('on Linux', () => {
    before(function () {
      if (process.platform !== 'linux') this.skip();
    });

    it('finds the threads that do V8\'s garbage collection, not libuv\'s pool or the main thread', () => {
      const helpers = v8HelperThreads();
      expect(helpers).to.have.length(4);
      expect(helpers).to.not.include(process.pid);
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('gc') as () => void;
      // A heap large enough that a full collection marks it in parallel, on the helpers.
      const kept = Array.from({ length: 400_000 }, (_, i) => ({ i, next: { s: `x${i}` } }));
      const before = runTimes();
      for (let i = 0; i < 5; i++) gc();
      const after = runTimes();
      expect(kept.length).to.equal(400_000);
      const gained = (tid: number) => (after.get(tid) ?? 0) - (before.get(tid) ?? 0);
      const others = [...after.keys()].filter((t) => t !== process.pid && !helpers.includes(t));
      const byHelpers = helpers.reduce((n, t) => n + gained(t), 0);
      const byOthers = others.reduce((n, t) => n + gained(t), 0);
      expect(byHelpers, 'the helpers ran during the collections').to.be.greaterThan(2e6);
      expect(byHelpers, `the helpers did most of the other threads' work (${byHelpers} ns against ${byOthers} ns)`).to.be.greaterThan(4 * byOthers);
    });

    it('moves them to the batch class through chrt, and leaves the main thread and the rest normal', async () => {
      const moved = await new Promise<readonly number[]>((resolve) => batchV8Helpers((m) => resolve(m)));
      expect(moved).to.deep.equal(v8HelperThreads());
      for (const tid of moved) expect(policyOf(tid), `thread ${tid}`).to.equal(3);
      const rest = readdirSync('/proc/self/task').map(Number).filter((t) => !moved.includes(t));
      expect(rest).to.include(process.pid);
      for (const tid of rest) expect(policyOf(tid), `thread ${tid}`).to.equal(0);
    });

    it('says why when chrt is missing, and moves nothing', async () => {
      const path = process.env.PATH;
      process.env.PATH = '/nonexistent';
      try {
        const [moved, skipped] = await new Promise<[readonly number[], string | undefined]>((resolve) => batchV8Helpers((m, s) => resolve([m, s])));
        expect(moved).to.deep.equal([]);
        expect(skipped).to.match(/chrt/);
      } finally {
        process.env.PATH = path;
      }
    });
  });
});
