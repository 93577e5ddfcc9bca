// The bakery heist: fees held in escrow at join, the outcome drawn from the odds for the crew's size with the
// game's seeded random source, and every token accounted for: 1, 3 and 10 players paid exactly what the odds
// say, a cancel returns every fee, and a restart after the join window cancels and returns them too.
import { expect } from 'chai';
import { FakeClock, type TestBot } from '../../../test/support/kit.ts';
import { ended, eventually, MOD, said, startGamesBot, type GamesBot } from './helpers.ts';

const SEED_TOKENS = 1000;

/** mulberry32, written out again here so the test does not trust the engine's copy. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function fund(t: TestBot, logins: readonly string[]): Promise<void> {
  for (const login of logins) await t.service('economy').credit(`local:${login}`, SEED_TOKENS, { reason: 'test money', key: `seed:${login}` });
}

const balance = async (t: TestBot, login: string) => (await t.service('economy').getAccount(`local:${login}`))!;

/** What each member should have after the heist: the odds line, one draw each in joining order. */
function expected(fees: readonly number[], chance: number, bonus: number, seed: number): { balances: number[]; away: boolean[] } {
  const random = mulberry32(seed);
  const away = fees.map(() => random() * 100 < chance);
  const pot = fees.reduce((s, f, i) => s + (away[i] ? 0 : f), 0);
  const staked = fees.reduce((s, f, i) => s + (away[i] ? f : 0), 0);
  const shares = fees.map((f, i) => (away[i] ? Math.floor((pot * f) / staked) : 0));
  let left = pot - shares.reduce((s, n) => s + n, 0);
  for (let i = 0; left > 0 && staked > 0; i = (i + 1) % fees.length) {
    if (away[i]) {
      shares[i]! += 1;
      left--;
    }
  }
  return { away, balances: fees.map((f, i) => (away[i] ? SEED_TOKENS + shares[i]! + Math.floor((f * bonus) / 100) : SEED_TOKENS - f)) };
}

describe('minigames: the bakery heist', function () {
  this.timeout(30000);
  let g: GamesBot | undefined;
  afterEach(async () => {
    await g?.t.stop();
    g = undefined;
  });

  /** Plans a heist with a seed (the first member leads it), the others join from chat, the window closes. */
  async function play(crew: readonly string[], fees: readonly number[], seed: number) {
    const { t, clock } = g!;
    await fund(t, crew);
    await t.service('minigames').start({
      type: 'heist', args: [String(fees[0])], seed,
      startedBy: { kind: 'viewer', id: `local:${crew[0]}`, login: crew[0]!, name: crew[0]! },
    });
    await said(t, /is planning a bakery heist/);
    for (let i = 1; i < crew.length; i++) {
      expect(await t.ask(crew[i]!, `!heist ${fees[i]}`)).to.match(/^you're in the crew with \d+ tokens! \d+ members/);
      expect((await balance(t, crew[i]!)).held).to.equal(fees[i]);
    }
    await clock.advance(20_000);
    await said(t, /^The heist (worked|failed)/);
    const [game] = await t.service('minigames').history(1);
    return game!;
  }

  for (const [size, chance, bonus, seed] of [[1, 40, 100, 7], [3, 55, 50, 2026], [10, 75, 20, 99]] as const) {
    it(`pays a crew of ${size} exactly what the default odds say (${chance} % each, ${bonus} % bonus)`, async () => {
      g = await startGamesBot({ heist: { joinSeconds: 20 } });
      const crew = Array.from({ length: size }, (_, i) => `robber${i}`);
      const fees = crew.map((_, i) => 10 + 7 * i);
      const game = await play(crew, fees, seed);
      const want = expected(fees, chance, bonus, seed);
      for (const [i, login] of crew.entries()) {
        const acc = await balance(g.t, login);
        expect([login, acc.tokens, acc.held]).to.deep.equal([login, want.balances[i], 0]);
      }
      expect(game.status).to.equal(want.away.some(Boolean) ? 'won' : 'lost');
      expect(game.winners.map((w) => w.login)).to.deep.equal(crew.filter((_, i) => want.away[i]));
      const check = await g.t.service('economy').check();
      expect(check.ok).to.equal(true);
      const stats = await g.t.service('economy').stats();
      const bonuses = fees.reduce((s, f, i) => s + (want.away[i] ? Math.floor((f * bonus) / 100) : 0), 0);
      expect(stats).to.include({ tokensInCirculation: SEED_TOKENS * size + bonuses, escrowed: 0, openEscrows: 0 });
    });
  }

  it('survivors with a sure chance split the caught ones\' fees; the ledger shows who paid what', async () => {
    g = await startGamesBot({ heist: { joinSeconds: 20, odds: [{ crew: 1, chance: 100, bonus: 10 }] } });
    const game = await play(['ann', 'ben'], [100, 50], 1);
    expect(game.winners.map((w) => [w.login, w.tokens])).to.deep.equal([['ann', 10], ['ben', 5]]);
    expect((await balance(g.t, 'ann')).tokens).to.equal(SEED_TOKENS + 10);
    const eco = g.t.service('economy');
    const rows = (await eventually(() => eco.history('local:ann'), (h) => h.length === 6, 'the participation XP')).map((r) => [r.kind, r.delta, r.reason]).reverse();
    expect(rows).to.deep.equal([
      ['credit', 1000, 'test money'],
      ['hold', -100, `Bakery heist #${game.id} entry`],
      ['release', 100, `heist #${game.id}: got away, fee back`],
      ['credit', 10, `heist #${game.id}: loot (0 share + 10 bonus)`],
      ['credit', 0, `won Bakery heist #${game.id}`], // the win (and its XP): the loot is above
      ['admin', 0, `played Bakery heist #${game.id}`], // participation XP
    ]);
  });

  it('refuses bad fees and empty pockets; !stopgame returns every fee', async () => {
    g = await startGamesBot({ heist: { joinSeconds: 60, minEntry: 10, maxEntry: 500 } });
    const { t } = g;
    await fund(t, ['ann', 'ben']);
    expect(await t.ask('ann', '!heist 5')).to.equal('Usage: !heist <amount> (the fee is 10 to 500)');
    await g.clock.advance(3000); // the command's cooldown
    expect(await t.ask('ann', '!heist')).to.equal('Usage: !heist <amount>');
    await g.clock.advance(3000);
    t.say('ann', '!heist 200');
    await said(t, /^ann is planning a bakery heist with 200 tokens!/);
    expect(await t.ask('ben', '!heist 600')).to.equal('the fee is 10 to 500: !heist <amount>');
    await g.clock.advance(3000);
    expect(await t.ask('ben', '!heist 100')).to.match(/^you're in the crew/);
    await g.clock.advance(3000);
    expect(await t.ask('ben', '!heist 100')).to.equal('you are already in the crew.');
    expect(await t.ask('poor', '!heist 100')).to.equal("you don't have 100 tokens to bring.");
    expect((await balance(t, 'ann')).held).to.equal(200);
    t.say(MOD, '!stopgame');
    expect(await said(t, /stopped/)).to.equal('Bakery heist was stopped by amod. Every entry fee is returned.');
    for (const login of ['ann', 'ben']) expect(await balance(t, login)).to.include({ tokens: SEED_TOKENS, held: 0 });
    expect((await t.service('economy').check()).ok).to.equal(true);
  });

  it('after a restart past the join window, cancels the heist and returns every fee', async () => {
    g = await startGamesBot({ heist: { joinSeconds: 60 } });
    const { t } = g;
    await fund(t, ['ann', 'ben', 'cat']);
    t.say('ann', '!heist 100');
    await said(t, /is planning a bakery heist/);
    await t.ask('ben', '!heist 70');
    await t.ask('cat', '!heist 30');
    const id = t.service('minigames').running()!.id;
    await t.stop({ keepDir: true });
    const clock = new FakeClock('2026-03-02T18:05:00Z'); // the window closed while the bot was down
    g = await startGamesBot({ heist: { joinSeconds: 60 } }, { dir: t.dir, keepConfig: true, clock });
    const restarted = g.t;
    const game = await ended(restarted, id);
    expect(game).to.include({ status: 'cancelled', summary: `Bakery heist #${id} was interrupted by a restart and has been cancelled. Every entry fee is returned.` });
    for (const login of ['ann', 'ben', 'cat']) expect(await balance(restarted, login)).to.include({ tokens: SEED_TOKENS, held: 0 });
    expect((await restarted.service('economy').check()).ok).to.equal(true);
  });

  it('after a restart inside the join window, the heist goes on with its crew', async () => {
    g = await startGamesBot({ heist: { joinSeconds: 120, odds: [{ crew: 1, chance: 100, bonus: 0 }] } });
    const { t } = g;
    await fund(t, ['ann', 'ben', 'cat']);
    t.say('ann', '!heist 100');
    await said(t, /is planning a bakery heist/);
    await t.ask('ben', '!heist 50');
    await t.stop({ keepDir: true });
    const clock = new FakeClock('2026-03-02T18:01:00Z');
    g = await startGamesBot({ heist: { joinSeconds: 120, odds: [{ crew: 1, chance: 100, bonus: 0 }] } }, { dir: t.dir, keepConfig: true, clock });
    const r = g.t;
    expect(r.service('minigames').running()).to.deep.include({ type: 'heist', deadline: Date.parse('2026-03-02T18:02:00Z'), players: 0 });
    expect(r.service('minigames').running()!.view.lines).to.deep.equal(['2 in the crew, 150 at stake']);
    expect(await r.ask('cat', '!heist 10')).to.match(/^you're in the crew with 10 tokens! 3 members, 160 tokens at stake\.$/);
    await clock.advance(60_000);
    expect(await said(r, /^The heist worked!/)).to.equal('The heist worked! Got away: ann (+0 tokens), ben (+0 tokens), cat (+0 tokens).');
    for (const login of ['ann', 'ben', 'cat']) expect(await balance(r, login)).to.include({ tokens: SEED_TOKENS, held: 0 });
  });
});
