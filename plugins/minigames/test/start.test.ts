// Other ways a game starts: a shop item with the start_game effect (refunded by the shop when a game already
// runs), and the autoStart schedule (only when enough viewers chatted).
import { expect } from 'chai';
import { said, startGamesBot, type GamesBot } from './helpers.ts';

describe('minigames: games started by the shop and by the schedule', function () {
  this.timeout(30000);
  let g: GamesBot | undefined;
  afterEach(async () => {
    await g?.t.stop();
    g = undefined;
  });

  it('a start_game shop item starts its game; bought while a game runs, it is refunded', async () => {
    g = await startGamesBot({}, {
      plugins: ['shop'],
      config: { plugins: { shop: { items: { flour_fight: { name: 'Flour Fight', cost: 200, effect: 'start_game', params: { game: 'scramble' } } } } } },
    });
    const { t } = g;
    const eco = t.service('economy');
    for (const login of ['ann', 'ben']) {
      await t.bot.users.ensure({ id: `local:${login}`, login });
      await eco.credit(`local:${login}`, 500, { reason: 'test money' });
    }
    expect(t.service('shop').problems()).to.deep.equal([]);
    expect(await t.ask('ann', '!buy flour fight')).to.match(/^You bought Flour Fight/);
    await said(t, /^Word scramble! Unscramble this:/);
    expect(t.service('minigames').running()).to.deep.include({ type: 'scramble', startedBy: { kind: 'shop', id: '1', login: 'ann', name: 'ann' } });
    expect(await eco.balance('local:ann')).to.equal(300);
    expect(await t.ask('ben', '!buy flour fight')).to.equal('Sorry, Flour Fight could not be delivered (a game is already running; try again when it is over). Your 200 tokens are back: order #2 refunded.');
    expect(await eco.balance('local:ben')).to.equal(500);
  });

  it('autoStart starts the next type when enough viewers chatted, and not otherwise', async () => {
    g = await startGamesBot({ autoStart: { enabled: true, everyMinutes: 1, minChatters: 2, types: ['typerace', 'scramble'] } });
    const { t, clock } = g;
    t.say('ann', 'hello');
    await clock.advance(60_000);
    expect(t.service('minigames').running()).to.equal(undefined); // one chatter is not enough
    t.say('ann', 'still here');
    t.say('ben', 'me too');
    await clock.advance(60_000);
    await said(t, /^Typerace!/);
    expect(t.service('minigames').running()).to.deep.include({ type: 'typerace', startedBy: { kind: 'schedule', name: 'the schedule' } });
    await clock.advance(30_000); // it times out
    await said(t, /Time's up/);
    t.say('ann', 'again');
    t.say('ben', 'again');
    await clock.advance(30_000);
    await said(t, /^Word scramble!/); // the next type in turn
  });
});
