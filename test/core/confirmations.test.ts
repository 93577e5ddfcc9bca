// Confirmations stored with their change (core_outbox): sent after the commit and then deleted, never for a
// change that rolled back; at start, what a previous run left is sent while fresh, logged as given up when old.
import { expect } from 'chai';
import { FakeClock } from '../support/kit.ts';
import { cleanup, eventually, logLines, newProbe, pluginFolder, startCoreBot, tempDir } from './helpers.ts';

const SETUP = `
  await ctx.db.run('CREATE TABLE IF NOT EXISTS t_counts (n INTEGER)');
  ctx.commands.register({ name: 'count', description: 'd', run: async (call) => {
    await ctx.db.transaction(async (tx) => {
      await tx.run('INSERT INTO t_counts (n) VALUES (?)', [Number(call.args[0])]);
      await call.confirm(tx, 'counted ' + call.args[0]);
      if (call.args[1] === 'fail') throw new Error('the change failed after its confirmation was stored');
    });
  } });
`;

describe('core: confirmations stored with their change', () => {
  beforeEach(() => newProbe());
  afterEach(cleanup);

  it('sends the confirmation after the commit and deletes its row; a rolled-back change confirms nothing', async () => {
    const t = await startCoreBot({ folder: pluginFolder({ name: 'counter', setup: SETUP }) });
    const ok = t.say('alice', '!count 1');
    expect((await t.waitFor((o) => o.replyTo === ok.id, 3000)).text).to.equal('counted 1');
    await eventually(async () => (await t.storage.get<{ n: number }>('SELECT count(*) AS n FROM core_outbox'))?.n === 0, { timeout: 3000, what: 'the row to go' });
    const bad = t.say('alice', '!count 2 fail');
    const answer = await t.waitFor((o) => o.replyTo === bad.id, 3000);
    expect(answer.text).to.match(/failed/); // the router's apology, not "counted 2"
    expect(t.outputs.filter((o) => o.text === 'counted 2')).to.have.length(0);
    expect((await t.storage.get<{ n: number }>('SELECT count(*) AS n FROM core_outbox'))?.n).to.equal(0);
  });

  it('writes the confirmations of a transaction together, in two statements, and sends each in order', async () => {
    // A group of transfers confirms hundreds at once: a statement each was a trip to SQLite's thread each.
    const setup = `
      ctx.commands.register({ name: 'many', description: 'd', run: async (call) => {
        let statements = 0;
        await ctx.db.transaction(async (tx) => {
          const counted = { ...tx, beforeCommit: (fn) => tx.beforeCommit(fn), afterCommit: (fn) => tx.afterCommit(fn) };
          for (const k of ['get', 'all', 'run', 'exec', 'insertMany']) counted[k] = (...a) => (statements++, tx[k](...a));
          for (let i = 0; i < 300; i++) await call.confirm(counted, 'reply ' + i);
        });
        await call.reply('statements ' + statements);
      } });
    `;
    const t = await startCoreBot({ folder: pluginFolder({ name: 'many', setup }) });
    const m = t.say('alice', '!many');
    await eventually(() => t.outputs.filter((o) => o.replyTo === m.id).length === 301, { timeout: 5000, what: 'every reply' });
    const texts = t.outputs.filter((o) => o.replyTo === m.id).map((o) => o.text);
    expect(texts.filter((x) => x.startsWith('reply '))).to.deep.equal(Array.from({ length: 300 }, (_, i) => `reply ${i}`));
    expect(texts).to.include('statements 2');
    await eventually(async () => (await t.storage.get<{ n: number }>('SELECT count(*) AS n FROM core_outbox'))?.n === 0, { timeout: 3000, what: 'the rows to go' });
  });

  it('at start sends what the last run left while fresh, and logs older ones as given up with their text', async () => {
    const dir = tempDir('bakebot-bot-');
    const clock = new FakeClock('2026-01-15T12:00:00Z');
    const folder = pluginFolder({ name: 'counter', setup: SETUP });
    const first = await startCoreBot({ folder, dir, clock, config: { bot: { unsentReplyMaxAge: 120 } } });
    const now = clock.now();
    // What a crash leaves: rows whose sends never happened (one a minute old, one ten minutes old).
    await first.storage.run("INSERT INTO core_outbox (plugin, channel, text, reply_to, via, created_at) VALUES ('counter', ?, 'counted 7', 'm7', 'local', ?)", ['local', now - 60_000]);
    await first.storage.run("INSERT INTO core_outbox (plugin, channel, text, reply_to, via, created_at) VALUES ('counter', ?, 'counted 8', 'm8', 'local', ?)", ['local', now - 600_000]);
    await first.bot.stop();
    const t = await startCoreBot({ folder, dir, clock });
    const sent = await t.waitFor((o) => o.replyTo === 'm7', 3000, 'the fresh confirmation');
    expect(sent.text).to.equal('counted 7');
    expect(t.outputs.filter((o) => o.replyTo === 'm8')).to.have.length(0);
    await eventually(async () => (await t.storage.get<{ n: number }>('SELECT count(*) AS n FROM core_outbox'))?.n === 0, { timeout: 3000, what: 'the rows to go' });
    expect(logLines(t, 'warn').join('\n')).to.match(/gave up a confirmation the last run could not send: it is 600 s old/);
    expect(JSON.stringify(t.bot.logs.recent().filter((e) => /gave up a confirmation/.test(e.msg)))).to.include('counted 8');
  });

  it('gives up any number of stale confirmations beside the start (more than one statement can bind)', async () => {
    const dir = tempDir('bakebot-bot-');
    const clock = new FakeClock('2026-01-15T12:00:00Z');
    const folder = pluginFolder({ name: 'counter', setup: SETUP });
    const first = await startCoreBot({ folder, dir, clock, config: { bot: { unsentReplyMaxAge: 120 } } });
    // 33,000 rows left by a crash in a long burst: more than SQLite's 32,766 bound values of one statement.
    await first.storage.run(
      "WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < 32999) INSERT INTO core_outbox (plugin, channel, text, reply_to, via, created_at) SELECT 'counter', 'local', 'old ' || i, 'r' || i, 'local', ? FROM s",
      [clock.now() - 3_600_000],
    );
    await first.bot.stop();
    const t = await startCoreBot({ folder, dir, clock });
    await eventually(async () => (await t.storage.get<{ n: number }>('SELECT count(*) AS n FROM core_outbox'))?.n === 0, { timeout: 10_000, what: 'the stale rows to go' });
    expect(t.outputs.filter((o) => /^old /.test(o.text))).to.have.length(0);
    expect(t.bot.logs.recent().filter((e) => /gave up a confirmation the last run could not send/.test(e.msg)).length).to.be.greaterThan(0);
  });
});
