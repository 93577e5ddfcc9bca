// The database's late check runs on idle CPU only (core/idle-process.ts): on Linux in the SCHED_IDLE class,
// elsewhere at the lowest priority. The child reports its own scheduling as the kernel sees it.
import { expect } from 'chai';
import { execFileIdle } from '../../core/idle-process.ts';

/** Runs a Node child through execFileIdle that prints its scheduling policy and nice value from /proc. */
function schedulingOfChild(env?: NodeJS.ProcessEnv): Promise<{ policy: number; nice: number }> {
  const script = "const f = require('fs').readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' '); process.stdout.write(JSON.stringify({ policy: Number(f[38]), nice: Number(f[16]) }))";
  return new Promise((resolve, reject) => {
    execFileIdle(process.execPath, ['-e', script], env ? { env } : {}, (err, stdout) => (err ? reject(err) : resolve(JSON.parse(stdout) as { policy: number; nice: number })));
  });
}

describe('core: helper processes on idle CPU', () => {
  before(function () {
    if (process.platform !== 'linux') this.skip();
  });

  it('runs the child in the SCHED_IDLE class on Linux (policy 5), which yields its core to any other task', async () => {
    expect((await schedulingOfChild()).policy).to.equal(5);
  });

  it('without chrt on the PATH, runs it at the lowest priority (nice 19) in the normal class', async () => {
    expect(await schedulingOfChild({ ...process.env, PATH: '/nonexistent' })).to.deep.equal({ policy: 0, nice: 19 });
  });
});
