// The hot reads: `!top` answered from a kept top while nothing the economy changed can have moved it,
// bans applied at once.
import { expect } from 'chai';
import { startTestBot, type TestBot } from '../../../test/support/kit.ts';
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
    await t.idle(); // core has written the names
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

  it('chat XP updates the kept XP top in place, exactly as a fresh read would order it', async () => {
    await t.stop();
    t = await startTestBot({ plugins: ['economy'], config: { bot: { commandCooldown: 0 }, plugins: { economy: { participationCooldown: 0 } } } });
    eco = t.service('economy');
    const chat = async (who: string, times: number) => {
      for (let i = 0; i < times; i++) t.say(who, `hello ${i}`);
      await eco.flush();
    };
    await chat('ann', 3);
    await chat('ben', 2);
    await chat('cat', 1);
    expect(await t.ask('zed', '!top')).to.equal('Top by XP: 1. ann (Lv 1, 3 XP) · 2. ben (Lv 1, 2 XP) · 3. cat (Lv 1, 1 XP)');
    // Behind the economy's back: if the top were read again, ben would show 99.
    await t.storage.run("UPDATE economy_accounts SET xp = 99 WHERE user_id = 'local:ben'");
    await chat('dan', 5); // a newcomer enters
    await chat('eve', 3); // ties ann: the user id orders them, as in SQL
    await chat('cat', 1);
    expect(await t.ask('zed', '!top')).to.equal('Top by XP: 1. dan (Lv 1, 5 XP) · 2. ann (Lv 1, 3 XP) · 3. eve (Lv 1, 3 XP) · 4. ben (Lv 1, 2 XP) · 5. cat (Lv 1, 2 XP)');
    await t.storage.run("UPDATE economy_accounts SET xp = 2 WHERE user_id = 'local:ben'");

    // Many random rounds against a fresh read of the board (more viewers than the kept ten).
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const viewers = Array.from({ length: 30 }, (_, i) => `v${String(i).padStart(2, '0')}`);
    for (let round = 0; round < 25; round++) {
      for (let k = 0; k < 12; k++) {
        const who = viewers[Math.floor(random() * viewers.length)] as string;
        for (let m = Math.floor(random() * 4); m > 0; m--) t.say(who, 'chat');
      }
      await eco.flush();
      const kept = (await eco.leaderboard('xp', 10)).map((r) => `${r.login}:${r.xp}`);
      const fresh = (await t.storage.all<{ user_id: string; xp: number }>("SELECT user_id, xp FROM economy_accounts WHERE xp > 0 AND is_excluded = 0 ORDER BY xp DESC, user_id LIMIT 10")).map((r) => `${r.user_id.replace('local:', '')}:${r.xp}`);
      expect(kept, `round ${round}`).to.deep.equal(fresh);
    }
  });
});
