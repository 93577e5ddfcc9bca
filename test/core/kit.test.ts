// The test kit itself: t.idle() waits for what the bot was told, t.repliesTo() needs no sleep to tell
// silence, eventually() reports what it waited for, and stop() fails when a bot leaves something open.
import { expect } from 'chai';
import { eventually, FakeClock, type TestBot } from '../support/kit.ts';
import { cleanup, newProbe, pluginFolder, startCoreBot, type Probe } from './helpers.ts';

describe('test kit', () => {
  let probe: Probe;
  beforeEach(() => {
    probe = newProbe();
  });
  afterEach(cleanup);

  it('t.idle() resolves once chat is handled, replies are out and batches are committed', async () => {
    const folder = pluginFolder({
      name: 'slowpoke',
      migrations: 'migrations',
      setup: `
        const notes = ctx.db.batch({ flush: (rows, tx) => tx.insertMany('slowpoke_notes', ['text'], rows.map((r) => [r])) });
        ctx.hooks.chatMessage.tap((m) => { notes.push(m.text); });
        ctx.commands.register({ name: 'later', description: 'd', run: async (call) => {
          P.push('later started');
          await P.gate('later');
          await call.reply('finally');
        } });
        ctx.commands.register({ name: 'quiet', description: 'd', run: async () => { await ctx.db.get('SELECT 1'); } });
      `,
    });
    folder.migration('slowpoke', '001-notes.sql', 'CREATE TABLE slowpoke_notes (text TEXT NOT NULL);');
    const t = await startCoreBot({ folder });
    const m = t.say('alice', '!later');
    let idle = false;
    const waiting = t.idle().then(() => (idle = true));
    await probe.waitFor('later started');
    await new Promise((r) => setImmediate(r));
    expect(idle).to.equal(false);
    probe.open('later');
    await waiting;
    // Idle means done: the reply is out and the write-behind batch is committed, without a sleep.
    expect(t.outputs.filter((o) => o.replyTo === m.id).map((o) => o.text)).to.deep.equal(['finally']);
    expect(await t.storage.all('SELECT text FROM slowpoke_notes')).to.deep.equal([{ text: '!later' }]);
    // Silence is told at once: the command ran and said nothing.
    const started = Date.now();
    expect(await t.repliesTo('bob', '!quiet')).to.deep.equal([]);
    expect(Date.now() - started).to.be.below(1000);
  });

  it('t.idle() fails, with what it waited for, when the bot never gets idle', async () => {
    const folder = pluginFolder({
      name: 'stuck',
      setup: `ctx.commands.register({ name: 'stuck', description: 'd', run: () => P.gate('never') });`,
    });
    const t = await startCoreBot({ folder });
    t.say('alice', '!stuck');
    let failure: Error | undefined;
    await t.idle({ timeout: 200 }).catch((err: Error) => (failure = err));
    expect(failure?.message).to.match(/t\.idle\(\) timed out after 200 ms: the bot is still handling chat/);
    probe.open('never');
    await t.idle();
  });

  it('eventually() returns the first truthy value, and reports the last failure when time runs out', async () => {
    let n = 0;
    expect(await eventually(() => ++n >= 3 && n)).to.equal(3);
    let failure: Error | undefined;
    await eventually(() => expect(1).to.equal(2), { timeout: 50, what: 'one to be two' }).catch((err: Error) => (failure = err));
    expect(failure?.message).to.match(/^timed out after 50 ms waiting for one to be two: expected 1 to equal 2/);
  });

  describe('stop() fails when the bot leaves something open', () => {
    const globals = globalThis as { __leak?: ReturnType<typeof setTimeout> };
    afterEach(() => clearTimeout(globals.__leak));

    async function leaky(setup: string, clock?: FakeClock): Promise<TestBot> {
      return startCoreBot({ folder: pluginFolder({ name: 'leaky', setup }), clock });
    }

    it('a timer of its own, outside ctx.timers', async () => {
      const t = await leaky(`globalThis.__leak = setTimeout(() => undefined, 60_000);`);
      let failure: Error | undefined;
      await t.stop({ keepDir: true }).catch((err: Error) => (failure = err));
      expect(failure?.message).to.match(/^the bot left open after stop\(\): 1 x Timeout/);
    });

    it('a timer on the fake clock, outside ctx.timers', async () => {
      const clock = new FakeClock();
      const t = await leaky(`ctx.clock.setTimeout(() => undefined, 60_000);`, clock);
      let failure: Error | undefined;
      await t.stop({ keepDir: true }).catch((err: Error) => (failure = err));
      expect(failure?.message).to.match(/1 timer\(s\) on the fake clock/);
      await clock.advance(60_000);
    });

    it('nothing, when the plugin used ctx.timers', async () => {
      const clock = new FakeClock();
      const t = await leaky(`ctx.timers.setTimeout(() => undefined, 60_000); ctx.timers.setInterval(() => undefined, 1000);`, clock);
      await t.stop({ keepDir: true });
    });
  });
});
