// The bot as its own process against the fake Twitch: seed balances, fire a burst of !give, SIGKILL the
// process in the middle of it. Every gift the bot acknowledged in chat must be in the ledger, the books
// must balance (checked with `npm run economy:check`'s script), and the restarted bot must carry on.
import { expect } from 'chai';
import { CRASH_CHANNEL as CHANNEL, CrashRig } from '../../../test/support/crash-rig.ts';

const GIVERS = 6;
const RECEIVERS = 4;
const SEED = 1000;
const GIFTS = 300;

describe('economy: a crash in the middle of a burst of gifts', function () {
  this.timeout(120_000);
  let rig: CrashRig;

  before(async () => {
    // unsentReplyMaxAge 0: the confirmations the kill kept from being sent (up to a few hundred) would go out
    // first at Twitch's pace, ahead of the answers below; sending them is test/faults/crash-after-commit's subject.
    rig = await CrashRig.create({ name: 'crash', plugins: { economy: {} }, bot: { unsentReplyMaxAge: 0 } });
  });

  after(() => rig.close());

  it('loses no acknowledged gift and keeps the books balanced', async () => {
    await rig.start();
    // The first answer shows the bot is up and allowed to talk.
    await rig.ask('streamer', '!balance', ['broadcaster']);
    const givers = Array.from({ length: GIVERS }, (_, i) => `giver${i}`);
    const receivers = Array.from({ length: RECEIVERS }, (_, i) => `taker${i}`);
    // Recorded before the burst, so the restarted bot knows them too.
    await rig.introduce([...givers, ...receivers]);
    for (const g of givers) {
      const r = await rig.ask('streamer', `!addtokens @${g} ${SEED}`, ['broadcaster']);
      expect(r.text).to.equal(`Added ${SEED.toLocaleString('en-US')} tokens to ${g}. They have ${SEED.toLocaleString('en-US')} tokens now.`);
    }

    // The burst: every gift at once; kill the bot as soon as a few have been acknowledged.
    const gifts = new Map<string, { from: string; to: string; amount: number }>();
    for (let i = 0; i < GIFTS; i++) {
      const from = givers[i % GIVERS] as string;
      const to = receivers[i % RECEIVERS] as string;
      const amount = 1 + (i % 9);
      gifts.set(rig.fake.say(CHANNEL, { login: from, text: `!give @${to} ${amount}` }), { from, to, amount });
    }
    const acked = () => rig.delivered().filter((m) => gifts.has(m.tags['reply-parent-msg-id'] ?? ''));
    await rig.waitFor(() => acked().length >= 15, 20_000, 'gift acknowledgements');
    await rig.kill('SIGKILL');
    const acknowledged = acked();

    // The command-line check, on the database as the crash left it.
    await rig.expectBooksBalanced();

    // Every acknowledged gift is in the ledger, both sides, with the amount the bot announced.
    const committed = await rig.read(async (db) => {
      for (const m of acknowledged) {
        const id = m.tags['reply-parent-msg-id'] as string;
        const gift = gifts.get(id) as { from: string; to: string; amount: number };
        expect(m.text).to.match(new RegExp(`^${gift.from} gave ${gift.amount} tokens? to ${gift.to}! You have [\\d,]+ tokens? left\\.$`));
        const rows = await db.all<{ delta: number; key: string }[]>('SELECT delta, key FROM economy_ledger WHERE key IN (?, ?) ORDER BY key', [`give:${id}`, `give:${id}#2`]);
        expect(rows.map((r) => r.delta), `gift ${id} acknowledged but not in the ledger`).to.deep.equal([-gift.amount, gift.amount]);
      }
      const totals = await db.get<{ tokens: number; ledger: number }>('SELECT (SELECT sum(tokens) FROM economy_accounts) AS tokens, (SELECT sum(delta) FROM economy_ledger) AS ledger');
      expect(totals).to.deep.equal({ tokens: SEED * GIVERS, ledger: SEED * GIVERS });
      return (await db.get<{ n: number }>("SELECT count(*) AS n FROM economy_ledger WHERE kind = 'transfer' AND delta < 0"))?.n ?? 0;
    });
    expect(committed).to.be.at.least(acknowledged.length);
    if (process.env.SHOW_CRASH) process.stdout.write(`      ${acknowledged.length} acknowledged, ${committed} committed of ${GIFTS} sent before the kill\n`);

    // The restarted bot carries on from the same books.
    await rig.start();
    // The crashed run's sends still count in Twitch's 30 s window (data/chat-sends.json): if it got close to
    // the moderator limit (100) before the kill, as it can on a loaded machine, the restarted bot rightly waits
    // for room before it answers.
    const windowMs = 30_000;
    const r = await rig.ask('giver0', '!balance', [], windowMs + 15_000);
    expect(r.text).to.match(/^giver0, you have [\d,]+ tokens\.$/);
    const after = await rig.ask('giver1', '!give @taker0 1', [], windowMs + 15_000);
    expect(after.text).to.match(/^giver1 gave 1 token to taker0!/);
    await rig.kill('SIGTERM');
  });
});
