import { expect } from 'chai';
import { startTestBot } from './support/kit.ts';

describe('smoke', () => {
  it('answers !quote and !help', async () => {
    const t = await startTestBot({ plugins: ['quotes', 'chatlog'], showLogs: true });
    try {
      expect(await t.ask('alice', '!quote')).to.match(/No quotes yet/);
      expect(await t.ask({ login: 'mod', roles: ['moderator'] }, '!addquote hello "world"')).to.equal('Saved quote #1.');
      expect(await t.ask('bob', '!q 1')).to.equal('#1: "hello "world""');
      expect(await t.ask('carol', '!help')).to.match(/!quote/);
    } finally {
      await t.stop();
    }
  });
});
