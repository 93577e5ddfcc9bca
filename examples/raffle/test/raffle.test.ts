// The raffle against a real bot (the economy running, real SQLite, fake clock), as its author tests it.
import { expect } from 'chai';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FakeClock, startTestBot, type TestBot } from 'bakebot/testkit';
import { lastRounds, roundsTable } from '../web.ts';

const HERE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MOD = { login: 'amod', roles: ['moderator' as const] };

async function bot(clock = new FakeClock()): Promise<TestBot> {
  const t = await startTestBot({
    plugins: ['economy'],
    pluginPaths: [HERE],
    clock,
    config: { bot: { commandCooldown: 0 }, plugins: { raffle: { durationSeconds: 60 } } },
  });
  for (const login of ['alice', 'bob']) await t.service('economy').credit(`local:${login}`, 50, { reason: 'test money', source: 'test' });
  return t;
}

describe('raffle (example plugin)', () => {
  it('holds tickets in escrow and pays the whole pot to one winner when the time is up', async () => {
    const clock = new FakeClock();
    const t = await bot(clock);
    try {
      const eco = t.service('economy');
      expect(await t.ask(MOD, '!startraffle 20')).to.match(/Raffle #1 is open/);
      expect(await t.ask('alice', '!raffle')).to.equal('You are in raffle #1 (20 tokens).');
      expect(await t.ask('alice', '!raffle')).to.equal('You already have a ticket for raffle #1.');
      expect(await t.ask('bob', '!raffle')).to.equal('You are in raffle #1 (20 tokens).');
      expect((await eco.stats()).escrowed).to.equal(40);
      await clock.advance(60_000);
      const said = await t.waitFor((o) => /wins raffle #1/.test(o.text));
      expect(said.text).to.match(/^@(alice|bob) wins raffle #1 and 40 tokens!$/);
      const balances = [await eco.balance('local:alice'), await eco.balance('local:bob')].sort();
      expect(balances).to.deep.equal([30, 70]);
      expect((await eco.stats()).escrowed).to.equal(0);
      expect((await eco.check()).ok).to.equal(true);
    } finally {
      await t.stop();
    }
  });

  it('refunds a raffle with a single player, and tells a viewer who cannot pay', async () => {
    const t = await bot();
    try {
      await t.ask(MOD, '!startraffle 80');
      expect(await t.ask('alice', '!raffle')).to.equal('A ticket costs 80 tokens; you have 50 tokens.');
      await t.ask(MOD, '!startraffle');
      expect(await t.ask('carol', '!raffle')).to.match(/A ticket costs/);
      expect(await t.ask(MOD, '!drawraffle')).to.equal('Raffle #1 needed two players; tickets refunded.');
      expect(await t.ask(MOD, '!startraffle 10')).to.match(/Raffle #2 is open/);
      await t.ask('alice', '!raffle');
      expect(await t.ask(MOD, '!drawraffle')).to.equal('Raffle #2 needed two players; tickets refunded.');
      expect(await t.service('economy').balance('local:alice')).to.equal(50);
    } finally {
      await t.stop();
    }
  });

  it('keeps the open raffle across a reload (hand-over), and refunds it after a restart', async () => {
    const clock = new FakeClock();
    const t = await bot(clock);
    try {
      await t.ask(MOD, '!startraffle 10');
      await t.ask('alice', '!raffle');
      await t.reload('raffle');
      expect(await t.ask('bob', '!raffle')).to.equal('You are in raffle #1 (10 tokens).');
      await t.ask(MOD, '!startraffle 10').then((r) => expect(r).to.equal('Raffle #1 is still open.'));
      await t.stop({ keepDir: true });
      const again = await startTestBot({ dir: t.dir, keepConfig: true, pluginPaths: [HERE], clock });
      try {
        expect(await again.ask('bob', '!raffle')).to.equal('No raffle is open.');
        expect(await again.service('economy').balance('local:bob')).to.equal(50);
        expect((await again.service('economy').stats()).escrowed).to.equal(0);
      } finally {
        await again.stop();
      }
    } catch (err) {
      await t.stop().catch(() => undefined);
      throw err;
    }
  });

  it('lists the rounds on its dashboard page, winners by login', async () => {
    const t = await startTestBot({ plugins: ['economy', 'dashboard'], pluginPaths: [HERE], env: { BAKEBOT_NO_WEB: 'true' }, config: { bot: { commandCooldown: 0 } } });
    try {
      await t.service('economy').credit('local:alice', 50, { reason: 'test money', source: 'test' });
      await t.service('economy').credit('local:bob', 50, { reason: 'test money', source: 'test' });
      await t.ask(MOD, '!startraffle 5');
      await t.ask('alice', '!raffle');
      await t.ask('bob', '!raffle');
      const winner = (await t.ask(MOD, '!drawraffle')).match(/^@(\w+) wins/)?.[1];
      await t.ask(MOD, '!startraffle 7');
      const dash = t.service('dashboard');
      const rows = await lastRounds(t.storage, async (id) => (await t.bot.users.byId(id))?.login);
      const html = roundsTable(dash, rows).__safeHtml;
      expect(html).to.match(/<td>2<\/td><td>7<\/td><td>0<\/td><td><span class="badge tone-warn">open<\/span><\/td><td>—<\/td>/);
      expect(html).to.include(`<td>1</td><td>5</td><td>2</td><td><span class="badge tone-ok">drawn</span></td><td>${winner}</td>`);
    } finally {
      await t.stop();
    }
  });
});
