// The answer matcher on a table of answers: what normalization forgives, what the similarity accepts at the
// default 75 %, and what it refuses.
import { expect } from 'chai';
import { editDistance, matchAnswer, normalizeAnswer } from '../matcher.ts';

describe('minigames: answer matcher', () => {
  const normalized: [string, string][] = [
    ['  Croissant  ', 'croissant'],
    ['CRÈME BRÛLÉE!!', 'creme brulee'],
    ['The Baguette', 'baguette'],
    ['a loaf', 'loaf'],
    ['an éclair.', 'eclair'],
    ['the', 'the'],
    ['seven', '7'],
    ['Twenty-one', '21'],
    ['one hundred and five', '105'],
    ['two thousand and twenty six', '2026'],
    ['bread and butter', 'bread and butter'],
    ["baker's   dozen", 'bakers dozen'],
    ['Straße', 'strasse'],
    ['pain au chocolat?', 'pain au chocolat'],
  ];
  for (const [input, out] of normalized) {
    it(`normalizes ${JSON.stringify(input)} to ${JSON.stringify(out)}`, () => {
      expect(normalizeAnswer(input)).to.equal(out);
    });
  }

  // given, accepted, required accuracy, expected accuracy, expected hit
  const table: [string, string[], number, number, boolean][] = [
    ['croissant', ['Croissant'], 75, 100, true],
    ['croissnat', ['croissant'], 75, 89, true],          // one swap in nine letters
    ['crossiant', ['croissant'], 75, 78, true],          // two edits
    ['croisant', ['croissant'], 75, 89, true],           // one letter missing
    ['baguete', ['baguette'], 75, 88, true],
    ['bagel', ['baguette'], 75, 50, false],
    ['the sourdough', ['sourdough'], 75, 100, true],
    ['7', ['seven'], 75, 100, true],
    ['seven', ['7'], 75, 100, true],
    ['Seven!', ['7'], 100, 100, true],
    ['1851', ['1850'], 75, 0, false],                    // numbers match exactly or not at all
    ['8', ['7'], 75, 0, false],
    ['pie', ['pig'], 75, 67, false],                     // short words: one letter is a third of the word
    ['creme brulee', ['Crème brûlée'], 75, 100, true],
    ['cream brulee', ['Crème brûlée'], 75, 83, true],
    ['cream brulee', ['Crème brûlée'], 90, 83, false],   // a stricter streamer
    ['gingerbread', ['Lebkuchen', 'gingerbread'], 75, 100, true], // any accepted answer
    ['', ['croissant'], 0, 0, false],                    // nothing typed never wins
    ['!!!', ['croissant'], 0, 0, false],
    ['is it croissant', ['croissant'], 75, 60, false],   // whole message is the answer
    ['yeast', ['Yeast'], 100, 100, true],
    ['yeats', ['yeast'], 100, 80, false],
  ];
  for (const [given, accepted, required, accuracy, hit] of table) {
    it(`${JSON.stringify(given)} vs ${JSON.stringify(accepted)} at ${required} %: ${accuracy} %, ${hit ? 'hit' : 'miss'}`, () => {
      expect(matchAnswer(given, accepted, required)).to.deep.equal({ accuracy, hit });
    });
  }

  it('counts a swap of neighbours as one edit and stops early past a limit', () => {
    expect(editDistance('ab', 'ba')).to.equal(1);
    expect(editDistance('kitten', 'sitting')).to.equal(3);
    expect(editDistance('croissant', 'x'.repeat(200), 3)).to.equal(4);
  });
});
