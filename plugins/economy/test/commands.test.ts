// Every economy command and rule, through chat, on a fake clock.
import { expect } from 'chai';
import { FakeClock, startTestBot, type TestBot, type Viewer } from '../../../test/support/kit.ts';
import type { EconomyService } from '../service.ts';

const MOD: Viewer = { login: 'mod', roles: ['moderator'] };
const STREAMER: Viewer = { login: 'streamer', roles: ['broadcaster'] };

interface Started {
  t: TestBot;
  clock: FakeClock;
  eco: EconomyService;
}

async function start(economy: Record<string, unknown> = {}, extra: { plugins?: string[]; clock?: FakeClock; bot?: Record<string, unknown> } = {}): Promise<Started> {
  const clock = extra.clock ?? new FakeClock('2026-01-15T12:00:00Z');
  const t = await startTestBot({
    plugins: extra.plugins ?? ['economy'],
    clock,
    config: { bot: { commandCooldown: 0, rateLimitMessages: 1000, ...extra.bot }, plugins: { economy } },
  });
  return { t, clock, eco: t.service('economy') };
}

/** A viewer chats (so the bot knows them) and the message has been handled. */
async function chat(t: TestBot, who: Viewer | string, text = 'hello'): Promise<void> {
  t.say(who, text);
  await t.idle();
}

describe('economy: chat commands', function () {
  this.timeout(20000);
  let s: Started | undefined;
  afterEach(async () => {
    await s?.t.stop();
    s = undefined;
  });

  it('!balance / !tokens for yourself and others, with friendly errors', async () => {
    s = await start();
    const { t, eco } = s;
    expect(await t.ask('alice', '!balance')).to.equal('alice, you have 0 tokens.');
    await chat(t, 'bob');
    await eco.credit('local:bob', 1, { reason: 'test' });
    expect(await t.ask('alice', '!tokens @bob')).to.equal('bob has 1 token.');
    expect(await t.ask('alice', '!balance nobody')).to.equal("I don't know @nobody yet: they need to chat first.");
    await eco.credit('local:alice', 1234, { reason: 'test' });
    await eco.hold('local:alice', 34, { reason: 'bet' });
    expect(await t.ask('alice', '!balance')).to.equal('alice, you have 1,200 tokens (+34 tokens in open bets).');
  });

  it('uses the configured currency name', async () => {
    s = await start({ currencyName: 'cookies', currencySingular: 'cookie' });
    await s.eco.credit('local:alice', 1, { reason: 'test' });
    expect(await s.t.ask('alice', '!balance')).to.equal('alice, you have 1 cookie.');
    expect(s.eco.format(3)).to.equal('3 cookies');
  });

  it('participation XP: once per participationCooldown per user, written behind', async () => {
    s = await start();
    const { t, eco, clock } = s;
    await chat(t, 'alice', 'hi');
    await chat(t, 'alice', 'hi again'); // within 15 s: no XP
    await chat(t, 'bob', 'yo');
    await eco.flush();
    expect((await eco.getAccount('local:alice'))?.xp).to.equal(1);
    expect((await eco.getAccount('local:bob'))?.xp).to.equal(1);
    await clock.advance(14_000);
    await chat(t, 'alice');
    await eco.flush();
    expect((await eco.getAccount('local:alice'))?.xp).to.equal(1);
    await clock.advance(1_000);
    await chat(t, 'alice');
    await eco.flush();
    expect((await eco.getAccount('local:alice'))?.xp).to.equal(2);
    // The write-behind is no ledger row: XP from chat is not a token change.
    expect(await eco.history('local:alice')).to.have.length(0);
  });

  it('!xp / !rank show level, progress and rank; level-ups are announced', async () => {
    s = await start({ levelBase: 2, levelGrowth: 1, participationCooldown: 0 });
    const { t, eco } = s;
    await chat(t, 'bob');
    await chat(t, 'alice');
    await chat(t, 'alice');
    const announced = await t.waitFor((o) => /alice reached level 2/.test(o.text));
    expect(announced.text).to.equal('alice reached level 2! 🎉');
    await chat(t, 'alice');
    await chat(t, 'alice', '!balance'); // commands earn no XP
    expect(await t.ask('alice', '!xp')).to.equal('alice: level 2 (1/2 XP to level 3), 3 XP in all, rank #1.');
    expect(await t.ask('alice', '!rank @bob')).to.equal('bob: level 1 (1/2 XP to level 2), 1 XP in all, rank #2.');
    expect(eco.levelOf(3)).to.deep.equal({ level: 2, levelXp: 1, levelXpNeeded: 2 });
    expect(eco.levelOf(4)).to.deep.equal({ level: 3, levelXp: 0, levelXpNeeded: 2 });
  });

  it('level-ups in a busy chat are said together, a line at most every 10 s, so replies do not wait behind them', async () => {
    s = await start({ levelBase: 1, levelGrowth: 1, participationCooldown: 0 });
    const { t, eco, clock } = s;
    await chat(t, 'alice'); // level 2 at 1 XP
    await eco.flush();
    await t.waitFor((o) => o.text === 'alice reached level 2! 🎉'); // the first after a quiet spell: at once
    const from = t.outputs.length;
    for (let i = 0; i < 30; i++) await chat(t, `viewer${i}`);
    await eco.flush();
    expect(await t.ask('bob', '!balance')).to.equal('bob, you have 0 tokens.');
    expect(t.outputs.slice(from).filter((o) => /level/.test(o.text))).to.have.length(0);
    await clock.advance(10_000);
    const line = await t.waitFor((o) => /reached level 2/.test(o.text) && t.outputs.indexOf(o) >= from);
    expect(line.text).to.equal('viewer0, viewer1, viewer2, viewer3, viewer4, viewer5, viewer6, viewer7, viewer8, viewer9 and 20 more reached level 2! 🎉');
    expect(t.outputs.slice(from).filter((o) => /level/.test(o.text))).to.have.length(1);
  });

  it('the default level curve', async () => {
    s = await start();
    const lv = (xp: number) => s!.eco.levelOf(xp).level;
    expect([lv(0), lv(99), lv(100), lv(281), lv(282), lv(519), lv(800), lv(2700)]).to.deep.equal([1, 1, 2, 2, 3, 4, 5, 10]);
    expect(s.eco.levelOf(150)).to.deep.equal({ level: 2, levelXp: 50, levelXpNeeded: 182 });
  });

  it('!daily: base, +1 per day in a row, once per day, a missed day resets', async () => {
    s = await start();
    const { t, clock } = s;
    expect(await t.ask('alice', '!daily')).to.equal('Daily bonus: +10 tokens! You have 10 tokens.');
    expect(await t.ask('alice', '!daily')).to.equal("You already claimed today's bonus. The next one is ready in 12h.");
    await clock.set('2026-01-15T23:59:00Z');
    expect(await t.ask('alice', '!daily')).to.match(/ready in 1m\.$/);
    await clock.set('2026-01-16T00:00:01Z');
    expect(await t.ask('alice', '!daily')).to.equal('Daily bonus: +11 tokens (day 2 in a row)! You have 21 tokens.');
    await clock.set('2026-01-17T23:00:00Z');
    expect(await t.ask('alice', '!daily')).to.equal('Daily bonus: +12 tokens (day 3 in a row)! You have 33 tokens.');
    await clock.set('2026-01-19T08:00:00Z'); // the 18th was missed
    expect(await t.ask('alice', '!daily')).to.equal('Daily bonus: +10 tokens! You have 43 tokens.');
    const acc = await s.eco.getAccount('local:alice');
    expect(acc).to.include({ dailyStreak: 1, lastDaily: '2026-01-19', tokens: 43 });
  });

  it('!daily: the streak bonus stops growing at dailyStreakMax', async () => {
    s = await start({ dailyBonusBase: 10, dailyStreakMax: 2 });
    const { t, clock } = s;
    const got: string[] = [];
    for (let day = 0; day < 5; day++) {
      got.push((await t.ask('alice', '!daily')).replace(/ \(day \d+ in a row\)/, '').replace(/ You have.*/, ''));
      await clock.advance(86_400_000);
    }
    expect(got).to.deep.equal(['Daily bonus: +10 tokens!', 'Daily bonus: +11 tokens!', 'Daily bonus: +12 tokens!', 'Daily bonus: +12 tokens!', 'Daily bonus: +12 tokens!']);
  });

  it('!daily: the day follows the configured time zone', async () => {
    const clock = new FakeClock('2026-01-16T04:30:00Z'); // 23:30 on the 15th in New York (UTC-5)
    s = await start({ timezone: 'America/New_York' }, { clock });
    const { t } = s;
    expect(await t.ask('alice', '!daily')).to.equal('Daily bonus: +10 tokens! You have 10 tokens.');
    await clock.set('2026-01-16T04:59:00Z');
    expect(await t.ask('alice', '!daily')).to.equal("You already claimed today's bonus. The next one is ready in 1m.");
    await clock.set('2026-01-16T05:00:30Z'); // midnight has passed in New York
    expect(await t.ask('alice', '!daily')).to.equal('Daily bonus: +11 tokens (day 2 in a row)! You have 21 tokens.');
    expect((await s.eco.getAccount('local:alice'))?.lastDaily).to.equal('2026-01-16');
  });

  it('!daily in UTC does not see a new day at New York midnight', async () => {
    const clock = new FakeClock('2026-01-16T04:30:00Z');
    s = await start({ timezone: 'UTC' }, { clock });
    expect(await s.t.ask('alice', '!daily')).to.match(/\+10 tokens/);
    await clock.set('2026-01-16T05:00:30Z');
    expect(await s.t.ask('alice', '!daily')).to.match(/already claimed/);
  });

  it('an unknown time zone is a config error with its line, before anything starts', async () => {
    // The economy's checkConfig runs wherever its schema does: the start stops with file, line and reason.
    const err = await startTestBot({ plugins: ['economy'], config: { plugins: { economy: { timezone: 'Mars/Olympus_Mons' } } } }).then(
      async (t) => {
        await t.stop();
        return undefined;
      },
      (e: unknown) => e as Error,
    );
    expect(err?.message).to.match(/bakebot\.yaml:\d+ plugins\.economy\.timezone: "Mars\/Olympus_Mons" is not a known IANA time zone/);
  });

  it('!hourly: once per hour', async () => {
    s = await start();
    const { t, clock } = s;
    expect(await t.ask('alice', '!hourly')).to.equal('Hourly bonus: +3 tokens! You have 3 tokens.');
    await clock.advance(59 * 60_000);
    expect(await t.ask('alice', '!hourly')).to.equal('Your hourly bonus is ready again in 1m.');
    await clock.advance(60_000);
    expect(await t.ask('alice', '!hourly')).to.equal('Hourly bonus: +3 tokens! You have 6 tokens.');
  });

  it('!work: a small random reward, then a 5-minute rest', async () => {
    s = await start();
    const { t, clock, eco } = s;
    const first = await t.ask('alice', '!work');
    expect(first).to.match(/^You .+ You have \d+ tokens?\.$/);
    const balance1 = await eco.balance('local:alice');
    expect(balance1).to.be.within(1, 10);
    expect(first).to.contain(`You have ${eco.format(balance1)}.`);
    await clock.advance(299_000);
    expect(await t.ask('alice', '!work')).to.equal("You're still tired from your last shift. Rest 1s more.");
    await clock.advance(1_000);
    await t.ask('alice', '!work');
    expect((await eco.balance('local:alice')) - balance1).to.be.within(1, 10);
    const seen = new Set<number>();
    for (let i = 0; i < 30; i++) {
      await clock.advance(300_000);
      const before = await eco.balance('local:alice');
      await t.ask('alice', '!work');
      seen.add((await eco.balance('local:alice')) - before);
    }
    for (const n of seen) expect(n).to.be.within(1, 10);
    expect(seen.size).to.be.greaterThan(2);
  });

  it('!give: checks everything and says which problem it found', async () => {
    s = await start();
    const { t, eco } = s;
    await chat(t, 'bob');
    await chat(t, 'alice');
    await eco.credit('local:alice', 20, { reason: 'test' });
    expect(await t.ask('alice', '!give')).to.equal('Usage: !give @user <amount|all>');
    expect(await t.ask('alice', '!give @bob')).to.equal('Usage: !give @user <amount|all>');
    expect(await t.ask('alice', '!give @bob lots')).to.equal('Usage: !give @user <amount|all> ("lots" is not a number: use a whole number above 0, or "all")');
    expect(await t.ask('alice', '!give @bob 2.5')).to.match(/"2\.5" is not a number/);
    expect(await t.ask('alice', '!give @bob 0')).to.equal('Usage: !give @user <amount|all> (the amount must be above 0)');
    expect(await t.ask('alice', '!give @bob -5')).to.equal('Usage: !give @user <amount|all> (the amount must be above 0)');
    expect(await t.ask('alice', '!give @alice 5')).to.equal("You can't give tokens to yourself.");
    expect(await t.ask('alice', '!give @carol 5')).to.equal("I don't know @carol yet: they need to chat first.");
    expect(await t.ask('alice', '!give @bob 21')).to.equal('You only have 20 tokens, not 21 tokens.');
    expect(await t.ask('alice', '!give @bob 5')).to.equal('alice gave 5 tokens to bob! You have 15 tokens left.');
    // The reply comes after the commit: the reader connection already sees it.
    expect(await eco.balance('local:bob')).to.equal(5);
    expect(await t.ask('alice', '!give bob all')).to.equal('alice gave 15 tokens to bob! You have 0 tokens left.');
    expect(await t.ask('alice', '!give bob all')).to.equal('You have no tokens to give.');
    expect(await eco.balance('local:bob')).to.equal(20);
    const [last] = await eco.history('local:bob', 1);
    expect(last).to.include({ kind: 'transfer', delta: 15, balanceAfter: 20, counterparty: 'local:alice', actor: 'local:alice', reason: 'gift' });
    expect((await eco.check()).ok).to.equal(true);
  });

  it('!top [xp|tokens]: the top five on one line, excluded and empty accounts left out', async () => {
    s = await start({ participationCooldown: 0 });
    const { t, eco } = s;
    const names = ['ann', 'ben', 'cat', 'dan', 'eve', 'fay'];
    for (const [i, n] of names.entries()) {
      for (let k = 0; k <= i; k++) await chat(t, n);
      await eco.credit(`local:${n}`, 100 - i * 10, { reason: 'test' });
    }
    await eco.flush(); // chat XP is written behind: !top shows it once committed (within a quarter second)
    expect(await t.ask('zed', '!top')).to.equal('Top by XP: 1. fay (Lv 1, 6 XP) · 2. eve (Lv 1, 5 XP) · 3. dan (Lv 1, 4 XP) · 4. cat (Lv 1, 3 XP) · 5. ben (Lv 1, 2 XP)');
    expect(await t.ask('zed', '!top tokens')).to.equal('Top by tokens: 1. ann (100) · 2. ben (90) · 3. cat (80) · 4. dan (70) · 5. eve (60)');
    expect(await t.ask('zed', '!top bogus')).to.equal('Usage: !top [xp|tokens|wins] (pick xp, tokens or wins)');
    await t.ask(STREAMER, '!exclude @ann');
    expect(await t.ask('zed', '!top tokens')).to.equal('Top by tokens: 1. ben (90) · 2. cat (80) · 3. dan (70) · 4. eve (60) · 5. fay (50)');
    expect(await t.ask('zed', '!top wins')).to.equal('Nobody is on the wins board yet.');
  });

  it('moderators: !addtokens, !removetokens, !setxp (and viewers cannot)', async () => {
    s = await start();
    const { t, eco } = s;
    await chat(t, 'bob');
    expect(await t.repliesTo('alice', '!addtokens @bob 50')).to.deep.equal([]);
    expect(await t.ask(MOD, '!addtokens @bob 50')).to.equal('Added 50 tokens to bob. They have 50 tokens now.');
    expect(await t.ask(MOD, '!addtokens @bob many')).to.match(/^Usage: !addtokens @user <amount> \(/);
    expect(await t.ask(MOD, '!addtokens @nobody 5')).to.equal("I don't know @nobody yet: they need to chat first.");
    expect(await t.ask(MOD, '!removetokens @bob 60')).to.equal('bob only has 50 tokens; use !removetokens @bob all to take everything.');
    expect(await t.ask(MOD, '!removetokens @bob 20')).to.equal('Removed 20 tokens from bob. They have 30 tokens now.');
    expect(await t.ask(MOD, '!removetokens @bob all')).to.equal('Removed 30 tokens from bob. They have 0 tokens now.');
    expect(await t.ask(MOD, '!removetokens @bob all')).to.equal('bob has no tokens to remove.');
    expect(await t.ask(MOD, '!setxp @bob 300')).to.equal('bob now has 300 XP (level 3).');
    expect((await eco.getAccount('local:bob'))?.xp).to.equal(300);
    expect(await t.ask(MOD, '!setxp @bob -1')).to.equal('Usage: !setxp @user <xp> (XP is a whole number, 0 or more)');
    const rows = await eco.history('local:bob');
    expect(rows.map((r) => [r.kind, r.delta, r.xpDelta, r.actor])).to.deep.equal([
      ['admin', 0, 299, 'local:mod'], // bob had 1 XP from chatting
      ['admin', -30, 0, 'local:mod'],
      ['admin', -20, 0, 'local:mod'],
      ['admin', 50, 0, 'local:mod'],
    ]);
    expect(rows[0]?.reason).to.equal('!setxp by a moderator');
  });

  it('broadcaster: !exclude / !include', async () => {
    s = await start();
    const { t, eco } = s;
    await chat(t, 'bob');
    await eco.flush();
    await eco.credit('local:bob', 7, { reason: 'test' });
    await eco.credit('local:alice', 7, { reason: 'test' });
    expect(await t.repliesTo(MOD, '!exclude @bob')).to.deep.equal([]);
    expect(await t.ask(STREAMER, '!exclude @bob')).to.equal('bob is now excluded from the economy. Their 7 tokens are kept; !include @bob undoes it.');
    expect(await t.ask(STREAMER, '!exclude @bob')).to.equal('bob is already excluded from the economy.');
    expect(await t.ask('bob', '!daily')).to.equal("You're excluded from the economy, so you can't earn or spend tokens.");
    expect(await t.ask('bob', '!give @alice 1')).to.equal("You're excluded from the economy, so you can't earn or spend tokens.");
    expect(await t.ask('alice', '!give @bob 1')).to.equal('bob is not part of the economy.');
    expect(await t.ask('bob', '!balance')).to.equal('bob, you have 7 tokens. (excluded from the economy)');
    await chat(t, 'bob', 'no xp for me');
    await eco.flush();
    expect((await eco.getAccount('local:bob'))?.xp).to.equal(1); // from before the exclusion
    let err: unknown;
    await eco.credit('local:bob', 1, { reason: 'x' }).catch((e: unknown) => (err = e));
    expect((err as { code?: string }).code).to.equal('ACCOUNT_EXCLUDED');
    expect(await t.ask(STREAMER, '!include @bob')).to.equal('bob is part of the economy again, with 7 tokens.');
    expect(await t.ask('bob', '!daily')).to.match(/^Daily bonus: \+10 tokens/);
  });

  it('!deleteme asks first, then deletes personal data and anonymizes the ledger', async () => {
    s = await start({}, { plugins: ['economy', 'chatlog'] });
    const { t, eco, clock } = s;
    await chat(t, 'bob');
    await chat(t, 'alice', 'my secret message');
    await eco.credit('local:alice', 30, { reason: 'test' });
    await eco.transfer('local:alice', 'local:bob', 10, { reason: 'gift' });
    await eco.hold('local:alice', 5, { reason: 'bet' });
    expect(await t.ask('alice', '!deleteme confirm')).to.equal('Type !deleteme first; then !deleteme confirm within 60 seconds.');
    expect(await t.ask('alice', '!deleteme')).to.equal(
      'This deletes your account and your 20 tokens, your chat history and your name from the bot; the ledger keeps anonymous rows. Type !deleteme confirm within 60 seconds to go ahead.',
    );
    await clock.advance(61_000);
    expect(await t.ask('alice', '!deleteme confirm')).to.match(/^Type !deleteme first/);
    await t.ask('alice', '!deleteme');
    await clock.advance(30_000);
    expect(await t.ask('alice', '!deleteme confirm')).to.equal(
      'Done: your account, your 20 tokens and your chat history are deleted. If you chat again, the bot starts a new account for you.',
    );
    expect(await eco.getAccount('local:alice')).to.equal(undefined);
    expect(await t.bot.users.byId('local:alice')).to.equal(undefined);
    const logs = await t.service('chatlog').query({ user: 'local:alice' });
    expect(logs).to.have.length(0);
    const rows = await t.storage.all<{ user_id: string; actor: string; counterparty: string | null; key: string }>('SELECT user_id, actor, counterparty, key FROM economy_ledger');
    expect(JSON.stringify(rows)).to.not.contain('local:alice');
    // Bob's side of the transfer still names the (anonymous) giver; every sum still holds.
    const bobRow = (await eco.history('local:bob'))[0];
    expect(bobRow?.counterparty).to.match(/^anon-[0-9a-f]{16}$/);
    const check = await eco.check();
    expect(check.ok, JSON.stringify(check)).to.equal(true);
    expect(await eco.balance('local:bob')).to.equal(10);
  });

  it('the router\'s per-user cooldown still applies (default 3 s)', async () => {
    s = await start({}, { bot: { commandCooldown: 3 } });
    const { t, clock } = s;
    expect(await t.ask('alice', '!balance')).to.match(/you have 0 tokens/);
    expect(await t.repliesTo('alice', '!balance')).to.deep.equal(['@alice wait 3 s before !balance again']);
    await clock.advance(3_000);
    expect(await t.ask('alice', '!balance')).to.match(/you have 0 tokens/);
  });
});
