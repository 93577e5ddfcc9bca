// A fight outlives its process: a restart in the middle resumes at the current turn with a fresh clock, a
// fight interrupted longer than resumeWithinSeconds is refunded, and a hot reload hands the running turn
// over without asking again. The books balance after each.
import { expect } from 'chai';
import { FakeClock } from '../../../test/support/kit.ts';
import { startFight, startFights, type FightBot } from './helpers.ts';

const T0 = Date.parse('2026-01-15T12:00:00Z');

describe('breadfight: restart, crash and hot reload', function () {
  this.timeout(30000);
  let f: FightBot | undefined;
  afterEach(async () => {
    await f?.t.stop();
    f = undefined;
  });

  /** A fight between alice and bob (100 each), alice has hit once and bob's question is out. */
  async function midFight(settings: Record<string, unknown> = {}): Promise<{ dir: string; question: string }> {
    f = await startFights({ settings: { hp: 30, maxRounds: 3, ...settings } });
    await f.fund('alice', 500);
    await f.fund('bob', 500);
    await startFight(f, 'alice', 'bob', 100);
    await f.play('alice', 'right');
    const { out } = await f.turn('bob');
    await f.booksBalanced(2);
    const dir = f.t.dir;
    await f.t.stop({ keepDir: true });
    f = undefined;
    return { dir, question: /: (Level \d word: type \w+)/.exec(out.text)?.[1] ?? '' };
  }

  it('a restart in the middle of a fight asks the current question again and plays on', async () => {
    const { dir, question } = await midFight();
    f = await startFights({ dir, keepConfig: true, clock: new FakeClock(T0 + 60_000) });
    const resumed = await f.said(/resumes/);
    expect(resumed.text).to.equal(`(fight #1 resumes) @bob round 1/3 ★: ${question} (15 s)`);
    expect([await f.balance('alice'), await f.balance('bob')]).to.deep.equal([400, 400]);
    const live = (await f.fights.live())[0];
    expect(live).to.deep.include({ state: 'active', activeFighter: 'bob', turn: 1 });
    expect(live?.challenger.hp).to.equal(30);
    expect(live?.opponent.hp).to.equal(15);
    // The turn clock restarted: 14 s later bob can still answer.
    await f.clock.advance(14_000);
    await f.play('bob', 'right');
    await f.play('alice', 'right');
    await f.said(/@alice wins bread fight #1 against @bob \(15 HP to 0 HP\) and takes 200 tokens!/);
    expect([await f.balance('alice'), await f.balance('bob')]).to.deep.equal([600, 400]);
    await f.booksBalanced();
  });

  it('a fight interrupted longer than resumeWithinSeconds is refunded at the restart', async () => {
    const { dir } = await midFight({ resumeWithinSeconds: 120 });
    f = await startFights({ dir, keepConfig: true, clock: new FakeClock(T0 + 10 * 60_000) });
    expect((await f.said(/interrupted/)).text).to.equal('Bread fight #1 between @alice and @bob was interrupted too long ago to resume; both wagers go back.');
    expect([await f.balance('alice'), await f.balance('bob')]).to.deep.equal([500, 500]);
    expect((await f.fights.recent())[0]).to.deep.include({ outcome: 'refunded', state: 'finished' });
    expect(await f.fights.live()).to.deep.equal([]);
    await f.booksBalanced();
    // Refunding is once: another restart changes nothing.
    const dir2 = f.t.dir;
    await f.t.stop({ keepDir: true });
    f = await startFights({ dir: dir2, keepConfig: true, clock: new FakeClock(T0 + 20 * 60_000) });
    expect([await f.balance('alice'), await f.balance('bob')]).to.deep.equal([500, 500]);
    await f.booksBalanced();
  });

  it('an open challenge survives a restart and still expires on time', async () => {
    f = await startFights();
    await f.fund('alice', 500);
    await f.fund('bob', 500);
    f.t.say('alice', '!breadfight @bob 100');
    await f.said(/challenges you/);
    const dir = f.t.dir;
    await f.t.stop({ keepDir: true });
    f = await startFights({ dir, keepConfig: true, clock: new FakeClock(T0 + 30_000) });
    expect((await f.fights.live())[0]?.state).to.equal('challenged');
    await f.clock.advance(30_000);
    await f.said(/did not accept/);
    await f.booksBalanced();
  });

  it('a hot reload in the middle of a turn keeps the question and its clock', async () => {
    f = await startFights({ settings: { hp: 30, maxRounds: 3 } });
    await f.fund('alice', 500);
    await f.fund('bob', 500);
    await startFight(f, 'alice', 'bob', 100);
    const { word } = await f.turn('alice');
    await f.clock.advance(5_000);
    const asked = f.t.outputs.length;
    const info = await f.t.host.reload('breadfight');
    expect(info).to.include({ state: 'enabled', reloads: 1 });
    expect(f.t.outputs.length).to.equal(asked); // not asked again
    expect((await f.fights.live())[0]?.endsAt).to.equal(T0 + 15_000);
    // The reloaded plugin scores the answer to the question the old one asked.
    f.t.say('alice', word);
    await f.said(/-15 HP|15 damage/, asked);
    const live = (await f.fights.live())[0];
    expect(live?.opponent.hp).to.equal(15);
    expect(live?.activeFighter).to.equal('bob');
    // Reload again during bob's turn: his clock runs out at the same moment it would have.
    const bobAsked = (await f.turn('bob')).index;
    const deadline = (await f.fights.live())[0]?.endsAt ?? 0;
    await f.t.host.reload('breadfight');
    expect((await f.fights.live())[0]?.endsAt).to.equal(deadline);
    await f.clock.advance(deadline - f.clock.now() - 1);
    expect(f.t.outputs.length).to.equal(bobAsked + 1);
    await f.clock.advance(1);
    await f.said(/time is up|Too slow|has not moved/, bobAsked);
    await f.play('alice', 'right');
    await f.said(/@alice wins bread fight #1/);
    await f.booksBalanced();
  });
});
