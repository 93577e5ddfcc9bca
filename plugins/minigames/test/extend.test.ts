// A game type from another plugin (fixtures/coinflip_game, loaded from its own folder through pluginPaths)
// played to a win through chat; its registration goes when its plugin does. And a hot reload of minigames in
// the middle of a heist: the game goes on where it was and no fee is lost.
import { expect } from 'chai';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ended, eventually, MOD, said, startGamesBot, until, type GamesBot } from './helpers.ts';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

describe('minigames: other plugins\' game types, and hot reload', function () {
  this.timeout(30000);
  let g: GamesBot | undefined;
  afterEach(async () => {
    await g?.t.stop();
    g = undefined;
  });

  it('plays a game type registered by a plugin in another folder to a win', async () => {
    g = await startGamesBot({}, { pluginPaths: [FIXTURES] });
    const { t } = g;
    const games = t.service('minigames');
    expect(games.types().find((x) => x.type === 'coinflip')).to.deep.equal({ type: 'coinflip', title: 'Coin flip', description: 'Call the coin: heads or tails. First right call wins.', usage: '[seconds]', provider: 'coinflip_game' });
    expect(await t.ask(MOD, '!game coinflip 2')).to.equal('Usage: !game <type> [options] (seconds must be a whole number, at least 5)');
    const from = t.outputs.length;
    t.say(MOD, '!game coinflip 30');
    await said(t, /^A coin spins/, from);
    t.say('hal', 'HEADS!');
    t.say('ivy', 'tails');
    const win = await said(t, /called it/, from);
    const winner = win.startsWith('hal') ? 'hal' : 'ivy';
    expect(win).to.equal(`${winner} called it: ${winner === 'hal' ? 'heads' : 'tails'}!`);
    const players = winner === 'hal' ? 1 : 2; // ivy's call comes after a win by hal
    const [game] = await eventually(() => games.history(1), (h) => h[0]?.players === players, 'the players to be recorded');
    expect(game).to.deep.include({ type: 'coinflip', title: 'Coin flip', status: 'won', players });
    expect((await t.service('economy').findAccount(winner))?.tokens).to.equal(3);

    await t.host.setEnabled('coinflip_game', false);
    expect(games.types().map((x) => x.type)).to.not.include('coinflip');
    await t.host.setEnabled('coinflip_game', true);
    expect(t.service('minigames').types().map((x) => x.type)).to.include('coinflip');
  });

  it('a hot reload during a heist keeps the crew, the fees and the deadline', async () => {
    g = await startGamesBot({ heist: { joinSeconds: 60, odds: [{ crew: 1, chance: 100, bonus: 10 }] } });
    const { t, clock } = g;
    const eco = t.service('economy');
    for (const login of ['ann', 'ben', 'cat']) await eco.credit(`local:${login}`, 500, { reason: 'test money' });
    t.say('ann', '!heist 100');
    await said(t, /is planning a bakery heist/);
    expect(await t.ask('ben', '!heist 50')).to.match(/^you're in the crew/);
    const before = t.service('minigames').running()!;
    await t.host.reload('minigames');
    const after = t.service('minigames').running()!;
    expect([after.id, after.deadline, after.view.lines]).to.deep.equal([before.id, before.deadline, ['2 in the crew, 150 at stake']]);
    expect(await t.ask('cat', '!heist 20')).to.match(/^you're in the crew with 20 tokens! 3 members, 170 tokens at stake\.$/);
    await clock.advance(60_000);
    expect(await said(t, /^The heist worked!/)).to.equal('The heist worked! Got away: ann (+10 tokens), ben (+5 tokens), cat (+2 tokens).');
    expect((await ended(t, before.id)).status).to.equal('won');
    for (const [login, bonus] of [['ann', 10], ['ben', 5], ['cat', 2]] as const) {
      expect(await eco.getAccount(`local:${login}`)).to.include({ tokens: 500 + bonus, held: 0 });
    }
    expect((await eco.check()).ok).to.equal(true);
  });

  it('a hot reload during trivia keeps who already answered', async () => {
    g = await startGamesBot({ trivia: { includeBuiltin: false, questions: [{ question: 'Q?', answer: 'rye' }] } });
    const { t } = g;
    t.say(MOD, '!trivia');
    await said(t, /^Trivia, general: Q\?/);
    t.say('joe', 'wheat');
    await until(() => t.service('minigames').running()?.answers === 1, 'the answer to be read');
    await t.host.reload('minigames');
    t.say('joe', 'rye'); // joe had his answer
    t.say('kim', 'rye');
    expect(await said(t, /got it/)).to.equal('kim got it! The answer was rye.');
  });
});
