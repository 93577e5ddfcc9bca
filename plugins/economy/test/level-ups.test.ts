// The level-up line: who is named, how many are counted, and when a gathered line is said.
import { expect } from 'chai';
import { LEVEL_UP_GAP_MS, LevelUpAnnouncer, levelUpLine } from '../level-ups.ts';

const up = (name: string, level = 2) => ({ userId: `id-${name}`, name, level });

describe('economy: level-up lines', () => {
  it('names one viewer, several, and counts the rest', () => {
    expect(levelUpLine([up('alice')])).to.equal('alice reached level 2! 🎉');
    expect(levelUpLine([up('alice'), up('bob'), up('cara')])).to.equal('alice, bob and cara reached level 2! 🎉');
    expect(levelUpLine([up('alice', 3), up('bob')])).to.equal('Level up! 🎉 alice (level 3) and bob (level 2)');
    const many = Array.from({ length: 12 }, (_, i) => up(`v${i}`));
    expect(levelUpLine(many)).to.equal('v0, v1, v2, v3, v4, v5, v6, v7, v8, v9 and 2 more reached level 2! 🎉');
  });

  it('says the first at once, gathers the rest until the gap ends, and names a viewer once at the newer level', () => {
    let now = 0;
    const timers: { at: number; fn: () => void }[] = [];
    const said: [string, string][] = [];
    const a = new LevelUpAnnouncer({ now: () => now, setTimeout: (fn, ms) => void timers.push({ at: now + ms, fn }), say: (c, text) => void said.push([c, text]) });
    a.add('chan', up('alice'));
    expect(said).to.deep.equal([['chan', 'alice reached level 2! 🎉']]);
    now = 1000;
    a.add('chan', up('bob'));
    a.add('chan', up('bob', 3));
    a.add('other', up('dan'));
    expect(said).to.have.length(2); // another channel has its own gap
    expect(timers.map((t) => t.at)).to.deep.equal([LEVEL_UP_GAP_MS]);
    now = LEVEL_UP_GAP_MS;
    timers.shift()?.fn();
    expect(said.slice(2)).to.deep.equal([['chan', 'bob reached level 3! 🎉']]);
  });
});
