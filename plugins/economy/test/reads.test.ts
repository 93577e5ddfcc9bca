// The hot reads: `!top` answered from a kept top while nothing the economy changed can have moved it,
// bans applied at once.
import { expect } from 'chai';
import { settle, startTestBot, type TestBot } from '../../../test/support/kit.ts';
import type { EconomyService } from '../service.ts';

describe('economy: hot reads', function () {
  this.timeout(20000);
  let t: TestBot;
  let eco: EconomyService;

  beforeEach(async () => {
    t = await startTestBot({ plugins: ['economy'], config: { bot: { commandCooldown: 0 } } });
    eco = t.service('economy');
  });
  afterEach(async () => {
    await t.stop();
  });

  it('!top is kept until the economy changes the board; a ban takes a viewer off at once', async () => {
    for (const [name, tokens] of [['ann', 30], ['ben', 20], ['cat', 10]] as const) {
      t.say(name, 'hi');
      await eco.credit(`local:${name}`, tokens, { reason: 'seed' });
    }
    await settle(300); // core has written the names
    expect(await t.ask('zed', '!top tokens')).to.equal('Top by tokens: 1. ann (30) · 2. ben (20) · 3. cat (10)');
    // Behind the economy's back (nothing does this but a test): the kept top does not see it.
    await t.storage.run("UPDATE economy_accounts SET tokens = 99 WHERE user_id = 'local:cat'");
    expect(await t.ask('zed', '!top tokens')).to.equal('Top by tokens: 1. ann (30) · 2. ben (20) · 3. cat (10)');
    await t.storage.run("UPDATE economy_accounts SET tokens = 10 WHERE user_id = 'local:cat'");
    // A change through the economy is seen by the next !top.
    await eco.transfer('local:ben', 'local:cat', 15, { reason: 'gift' });
    expect(await t.ask('zed', '!top tokens')).to.equal('Top by tokens: 1. ann (30) · 2. cat (25) · 3. ben (5)');
    expect((await eco.leaderboard('tokens', 2)).map((r) => [r.rank, r.login])).to.deep.equal([[1, 'ann'], [2, 'cat']]);
    await t.bot.users.setBanned('local:ann', true);
    expect(await t.ask('zed', '!top tokens')).to.equal('Top by tokens: 1. cat (25) · 2. ben (5)');
    // Paging past the kept rows reads the database.
    expect((await eco.leaderboard('tokens', 5, 1)).map((r) => [r.rank, r.login])).to.deep.equal([[2, 'ben']]);
    expect((await eco.check()).ok).to.equal(true);
  });

  it('!balance: one row, names from chat; excluded and held tokens shown', async () => {
    await eco.credit('local:amy', 12, { reason: 'seed' });
    await eco.hold('local:amy', 2, { reason: 'bet' });
    expect(await t.ask('amy', '!balance')).to.equal('amy, you have 10 tokens (+2 tokens in open bets).');
    await eco.setExcluded('local:amy', true);
    expect(await t.ask('amy', '!balance')).to.equal('amy, you have 10 tokens (+2 tokens in open bets). (excluded from the economy)');
    expect(await t.ask('newbie', '!balance')).to.equal('newbie, you have 0 tokens.');
  });
});
