// The user directory's ensureMany: a storm of EventSub payloads puts its viewers in the directory with one
// read and one write, keeps who it knew, and follows a renamed login.
import { expect } from 'chai';
import { startTestBot, type TestBot } from '../support/kit.ts';

describe('core: users.ensureMany', () => {
  let t: TestBot | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('adds the unknown, renames the renamed, keeps the known, and does nothing for none', async () => {
    t = await startTestBot({ plugins: [] });
    const users = t.bot.users;
    await users.ensure({ id: '1', login: 'kept', displayName: 'Kept' });
    await users.ensure({ id: '2', login: 'oldname' });
    const before = await users.byId('1');
    await users.ensureMany([]);
    await users.ensureMany([
      { id: '1', login: 'Kept', displayName: 'Kept' },
      { id: '2', login: 'NewName', displayName: 'NewName' },
      { id: '3', login: 'fresh' },
      { id: '3', login: 'fresh' },
    ]);
    expect(await users.byId('1')).to.deep.equal(before);
    expect(await users.byId('2')).to.include({ login: 'newname', displayName: 'NewName' });
    expect(await users.byId('3')).to.include({ login: 'fresh', displayName: 'fresh' });
    expect((await users.byLogin('newname'))?.id).to.equal('2');
  });
});
