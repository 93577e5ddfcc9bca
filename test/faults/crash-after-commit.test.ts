// A SIGKILL right after a commit, the bot as its own process against the fake Twitch (a test plugin's
// outgoingMessage tap holds what follows the commit while BAKEBOT_TEST_HOLD is set):
// - a !daily's confirmation is stored with it: the restarted bot sends it, once;
// - a paid !buy whose effect never ran: the restarted shop runs it, and the order is fulfilled.
import { expect } from 'chai';
import { settle } from '../support/kit.ts';
import { CRASH_CHANNEL as CHANNEL, CrashRig } from '../support/crash-rig.ts';

// Holds daily bonus confirmations and cookie lines (the cookie's effect says one) forever while
// BAKEBOT_TEST_HOLD is set: the change has committed, what follows is on its way, and the process dies there.
const HOLDER = `export default {
  name: 'holdreplies', version: '1.0.0', description: 'test: holds confirmations',
  async setup(ctx) {
    ctx.hooks.outgoingMessage.tap(async (m) => {
      if (process.env.BAKEBOT_TEST_HOLD && /^(Daily bonus|🍪)/.test(m.text)) await new Promise(() => undefined);
      return m;
    });
  },
};
`;

describe('faults: a SIGKILL right after a commit', function () {
  this.timeout(60_000);
  let rig: CrashRig;
  const HOLD = { BAKEBOT_TEST_HOLD: '1' };

  const query = <T>(sql: string) => rig.read((db) => db.get<T>(sql));
  const waitForRow = (sql: string, what: string) => rig.waitFor(async () => ((await query<{ n: number }>(sql).catch(() => undefined))?.n ?? 0) >= 1, 15_000, what);
  const repliesTo = (id: string) => rig.delivered().filter((m) => m.tags['reply-parent-msg-id'] === id);

  before(async () => {
    rig = await CrashRig.create({ name: 'confirm', plugins: { economy: {}, shop: {} }, extraPlugins: { holdreplies: { 'index.mjs': HOLDER } } });
  });

  after(() => rig.close());

  it('sends the confirmation of a committed !daily after a SIGKILL, once', async () => {
    await rig.start(HOLD);
    // A first answer: the bot is up, and its send times are on file (else the restart waits out the window).
    await rig.ask('alice', '!balance');
    await settle(100);
    const id = rig.fake.say(CHANNEL, { login: 'alice', text: '!daily' });
    // Committed: the bonus is in the ledger and its confirmation in the outbox table, not yet sent.
    await waitForRow("SELECT count(*) AS n FROM core_outbox WHERE text LIKE 'Daily bonus%'", 'the confirmation was not stored');
    expect((await query<{ n: number }>("SELECT count(*) AS n FROM economy_ledger WHERE reason LIKE '%daily%'"))?.n).to.equal(1);
    await rig.kill('SIGKILL');
    expect(repliesTo(id)).to.have.length(0);

    await rig.start();
    await rig.waitFor(() => repliesTo(id).length > 0, 15_000, 'the stored confirmation');
    expect(repliesTo(id)[0]?.text).to.match(/^Daily bonus: \+\d+ tokens?! You have \d+ tokens?\.$/);
    // Sent means deleted: a second restart would not send it again.
    await settle(300);
    expect((await query<{ n: number }>('SELECT count(*) AS n FROM core_outbox'))?.n).to.equal(0);
    expect(repliesTo(id)).to.have.length(1);
    await rig.kill('SIGTERM');
  });

  it('runs the effect of a paid order a SIGKILL interrupted, at the next start', async () => {
    await rig.start(HOLD);
    await rig.ask(CHANNEL, '!addtokens @alice 100', ['broadcaster']);
    rig.fake.say(CHANNEL, { login: 'alice', text: '!buy cookie' });
    // Paid and recorded; its effect (a chat line) is held, so the verdict is not.
    await waitForRow("SELECT count(*) AS n FROM shop_redemptions WHERE effect_due = 1 AND status = 'pending'", 'the order was not recorded');
    await rig.kill('SIGKILL');

    await rig.start();
    const line = await rig.waitFor(() => rig.delivered().find((m) => m.text.startsWith('🍪 alice munches 1')), 15_000, "the cookie's line");
    expect(line.text).to.include('chocolate chip cookie');
    await rig.waitFor(() => rig.delivered().find((m) => /@alice your Chocolate Chip Cookie \(order #1\) is delivered now/.test(m.text)), 5000, 'the buyer told');
    await waitForRow("SELECT count(*) AS n FROM shop_redemptions WHERE id = 1 AND status = 'fulfilled' AND effect_due = 0", 'the order is not fulfilled');
    const books = await query<{ tokens: number; ledger: number }>('SELECT (SELECT sum(tokens) FROM economy_accounts) AS tokens, (SELECT sum(delta) FROM economy_ledger) AS ledger');
    expect(books?.tokens).to.equal(books?.ledger);
    await rig.kill('SIGTERM');
  });
});
