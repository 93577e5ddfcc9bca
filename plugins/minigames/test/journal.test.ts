// A win is said before its transaction commits (journal.ts): written down first, paid by the next start if the
// bot stops before the commit, and never paid twice. The crash itself is in crash.test.ts.
import { expect } from 'chai';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { open } from 'sqlite';
import sqlite3 from 'sqlite3';
import { WinJournal, type PendingWin } from '../journal.ts';
import type { TestBot } from '../../../test/support/kit.ts';
import { ended, eventually, MOD, said, startGamesBot } from './helpers.ts';

const win = (gameId: number, login = 'cara'): PendingWin => ({
  gameId, title: 'Word scramble', status: 'won', answer: 'baguette', text: `${login} unscrambled it: baguette!`, state: { word: 'baguette', scrambled: 'TEBUGETA' }, rng: 7, answers: 3,
  winners: [{ userId: `id-${login}`, login, displayName: login }],
});

describe('minigames: the win journal', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'bakebot-journal-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads back what it recorded, crosses a win out once settled, and keeps the others', async () => {
    const file = path.join(dir, 'wins.jsonl');
    const journal = new WinJournal(file);
    expect(journal.record(win(1))).to.equal(true);
    expect(journal.record(win(2, 'dan'))).to.equal(true);
    expect(new WinJournal(file).read(() => expect.fail('no bad line'))).to.deep.equal([win(1), win(2, 'dan')]);
    journal.settled(1);
    expect(new WinJournal(file).read(() => expect.fail('no bad line'))).to.deep.equal([win(2, 'dan')]);
    // The file was replaced: the next win goes into the new one.
    expect(journal.record(win(3, 'eve'))).to.equal(true);
    expect(new WinJournal(file).read(() => expect.fail('no bad line'))).to.deep.equal([win(2, 'dan'), win(3, 'eve')]);
    journal.settled(2);
    journal.settled(3);
    expect(readFileSync(file, 'utf8')).to.equal('');
    expect(journal.record(win(4))).to.equal(true);
    expect(new WinJournal(file).read(() => expect.fail('no bad line'))).to.deep.equal([win(4)]);
    await journal.drain();
  });

  it('skips a line a crash cut short, and lines that are not wins, naming them', () => {
    const file = path.join(dir, 'wins.jsonl');
    const whole = JSON.stringify(win(1));
    writeFileSync(file, `${whole}\n${JSON.stringify({ ...win(2), winners: [] })}\n{"gameId":3,"title":"Word scr`);
    const bad: string[] = [];
    expect(new WinJournal(file).read((line) => bad.push(line))).to.deep.equal([win(1)]);
    expect(bad).to.have.length(2);
    expect(bad[1]).to.equal('{"gameId":3,"title":"Word scr');
  });

  it('says the disk refused instead of throwing (the win then commits before it is said)', () => {
    expect(new WinJournal(path.join(dir, 'no-such-folder', 'wins.jsonl')).record(win(1))).to.equal(false);
  });

  it('drain waits for every transaction it tracks', async () => {
    const journal = new WinJournal(path.join(dir, 'wins.jsonl'));
    let finished = false;
    journal.track(new Promise((r) => setTimeout(r, 30)).then(() => (finished = true)));
    await journal.drain();
    expect(finished).to.equal(true);
  });
});

async function tokens(t: TestBot, login: string): Promise<number> {
  return (await t.service('economy').findAccount(login))?.tokens ?? 0;
}

/** Holds the economy's writer until `release()`: what a slow disk or a long write does to a win's transaction. */
function holdWriter(t: TestBot): { release: () => void; held: Promise<void> } {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let started!: () => void;
  const held = new Promise<void>((r) => (started = r));
  void t.service('economy').transaction(async () => {
    started();
    await gate;
  });
  return { release, held };
}

describe('minigames: a win said before it is saved', function () {
  this.timeout(20_000);

  it('is announced while its transaction waits, written down until it commits, and paid once', async () => {
    const { t } = await startGamesBot();
    try {
      const file = path.join(t.dir, 'data', 'minigames-wins.jsonl');
      const game = await t.service('minigames').start({ type: 'scramble', options: { word: 'baguette' } });
      const writer = holdWriter(t);
      await writer.held;
      t.say('cara', 'baguette');
      expect(await said(t, /^cara unscrambled it: baguette!$/)).to.be.a('string');
      const listed = new WinJournal(file).read(() => expect.fail('no bad line'));
      expect(listed.map((w) => [w.gameId, w.winners.map((x) => x.login)])).to.deep.equal([[game.id, ['cara']]]);
      expect(await tokens(t, 'cara')).to.equal(0); // not yet: the writer is held

      writer.release();
      expect((await ended(t, game.id)).status).to.equal('won');
      await eventually(() => tokens(t, 'cara'), (n) => n === 5, "cara's pay");
      expect(readFileSync(file, 'utf8')).to.equal('');
      expect((await t.service('economy').check()).ok).to.equal(true);
    } finally {
      await t.stop();
    }
  });

  it('a hot reload waits for the transaction of a win it has said; the next version starts with it paid', async () => {
    const { t } = await startGamesBot();
    try {
      const game = await t.service('minigames').start({ type: 'scramble', options: { word: 'baguette' } });
      const writer = holdWriter(t);
      await writer.held;
      t.say('cara', 'baguette');
      await said(t, /^cara unscrambled it/);
      const reloaded = t.reload('minigames');
      setTimeout(writer.release, 50);
      await reloaded;
      expect((await ended(t, game.id)).status).to.equal('won');
      expect(await tokens(t, 'cara')).to.equal(5);
      expect(t.service('minigames').running()).to.equal(undefined);
      const from = t.outputs.length;
      t.say(MOD, '!scramble');
      await said(t, /^Word scramble!/, from);
    } finally {
      await t.stop();
    }
  });

  it('a win whose transaction fails is tried again and paid without a restart', async () => {
    const { t, clock } = await startGamesBot();
    const disk = await failingWins(t);
    try {
      const file = path.join(t.dir, 'data', 'minigames-wins.jsonl');
      const game = await t.service('minigames').start({ type: 'scramble', options: { word: 'baguette' } });
      t.say('cara', 'baguette');
      await said(t, /^cara unscrambled it/);
      await eventually(async () => logged(t, /the win was said but not saved yet \(.*the disk is full\); trying again in 250 ms/), (x) => x, 'the failure logged');
      expect(await tokens(t, 'cara')).to.equal(0);
      expect(new WinJournal(file).read(() => expect.fail('no bad line')).map((w) => w.gameId)).to.deep.equal([game.id]);

      await disk.heal();
      await clock.advance(250);
      await eventually(() => tokens(t, 'cara'), (n) => n === 5, "cara's pay");
      expect((await ended(t, game.id)).status).to.equal('won');
      expect(logged(t, /the win is saved \(attempt 2\)/)).to.equal(true);
      expect(readFileSync(file, 'utf8')).to.equal('');
      expect((await t.service('economy').check()).ok).to.equal(true);
    } finally {
      await disk.close();
      await t.stop();
    }
  });

  it('an unload does not wait out the pause before a retry; the next version pays the win', async () => {
    const { t } = await startGamesBot();
    const disk = await failingWins(t);
    try {
      const game = await t.service('minigames').start({ type: 'scramble', options: { word: 'baguette' } });
      t.say('cara', 'baguette');
      await said(t, /^cara unscrambled it/);
      await eventually(async () => logged(t, /trying again in 250 ms/), (x) => x, 'the failure logged');
      await disk.heal();
      // The fake clock never reaches the retry: only the unload can end the pause.
      await t.reload('minigames');
      expect((await ended(t, game.id)).status).to.equal('won');
      expect(await tokens(t, 'cara')).to.equal(5);
      expect((await t.service('economy').check()).ok).to.equal(true);
    } finally {
      await disk.close();
      await t.stop();
    }
  });

  it('a start pays a win the journal still lists, and only once when it had committed', async () => {
    const first = await startGamesBot();
    const dir = first.t.dir;
    const file = path.join(dir, 'data', 'minigames-wins.jsonl');
    let committed: number;
    let uncommitted: number;
    let caraId: string;
    let danId: string;
    try {
      const t = first.t;
      // One game won and saved as usual; its journal line is put back below, as if the bot had died before
      // crossing it out.
      committed = (await t.service('minigames').start({ type: 'scramble', options: { word: 'baguette' } })).id;
      caraId = t.say('cara', 'baguette').user.id;
      await ended(t, committed);
      await eventually(() => tokens(t, 'cara'), (n) => n === 5, "cara's pay");
      // Another said but never saved: its game row still runs when the bot stops.
      danId = t.say('dan', 'hi all').user.id;
      uncommitted = (await t.service('minigames').start({ type: 'scramble', options: { word: 'croissant' }, channel: 'otherchannel' })).id;
      await first.t.stop({ keepDir: true });
    } catch (err) {
      await first.t.stop();
      throw err;
    }
    const dan = { ...win(uncommitted, 'dan'), answer: 'croissant', text: 'dan unscrambled it: croissant!', winners: [{ userId: danId, login: 'dan', displayName: 'dan' }] };
    const cara = { ...win(committed, 'cara'), winners: [{ userId: caraId, login: 'cara', displayName: 'cara' }] };
    appendFileSync(file, `${JSON.stringify(cara)}\n${JSON.stringify(dan)}\n`);

    const { t } = await startGamesBot({}, { dir });
    try {
      expect(await tokens(t, 'cara')).to.equal(5); // not paid twice
      expect(await tokens(t, 'dan')).to.equal(5);
      const game = await ended(t, uncommitted);
      expect(game.status).to.equal('won');
      expect(game.winners.map((w) => w.login)).to.deep.equal(['dan']);
      expect(t.service('minigames').running('otherchannel')).to.equal(undefined);
      expect(readFileSync(file, 'utf8')).to.equal('');
      expect((await t.service('economy').check()).ok).to.equal(true);
      expect((await t.service('minigames').stats(danId)).wins).to.equal(1);
    } finally {
      await t.stop();
    }
  });
});

function logged(t: TestBot, pattern: RegExp): boolean {
  return t.bot.logs.recent().some((e) => pattern.test(e.msg));
}

/** A disk that refuses the end of every game until `heal()`: a trigger, from a connection of its own. */
async function failingWins(t: TestBot): Promise<{ heal(): Promise<void>; close(): Promise<void> }> {
  const db = await open({ filename: path.join(t.dir, 'data', 'bakebot.sqlite3'), driver: sqlite3.Database });
  await db.exec("CREATE TRIGGER test_failing_wins BEFORE UPDATE OF status ON minigames_games BEGIN SELECT RAISE(ABORT, 'the disk is full'); END");
  return {
    heal: () => db.exec('DROP TRIGGER IF EXISTS test_failing_wins'),
    close: () => db.close(),
  };
}
