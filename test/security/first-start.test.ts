// The first start never loses the way in (issue 19): a generated dashboard password is printed at every start
// until someone logs in with it, so a first start whose port was taken (the dashboard failed, the password
// scrolled away) is followed by a start on a free port that prints it again, and it logs in.
import net from 'node:net';
import { rmSync } from 'node:fs';
import { expect } from 'chai';
import { Client } from '../../plugins/dashboard/test/helpers.ts';
import { startTestBot } from '../support/kit.ts';
import { printedPassword, startDashboard, type SecurityBot } from './support.ts';

describe('security: the first start never loses the way in', function () {
  this.timeout(30_000);
  let blocker: net.Server | undefined;
  let s: SecurityBot | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await s?.t.stop();
    s = undefined;
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
    await new Promise<void>((resolve) => (blocker ? blocker.close(() => resolve()) : resolve()));
    blocker = undefined;
  });

  it('prints the password when the port is taken, and again on a free port until someone logs in with it', async () => {
    blocker = net.createServer();
    await new Promise<void>((resolve) => blocker!.listen(0, '127.0.0.1', () => resolve()));
    const taken = (blocker.address() as net.AddressInfo).port;

    // First start: the port is taken; the dashboard fails, but the password was printed before listening.
    const terminal: string[] = [];
    const first = await startTestBot({ plugins: ['dashboard'], env: {}, config: { plugins: { dashboard: { port: taken } } }, logWrite: (line) => terminal.push(line) });
    const printed = printedPassword(terminal);
    expect(printed).to.have.length.above(12);
    expect(first.host.plugin('dashboard')?.state).to.equal('failed');
    expect(first.host.plugin('dashboard')?.error).to.match(/port .* in use/);
    dir = first.dir;
    await first.stop({ keepDir: true });

    // Second start, a free port, same data folder: the same password is printed again, and it logs in.
    s = await startDashboard({ env: {}, dir });
    dir = undefined;
    expect(printedPassword(s.terminal)).to.equal(printed);
    expect((await new Client(s.url).login('wrong password')).status).to.not.equal(303);
    expect((await new Client(s.url).login(printed)).status).to.equal(303);
    const dataDir = s.t.dir;
    await s.t.stop({ keepDir: true });

    // Someone logged in: the next start prints no password.
    s = await startDashboard({ env: {}, dir: dataDir });
    expect(printedPassword(s.terminal)).to.equal('');
    expect((await new Client(s.url).login(printed)).status).to.equal(303);
  });
});
