// The bot as its own process against the fake Twitch: several fights at once (challenges, accepts, answers
// flowing), then a SIGKILL in the middle. The books must balance (`npm run economy:check`'s script), every
// fight must hold both wagers or neither, and the restarted bot must resume the fights and finish them with
// the books still balanced.
import { expect } from 'chai';
import { CRASH_CHANNEL as CHANNEL, CrashRig } from '../../../test/support/crash-rig.ts';
import { NO_COOLDOWNS, QUESTIONS } from './helpers.ts';

const PAIRS = 4;
const SEED = 1000;
const WAGER = 100;

describe('breadfight: a SIGKILL in the middle of fights', function () {
  // About 10 s on an idle machine; two bot starts on a loaded one take much longer.
  this.timeout(150_000);
  let rig: CrashRig;

  /** Every fight holds both wagers (active), or none (challenged, finished); money is neither made nor lost. */
  const fightsConsistent = () =>
    rig.read(async (db) => {
      const fights = await db.all<{ id: number; state: string; escrow_challenger: number | null; escrow_opponent: number | null }[]>('SELECT id, state, escrow_challenger, escrow_opponent FROM breadfight_fights');
      for (const f of fights) {
        const held = await db.all<{ state: string }[]>('SELECT state FROM economy_escrow WHERE id IN (?, ?)', [f.escrow_challenger ?? -1, f.escrow_opponent ?? -1]);
        if (f.state === 'active') expect(held.map((e) => e.state), `fight #${f.id}`).to.deep.equal(['held', 'held']);
        else expect(held.every((e) => e.state !== 'held'), `fight #${f.id} (${f.state}) left an escrow open`).to.equal(true);
      }
      const stray = await db.get<{ n: number }>("SELECT count(*) AS n FROM economy_escrow WHERE state = 'held' AND source = 'breadfight' AND id NOT IN (SELECT escrow_challenger FROM breadfight_fights WHERE state = 'active' UNION SELECT escrow_opponent FROM breadfight_fights WHERE state = 'active')");
      expect(stray?.n, 'escrows held for no running fight').to.equal(0);
      const money = await db.get<{ total: number; cuts: number }>("SELECT (SELECT sum(tokens + held) FROM economy_accounts) AS total, (SELECT coalesce(sum(house_cut), 0) FROM breadfight_fights) AS cuts");
      expect(money!.total + money!.cuts, 'tokens made or lost').to.equal(SEED * PAIRS * 2);
      return { active: fights.filter((f) => f.state === 'active').length, finished: fights.filter((f) => f.state === 'finished').length };
    });

  /** Fighters answer every question put to them (the word after "type"), as soon as they see it. */
  function autoAnswer(): () => void {
    const answered = new Set<string>();
    const timer = setInterval(() => {
      for (const m of rig.delivered()) {
        const q = /^@(\w+) round \d+\/\d+ ★+: Level \d word: type (\w+)/.exec(m.text.replace(/^\(fight #\d+ resumes\) /, ''));
        if (!q || answered.has(m.id)) continue;
        answered.add(m.id);
        rig.fake.say(CHANNEL, { login: q[1] as string, text: q[2] as string });
      }
    }, 20);
    return () => clearInterval(timer);
  }

  before(async () => {
    rig = await CrashRig.create({
      name: 'fightcrash',
      bot: { commands: NO_COOLDOWNS },
      plugins: { economy: {}, minigames: {}, breadfight: { includeBuiltin: false, questions: QUESTIONS, concurrentFights: PAIRS, hp: 30, maxRounds: 4, turnTime: 10 } },
    });
  });

  after(() => rig.close());

  it('keeps the books balanced and each fight all-or-nothing, and resumes the fights after the restart', async () => {
    await rig.start();
    const viewers = Array.from({ length: PAIRS * 2 }, (_, i) => `fighter${i}`);
    await rig.introduce(viewers);
    for (const v of viewers) await rig.ask('streamer', `!addtokens @${v} ${SEED}`, ['broadcaster']);

    // All pairs challenge and accept at once while the fighters answer; kill once a few moves have landed.
    const stop = autoAnswer();
    try {
      for (let p = 0; p < PAIRS; p++) rig.fake.say(CHANNEL, { login: `fighter${2 * p}`, text: `!breadfight @fighter${2 * p + 1} ${WAGER}` });
      await rig.waitFor(() => rig.delivered().filter((m) => /challenges you/.test(m.text)).length === PAIRS, 15_000, 'the challenges');
      for (let p = 0; p < PAIRS; p++) rig.fake.say(CHANNEL, { login: `fighter${2 * p + 1}`, text: '!accept' });
      await rig.waitFor(() => rig.delivered().filter((m) => /-\d+ HP|\d+ damage/.test(m.text)).length >= PAIRS + 2, 20_000, 'moves');
      await rig.kill('SIGKILL');
    } finally {
      stop();
    }

    await rig.expectBooksBalanced();
    const crashed = await fightsConsistent();
    expect(crashed.active + crashed.finished).to.equal(PAIRS);
    if (process.env.SHOW_CRASH) process.stdout.write(`      killed with ${crashed.active} fights running, ${crashed.finished} finished\n`);

    // The restarted bot asks the interrupted fights' questions again; the fighters answer them to the end.
    const before = rig.delivered().length;
    const stop2 = autoAnswer();
    try {
      await rig.start();
      await rig.waitFor(() => rig.delivered().slice(before).filter((m) => /resumes/.test(m.text)).length >= crashed.active, 30_000, 'the resumed fights');
      await rig.waitFor(async () => (await fightsConsistent()).finished === PAIRS, 30_000, () => `the fights to end; last said: ${JSON.stringify(rig.delivered().slice(-5).map((m) => m.text))}`);
    } finally {
      stop2();
    }
    await rig.kill('SIGTERM');
    await rig.expectBooksBalanced();
    expect(rig.delivered().every((m) => m.text.length <= 500)).to.equal(true);
  });
});
