// The user directory's ensureMany: a storm of EventSub payloads puts its viewers in the directory with one
// read and one write, keeps who it knew, and follows a renamed login.
import { expect } from 'chai';
import type { Storage } from '../../core/db.ts';
import { Users } from '../../core/users.ts';
import { startTestBot, type TestBot } from '../support/kit.ts';

/** The bot's storage, counting the reads of the statements prepared through it. */
function countingReads(storage: Storage): { storage: Storage; reads: () => number } {
  let reads = 0;
  const bound = <T extends object>(target: T, key: PropertyKey): unknown => {
    const v = Reflect.get(target, key, target) as unknown;
    return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
  };
  const counting = new Proxy(storage, {
    get(target, key) {
      if (key !== 'prepare') return bound(target, key);
      return (sql: string) => {
        const q = target.prepare(sql);
        return new Proxy(q, {
          get(qt, k) {
            const v = bound(qt, k);
            if (k !== 'all' && k !== 'get') return v;
            return (...a: unknown[]) => {
              reads++;
              return (v as (...b: unknown[]) => unknown)(...a);
            };
          },
        });
      };
    },
  });
  return { storage: counting, reads: () => reads };
}

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

  it('reads the logins asked for in one turn together, each answered as if asked alone', async () => {
    t = await startTestBot({ plugins: [] });
    await t.bot.users.ensureMany(Array.from({ length: 40 }, (_, i) => ({ id: `id${i}`, login: `viewer${i}` })));
    const counted = countingReads(t.bot.storage);
    const users = new Users(counted.storage);
    const asked = [...Array.from({ length: 40 }, (_, i) => `viewer${i}`), 'nobody', 'VIEWER3', '@viewer5', 'viewer7'];
    const found = await Promise.all(asked.map((l) => users.byLogin(l)));
    // A frame of `!give @someone` asked hundreds at once: one read each cost the event loop a wake of SQLite's thread.
    expect(counted.reads()).to.equal(1);
    expect(found.map((u) => u?.id)).to.deep.equal([...Array.from({ length: 40 }, (_, i) => `id${i}`), undefined, 'id3', 'id5', 'id7']);
    expect((await users.byLogin('viewer9'))?.login).to.equal('viewer9');
    expect(counted.reads()).to.equal(2);
  });
});
