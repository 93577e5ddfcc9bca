// Whole fights in chat on a fake clock: a win (with a house cut), a loss, a draw, an expired challenge, a
// decline, a timeout at every turn, a moderator's cancel; the economy's books balance after each and no
// escrow is left open.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../../../core/bot.ts';
import { settleFight } from '../money.ts';
import { startFight, startFights, type FightBot } from './helpers.ts';

describe('breadfight: fights in chat', function () {
  this.timeout(20000);
  let f: FightBot;
  afterEach(async () => {
    await f?.t.stop();
  });

  async function withViewers(settings: Record<string, unknown> = {}): Promise<FightBot> {
    f = await startFights({ settings });
    await f.fund('alice', 500);
    await f.fund('bob', 500);
    await f.fund('carol', 50);
    return f;
  }

  it('plays a fight to a win: the winner takes both wagers minus the house cut, a debit in the ledger', async () => {
    await withViewers({ hp: 30, maxRounds: 3, houseCut: 10 });
    await startFight(f, 'alice', 'bob', 100);
    // Both wagers are in escrow now.
    expect([await f.balance('alice'), await f.balance('bob')]).to.deep.equal([400, 400]);
    await f.booksBalanced(2);
    const live = await f.fights.live();
    expect(live).to.have.length(1);
    expect(live[0]).to.deep.include({ state: 'active', activeFighter: 'alice', wager: 100, round: 1 });
    expect(live[0]?.question).to.match(/^Level 1 word/);

    await f.play('alice', 'right'); // bob 15
    f.t.say('carol', '!cheer @alice');
    await f.play('bob', 'wrong');
    await f.play('alice', 'right'); // bob 0
    const recap = await f.said(/wins bread fight/);
    expect(recap.text).to.equal('🏆 @alice wins bread fight #1 against @bob (30 HP to 0 HP) and takes 180 tokens (20 tokens to the house)! Cheers: 1 for alice.');
    expect([await f.balance('alice'), await f.balance('bob')]).to.deep.equal([580, 400]);
    await f.booksBalanced();
    const cut = (await f.economy.history('local:alice', 10)).find((e) => e.kind === 'debit');
    expect(cut).to.include({ delta: -20, source: 'breadfight', key: 'breadfight:fight:1:cut' });
    expect((await f.economy.getAccount('local:alice'))?.wins).to.equal(1);
    // Paid once: one payout row per escrow, one cut, one win, each under the fight's keys.
    const rows = await f.t.storage.all<{ kind: string; key: string }>("SELECT kind, key FROM economy_ledger WHERE source = 'breadfight' AND kind != 'hold' ORDER BY id");
    expect(rows.map((r) => `${r.kind} ${r.key}`)).to.deep.equal([
      'payout breadfight:fight:1:payout',
      'payout breadfight:fight:1:payout#2',
      'debit breadfight:fight:1:cut',
      'credit breadfight:fight:1:win',
    ]);

    const [done] = await f.fights.recent();
    expect(done).to.deep.include({ state: 'finished', outcome: 'win', winner: 'alice', houseCut: 20 });
    expect(done?.moves.map((m) => [m.attacker, m.result, m.damage])).to.deep.equal([['alice', 'hit', 15], ['bob', 'miss', 0], ['alice', 'hit', 15]]);
    expect(await f.t.ask('alice', '!fightstats')).to.equal('alice: 1 win, 0 losses, 0 draws · streak 1 (best 1) · 80 tokens won.');
    expect(await f.t.ask('carol', '!fightstats @bob')).to.equal('bob: 0 wins, 1 loss, 0 draws · streak 0 (best 0) · 0 tokens won.');
    expect(await f.t.ask('carol', '!fighttop')).to.equal('Top fighters: 1. alice 1W/0L/0D (best streak 1) · 2. bob 0W/1L/0D (best streak 0)');
  });

  it('plays a fight to a loss for the challenger, and keeps every message under 500 characters', async () => {
    await withViewers({ hp: 30, maxRounds: 5 });
    await startFight(f, 'alice', 'bob', 50);
    await f.play('alice', 'wrong');
    await f.play('bob', 'right');
    await f.play('alice', 'silent');
    await f.play('bob', 'right');
    await f.said(/@bob wins bread fight #1 against @alice \(30 HP to 0 HP\) and takes 100 tokens!/);
    expect([await f.balance('alice'), await f.balance('bob')]).to.deep.equal([450, 550]);
    await f.booksBalanced();
    expect(f.t.outputs.every((o) => o.text.length < 500)).to.equal(true);
    // Flavour text varies: two hits, two different lines.
    const hits = (await f.fights.recent())[0]?.moves.filter((m) => m.result === 'hit') ?? [];
    expect(hits).to.have.length(2);
    expect(hits.every((m) => m.move && m.text.includes(m.move))).to.equal(true);
  });

  it('ends after maxRounds with equal health in a draw that refunds both', async () => {
    await withViewers({ maxRounds: 1 });
    await startFight(f, 'alice', 'bob', 100);
    await f.play('alice', 'right');
    await f.play('bob', 'right');
    expect((await f.said(/draw/)).text).to.equal('🤝 Bread fight #1 between @alice and @bob is a draw (85 HP each); both wagers go back.');
    expect([await f.balance('alice'), await f.balance('bob')]).to.deep.equal([500, 500]);
    await f.booksBalanced();
    expect((await f.fights.stats('local:alice'))?.draws).to.equal(1);
  });

  it('a timeout at every turn is a miss each time, and the fight ends in a draw at full health', async () => {
    await withViewers({ maxRounds: 3 });
    await startFight(f, 'alice', 'bob', 100);
    for (const who of ['alice', 'bob', 'alice', 'bob', 'alice', 'bob']) await f.play(who, 'silent');
    await f.said(/draw \(100 HP each\)/);
    const [done] = await f.fights.recent();
    expect(done?.moves.map((m) => m.result)).to.deep.equal(['timeout', 'timeout', 'timeout', 'timeout', 'timeout', 'timeout']);
    // Difficulty grows with the round (rounds 1-2 easy, 3-4 medium, then hard), and no question comes twice.
    expect(done?.moves.map((m) => m.difficulty)).to.deep.equal([1, 1, 1, 1, 2, 2]);
    expect(new Set(done?.moves.map((m) => m.questionId)).size).to.equal(6);
    expect([await f.balance('alice'), await f.balance('bob')]).to.deep.equal([500, 500]);
    await f.booksBalanced();
  });

  it('an unanswered challenge expires after fightTimeout; nothing was held', async () => {
    await withViewers();
    f.t.say('alice', '!fight @bob 100');
    await f.said(/challenges you/);
    await f.clock.advance(59_000);
    expect((await f.fights.live())[0]?.state).to.equal('challenged');
    await f.clock.advance(1_000);
    expect((await f.said(/did not accept/)).text).to.equal('@alice, bob did not accept your bread fight in time.');
    expect(await f.t.ask('bob', '!accept')).to.equal('No one has challenged you to a bread fight.');
    expect((await f.fights.recent())[0]?.outcome).to.equal('expired');
    expect([await f.balance('alice'), await f.balance('bob')]).to.deep.equal([500, 500]);
    await f.booksBalanced();
  });

  it('a declined challenge is off; the next one can start', async () => {
    await withViewers();
    f.t.say('alice', '!breadfight @bob 100');
    await f.said(/challenges you/);
    f.t.say('bob', '!decline');
    expect((await f.said(/declined/)).text).to.equal('@alice, the bread fight with bob is off: declined.');
    await f.booksBalanced();
    await startFight(f, 'bob', 'alice', 10);
    await f.booksBalanced(2);
  });

  it('refuses what cannot be: a second fight, a wager nobody has, bad arguments, yourself', async () => {
    await withViewers({ maxWager: 300 });
    expect(await f.t.ask('alice', '!breadfight')).to.equal('Usage: !breadfight @user [wager]');
    expect(await f.t.ask('alice', '!breadfight @bob lots')).to.match(/^Usage: !breadfight @user \[wager\]/);
    expect(await f.t.ask('alice', '!breadfight @alice 5')).to.match(/cannot fight yourself/);
    expect(await f.t.ask('alice', '!breadfight @nobody 5')).to.match(/have not seen nobody/);
    expect(await f.t.ask('alice', '!breadfight @bob 301')).to.equal('The wager must be between 0 tokens and 300 tokens.');
    expect(await f.t.ask('alice', '!breadfight @carol 60')).to.equal('carol has only 50 tokens; pick a smaller wager.');
    f.t.say('alice', '!breadfight @bob 10');
    await f.said(/challenges you/);
    expect(await f.t.ask('carol', '!breadfight @bob 10')).to.equal('bob is already in a bread fight.');
    await f.fund('dave', 100);
    expect(await f.t.ask('carol', '!breadfight @dave 10')).to.equal('A bread fight is already on in this channel: wait for it to end.');
    expect(await f.t.ask('carol', '!cheer @dave')).to.equal('dave is not in a bread fight right now.');
    expect(await f.t.ask('alice', '!cheer @bob')).to.match(/Fighters fight/);
    await f.booksBalanced();
  });

  it('with concurrentFights 2, two fights run side by side', async () => {
    await withViewers({ concurrentFights: 2 });
    await f.fund('dave', 100);
    await startFight(f, 'alice', 'bob', 10);
    await startFight(f, 'carol', 'dave', 10);
    expect((await f.fights.live()).map((x) => x.state)).to.deep.equal(['active', 'active']);
    await f.booksBalanced(4);
  });

  it('a moderator cancels a fight in the middle: both wagers go back', async () => {
    await withViewers();
    await startFight(f, 'alice', 'bob', 100);
    await f.play('alice', 'right');
    expect(await f.t.repliesTo('bob', '!cancelfight')).to.deep.equal([]); // not a moderator: silence
    f.t.say({ login: 'mod', roles: ['moderator'] }, '!cancelfight @alice');
    expect((await f.said(/cancelled/)).text).to.equal('Bread fight #1 between @alice and @bob was cancelled; both wagers go back.');
    expect([await f.balance('alice'), await f.balance('bob')]).to.deep.equal([500, 500]);
    await f.booksBalanced();
    // The turn's timer is gone with the fight: time passing says nothing more.
    const n = f.t.outputs.length;
    await f.clock.advance(60_000);
    expect(f.t.outputs.length).to.equal(n);
  });

  it('starts with the settings of config/bakebot.example.yaml, and asks the bundled questions', async () => {
    const example = (parse(readFileSync(path.join(PROJECT_ROOT, 'config', 'bakebot.example.yaml'), 'utf8')) as { plugins: { breadfight: Record<string, unknown> } }).plugins.breadfight;
    f = await startFights({ settings: { ...example, seed: 1 } });
    expect(f.t.host.plugin('breadfight')).to.include({ state: 'enabled' });
    const pool = f.fights.questions();
    expect(pool.length).to.be.at.least(100);
    expect(new Set(pool.map((q) => q.difficulty))).to.deep.equal(new Set([1, 2, 3]));
    expect(pool.slice(0, 10).every((q) => /bread|loaf|dough|bake|pastry|crust|toast|bagel|sourdough|croissant|yeast|flour|baguette/i.test(q.question))).to.equal(true);
  });

  it("a fighter's deletion request stops their fight: the other's wager goes back, the books balance", async () => {
    await withViewers();
    await startFight(f, 'alice', 'bob', 100);
    await f.play('alice', 'right');
    await f.economy.deleteUser('local:alice');
    await f.said(/was cancelled; both wagers go back/);
    expect(await f.balance('bob')).to.equal(500);
    await f.booksBalanced();
    const [done] = await f.fights.recent();
    expect(done?.outcome).to.equal('cancelled');
    expect(done?.challenger.login).to.match(/^anon-/);
    expect(await f.fights.stats('local:alice')).to.equal(undefined);
  });

  it('settling is once per fight: two settlements racing pay once', async () => {
    await withViewers();
    await startFight(f, 'alice', 'bob', 100);
    const win = { outcome: 'win' as const, winnerId: 'local:bob', houseCutPercent: 0, reason: 'test', from: 'active' as const };
    const [a, b] = await Promise.all([settleFight(f.economy, 1, win, f.clock.now()), settleFight(f.economy, 1, { ...win, winnerId: 'local:alice' }, f.clock.now())]);
    expect([a?.winner_id, b]).to.deep.equal(['local:bob', undefined]);
    expect([await f.balance('alice'), await f.balance('bob')]).to.deep.equal([400, 600]);
    await f.booksBalanced();
  });
});
