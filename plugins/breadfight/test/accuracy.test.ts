// The hit rule on a table of answers around the threshold: an answer is a hit when the mini-games matcher's
// accuracy reaches `accuracyThreshold` (75 by default), exactly at it included, below it a miss. Played as
// real turns of a fight, so the rule is checked where it is applied.
import { expect } from 'chai';
import { startFight, startFights, type FightBot } from './helpers.ts';

interface Row {
  readonly answer: string;
  readonly accuracy: number;
  readonly hit: boolean;
}

/** Accuracy is 100 × (1 − edits / length of the longer text), after normalizing case, accents, articles. */
const TABLES: Record<string, { threshold: number; rows: Row[] }> = {
  croissant: {
    threshold: 75,
    rows: [
      { answer: 'croissant', accuracy: 100, hit: true },
      { answer: 'The Croissant!', accuracy: 100, hit: true },
      { answer: 'croissnat', accuracy: 89, hit: true }, // one swap
      { answer: 'crosant', accuracy: 78, hit: true }, // two edits
      { answer: 'crsant', accuracy: 67, hit: false }, // three edits
      { answer: 'bread', accuracy: 22, hit: false },
    ],
  },
  pumpernickel: {
    threshold: 75,
    rows: [
      { answer: 'pumpernickle', accuracy: 92, hit: true },
      { answer: 'pumprnickl', accuracy: 83, hit: true },
      { answer: 'pmprnickl', accuracy: 75, hit: true }, // exactly the threshold: a hit
      { answer: 'pmprnckl', accuracy: 67, hit: false }, // just under: a miss
    ],
  },
  'crust (threshold 80)': {
    threshold: 80,
    rows: [
      { answer: 'crust', accuracy: 100, hit: true },
      { answer: 'crast', accuracy: 80, hit: true },
      { answer: 'crst', accuracy: 80, hit: true },
      { answer: 'cst', accuracy: 60, hit: false },
    ],
  },
};

describe('breadfight: the accuracy rule', function () {
  this.timeout(30000);
  let f: FightBot | undefined;
  afterEach(async () => {
    await f?.t.stop();
    f = undefined;
  });

  for (const [name, { threshold, rows }] of Object.entries(TABLES)) {
    it(`${name}: hit at or above ${threshold} %, miss below`, async () => {
      const word = name.split(' ')[0] as string;
      const questions = Array.from({ length: rows.length }, (_, i) => ({ question: `Level 1 word: type ${word} (${i + 1})`, answer: word, difficulty: 1 }));
      f = await startFights({ settings: { hp: 10000, maxRounds: Math.ceil(rows.length / 2), accuracyThreshold: threshold, questions } });
      await f.fund('alice', 10);
      await f.fund('bob', 10);
      await startFight(f, 'alice', 'bob', 0);
      for (const [i, row] of rows.entries()) {
        const who = i % 2 === 0 ? 'alice' : 'bob';
        const { index } = await f.turn(who);
        f.t.say(who, row.answer);
        await f.said(/HP|wins|draw/, index + 1);
      }
      if (rows.length % 2) await f.clock.advance(15_000); // bob's last turn runs out
      await f.said(/wins|draw/);
      const moves = (await f.fights.recent())[0]?.moves.slice(0, rows.length) ?? [];
      expect(moves.map((m) => ({ accuracy: m.accuracy, hit: m.result === 'hit' }))).to.deep.equal(rows.map((r) => ({ accuracy: r.accuracy, hit: r.hit })));
      await f.booksBalanced();
    });
  }
});
