// Storage: a reader that sees only committed data, a serialized writer, write-behind batches flushed on
// interval, when full, on unload and on close; cooldowns and the sliding-window limiter on the fake clock.
import { statSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { asJsonRows, Storage } from '../../core/db.ts';
import { CooldownTable, SlidingWindow } from '../../core/limits.ts';
import { LogHub } from '../../core/log.ts';
import type { SqlTx } from '../../core/types.ts';
import { eventually, FakeClock } from '../support/kit.ts';
import { cleanup, newProbe, onCleanup, pluginFolder, startCoreBot, tempDir, type Probe } from './helpers.ts';

async function openStorage(): Promise<Storage> {
  const storage = await Storage.open(path.join(tempDir(), 'data', 'test.sqlite3'), new LogHub({ write: () => undefined }).logger('db'));
  onCleanup(() => storage.close());
  await storage.run('CREATE TABLE items (v TEXT NOT NULL, n INTEGER NOT NULL DEFAULT 1)');
  return storage;
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

async function values(storage: Storage): Promise<string[]> {
  return (await storage.all<{ v: string }>('SELECT v FROM items ORDER BY rowid')).map((r) => r.v);
}

describe('core: storage', () => {
  let probe: Probe;
  beforeEach(() => {
    probe = newProbe();
  });
  afterEach(cleanup);

  it('reads on a second connection: a read during a write transaction does not see its uncommitted rows', async () => {
    const storage = await openStorage();
    const inside = deferred();
    const release = deferred();
    const tx = storage.transaction(async (t) => {
      await t.run("INSERT INTO items (v) VALUES ('in tx')");
      expect(await t.get('SELECT count(*) AS n FROM items')).to.deep.equal({ n: 1 });
      inside.resolve();
      await release.promise;
    });
    await inside.promise;
    expect(await storage.get('SELECT count(*) AS n FROM items')).to.deep.equal({ n: 0 });
    expect(await storage.all('SELECT * FROM items')).to.deep.equal([]);
    release.resolve();
    await tx;
    expect(await values(storage)).to.deep.equal(['in tx']);
  });

  it('checkpoints the WAL on its own connection: no commit runs one, and the WAL stays bounded', async function () {
    this.timeout(20_000);
    const storage = await openStorage();
    // The writer's automatic checkpoint (inside whichever commit grows the WAL past 1000 pages) is off.
    expect(await storage.transaction((tx) => tx.get<{ wal_autocheckpoint: number }>('PRAGMA wal_autocheckpoint'))).to.deep.equal({ wal_autocheckpoint: 0 });
    // 12 MB in 30 commits over about three seconds: without checkpoints the WAL would hold all of it.
    const blob = 'x'.repeat(400_000);
    for (let i = 0; i < 30; i++) {
      await storage.run('INSERT INTO items (v) VALUES (?)', [blob]);
      await new Promise((r) => setTimeout(r, 100));
    }
    const wal = statSync(`${storage.file}-wal`).size;
    expect(wal, `${(wal / 1e6).toFixed(1)} MB of WAL`).to.be.lessThan(8e6);
  });

  it('serializes writes: a write issued during a transaction waits for it and is not rolled back with it', async () => {
    const storage = await openStorage();
    const inside = deferred();
    const release = deferred();
    const tx = storage.transaction(async (t) => {
      await t.run("INSERT INTO items (v) VALUES ('doomed')");
      inside.resolve();
      await release.promise;
      throw new Error('changed my mind');
    });
    await inside.promise;
    const outside = storage.run("INSERT INTO items (v) VALUES ('outside')");
    release.resolve();
    let failure: unknown;
    await tx.catch((err: unknown) => (failure = err));
    expect((failure as Error).message).to.equal('changed my mind');
    await outside;
    expect(await values(storage)).to.deep.equal(['outside']);
  });

  it('prepared reads: committed data only, positional and named values, concurrent calls, clear errors, closed with the plugin', async () => {
    const storage = await openStorage();
    await storage.run("INSERT INTO items (v, n) VALUES ('a', 1), ('b', 2), ('c', 3)");
    const q = storage.prepare<{ v: string }>('SELECT v FROM items WHERE n >= ? ORDER BY n');
    expect(await q.all([2])).to.deep.equal([{ v: 'b' }, { v: 'c' }]);
    expect(await q.get([3])).to.deep.equal({ v: 'c' });
    expect(await q.get([9])).to.equal(undefined);
    const named = storage.prepare<{ v: string }>('SELECT v FROM items WHERE n = $n');
    expect(await named.get({ $n: 1 })).to.deep.equal({ v: 'a' });
    // Many at once (more than the statements kept per read) all get their own answer.
    const answers = await Promise.all([1, 2, 3, 1, 2, 3, 1, 2].map((n) => q.all([n])));
    expect(answers.map((rows) => rows.length)).to.deep.equal([3, 2, 1, 3, 2, 1, 3, 2]);
    // A transaction's uncommitted rows are not seen; after the commit they are.
    const inside = deferred();
    const release = deferred();
    const tx = storage.transaction(async (t) => {
      await t.run("INSERT INTO items (v, n) VALUES ('d', 4)");
      inside.resolve();
      await release.promise;
    });
    await inside.promise;
    expect(await q.all([4])).to.deep.equal([]);
    release.resolve();
    await tx;
    expect(await q.all([4])).to.deep.equal([{ v: 'd' }]);
    // Bad SQL, and writes, are refused with the statement in the message; the storage keeps working.
    const bad = storage.prepare('SELECT v FROM nowhere');
    let err = await bad.all().catch((e: unknown) => e as Error);
    expect((err as Error).message).to.match(/could not prepare "SELECT v FROM nowhere": .*no such table/);
    err = await storage.prepare("INSERT INTO items (v) VALUES ('x')").all().catch((e: unknown) => e as Error);
    expect((err as Error).message).to.match(/prepare\(\) is for reads/);
    expect(await q.get([1])).to.deep.equal({ v: 'a' });
    // BigInt is refused as everywhere else.
    expect(() => q.all([1n as unknown as number])).to.throw(/BigInt/);
    await q.close();
    err = await q.all([1]).catch((e: unknown) => e as Error);
    expect((err as Error).message).to.match(/is closed/);
  });

  it('a plugin\'s prepared reads: the same object for the same text, closed when it unloads', async () => {
    const folder = pluginFolder({
      name: 'reader',
      setup: `
        const q = ctx.db.prepare('SELECT count(*) AS n FROM users');
        if (ctx.db.prepare('SELECT count(*) AS n FROM users') !== q) throw new Error('not the same object');
        globalThis.__readerQuery = q;
        ctx.commands.register({ name: 'count', run: async (c) => { c.reply('users: ' + (await q.get()).n); } });
      `,
    });
    const t = await startCoreBot({ folder });
    expect(await t.ask('alice', '!count')).to.match(/^users: \d+$/);
    const q = (globalThis as { __readerQuery?: { all(): Promise<unknown> } }).__readerQuery;
    await t.host.setEnabled('reader', false);
    const err = await q?.all().catch((e: unknown) => e as Error);
    expect((err as Error).message).to.match(/is closed \(its plugin unloaded\)/);
  });

  it('writes a big flush in parts, and a write queued meanwhile goes between two parts, not after the whole flush', async () => {
    const storage = await openStorage();
    const parts: number[] = [];
    let command: Promise<unknown> | undefined;
    const batch = storage.batch<string>({
      intervalMs: 60_000,
      maxItems: 10_000,
      flush: async (items, tx) => {
        parts.push(items.length);
        // A viewer's command arrives while the first part is written.
        command ??= storage.run("INSERT INTO items (v) VALUES ('command')");
        await tx.insertMany('items', ['v'], items.map((v) => [v]));
      },
    });
    for (let i = 0; i < 250; i++) batch.push(`chat ${i}`);
    await batch.flush();
    await command;
    expect(parts).to.deep.equal([100, 100, 50]);
    const order = await values(storage);
    expect(order).to.have.length(251);
    expect(order.indexOf('command'), 'the command waited for one part only').to.equal(100);

    // Two flushes waiting: the command still goes before the second (background writes wait for interactive ones).
    await storage.run('DELETE FROM items');
    let second: Promise<unknown> | undefined;
    const first = storage.batch<string>({ intervalMs: 60_000, flush: async (items, tx) => {
      second ??= storage.run("INSERT INTO items (v) VALUES ('command')");
      await tx.insertMany('items', ['v'], items.map((v) => [v]));
    } });
    const other = storage.batch<string>({ intervalMs: 60_000, flush: (items, tx) => tx.insertMany('items', ['v'], items.map((v) => [v])) });
    first.push('first');
    other.push('other');
    await Promise.all([first.flush(), other.flush(), new Promise((r) => setTimeout(r, 20)).then(() => second)]);
    expect(await values(storage)).to.deep.equal(['first', 'command', 'other']);
  });

  it('flushes a batch on its interval, early when full, and merges items with the same key', async () => {
    const storage = await openStorage();
    let flushed = deferred();
    const flush = async (items: readonly { v: string; n: number }[], tx: SqlTx) => {
      await tx.insertMany('items', ['v', 'n'], items.map((i) => [i.v, i.n]));
      flushed.resolve();
    };

    const timed = storage.batch({ intervalMs: 30, flush });
    timed.push({ v: 'a', n: 1 });
    timed.push({ v: 'b', n: 1 });
    expect(timed.pending).to.equal(2);
    expect(await values(storage)).to.deep.equal([]);
    await flushed.promise; // the interval started a flush; no one asked for it
    expect(timed.pending).to.equal(0);
    await timed.flush(); // nothing left to write: this only waits for that flush to commit
    expect(await values(storage)).to.deep.equal(['a', 'b']);

    flushed = deferred();
    const full = storage.batch({ intervalMs: 60_000, maxItems: 3, flush });
    full.push({ v: 'c', n: 1 });
    full.push({ v: 'd', n: 1 });
    full.push({ v: 'e', n: 1 });
    expect(full.pending).to.equal(0);
    await flushed.promise;
    await full.flush();
    expect(await values(storage)).to.deep.equal(['a', 'b', 'c', 'd', 'e']);

    flushed = deferred();
    const merged = storage.batch({ intervalMs: 60_000, key: (i) => i.v, merge: (a, b) => ({ v: a.v, n: a.n + b.n }), flush });
    for (const v of ['x', 'y', 'x', 'x']) merged.push({ v, n: 1 });
    expect(merged.pending).to.equal(2);
    await merged.flush();
    expect(await storage.all('SELECT v, n FROM items WHERE v IN (?, ?) ORDER BY v', ['x', 'y'])).to.deep.equal([{ v: 'x', n: 3 }, { v: 'y', n: 1 }]);
  });

  it('insertMany stores every value as binding it would: order, types, upserts, and the values JSON cannot carry', async () => {
    const storage = await openStorage();
    await storage.run('CREATE TABLE mixed (id INTEGER PRIMARY KEY AUTOINCREMENT, k TEXT UNIQUE, s TEXT, i INTEGER, r REAL, x)');
    const rows = [
      ['a', 'plain', 1, 1.5, null],
      ['b', 'quote \' "double" \\ back\nline\ttab', -7, 0.1, 'text'],
      ['c', 'emoji 🍞 and é and 中文', 1795679465478, 1e300, 42],
      ['d', '', 0, -0.5, 2.5],
      ['e', '123', 9007199254740991, 3, '0042'],
    ] as const;
    await storage.transaction((tx) => tx.insertMany('mixed', ['k', 's', 'i', 'r', 'x'], rows));
    const typed = await storage.all('SELECT k, s, i, r, x, typeof(s) AS ts, typeof(i) AS ti, typeof(r) AS tr, typeof(x) AS tx FROM mixed ORDER BY id');
    expect(typed.map((r) => [r.k, r.s, r.i, r.r, r.x])).to.deep.equal(rows.map((r) => [...r]));
    expect(typed.map((r) => [r.ts, r.ti, r.tr])).to.deep.equal(rows.map(() => ['text', 'integer', 'real']));
    expect(typed.map((r) => r.tx)).to.deep.equal(['null', 'text', 'integer', 'real', 'text']);
    // An upsert clause follows the rows.
    await storage.transaction((tx) => tx.insertMany('mixed', ['k', 's', 'i'], [['a', 'again', 2], ['f', 'new', 3]], { suffix: 'ON CONFLICT(k) DO UPDATE SET s = excluded.s, i = i + excluded.i' }));
    expect(await storage.all('SELECT k, s, i FROM mixed WHERE k IN (?, ?) ORDER BY k', ['a', 'f'])).to.deep.equal([{ k: 'a', s: 'again', i: 3 }, { k: 'f', s: 'new', i: 3 }]);
    // A blob, a lone surrogate and Infinity are bound one by one, and stored as binding stores them.
    const blob = new Uint8Array([0, 1, 2, 255]);
    await storage.transaction((tx) => tx.insertMany('mixed', ['k', 'x'], [['blob', blob], ['lone', 'half \ud83c pair'], ['inf', Infinity]]));
    const odd = await storage.all<{ k: string; x: unknown }>("SELECT k, x FROM mixed WHERE k IN ('blob', 'lone', 'inf') ORDER BY id");
    expect(Buffer.from(odd[0]?.x as Uint8Array)).to.deep.equal(Buffer.from(blob));
    expect(odd[1]?.x).to.equal('half \ufffd pair');
    expect(odd[2]?.x).to.equal(Infinity);
    // Strings, finite numbers and nulls travel as one JSON text; anything else is bound.
    expect(asJsonRows([['a', 1, null], ['b', 2.5, '']])).to.equal('[["a",1,null],["b",2.5,""]]');
    for (const v of [blob, 'half \ud83c pair', Infinity, NaN]) expect(asJsonRows([['k', v]])).to.equal(undefined);
    // Thousands of rows keep their order.
    await storage.transaction((tx) => tx.insertMany('items', ['v', 'n'], Array.from({ length: 5000 }, (_, i) => [`row ${i}`, i])));
    const many = await storage.all<{ v: string; n: number }>("SELECT v, n FROM items WHERE v LIKE 'row %' ORDER BY rowid");
    expect(many.length).to.equal(5000);
    expect(many.every((r, i) => r.v === `row ${i}` && r.n === i)).to.equal(true);
  });

  it('flushes pending batches when the storage closes', async () => {
    const file = path.join(tempDir(), 'close.sqlite3');
    const storage = await Storage.open(file, new LogHub({ write: () => undefined }).logger('db'));
    await storage.run('CREATE TABLE items (v TEXT NOT NULL)');
    const b = storage.batch<string>({ intervalMs: 60_000, flush: (items, tx) => tx.insertMany('items', ['v'], items.map((v) => [v])) });
    b.push('late 1');
    b.push('late 2');
    await storage.close();
    const again = await Storage.open(file, new LogHub({ write: () => undefined }).logger('db'));
    onCleanup(() => again.close());
    expect(await again.all('SELECT v FROM items')).to.deep.equal([{ v: 'late 1' }, { v: 'late 2' }]);
  });

  it('flushes a plugin\'s batch when the plugin unloads', async () => {
    const folder = pluginFolder({
      name: 'counter',
      migrations: 'migrations',
      setup: `
        const batch = ctx.db.batch({ intervalMs: 60000, flush: (items, tx) => tx.insertMany('counter_seen', ['text'], items.map((t) => [t])) });
        ctx.hooks.chatMessage.tap((m) => { batch.push(m.text); P.push('pushed ' + m.text); });
      `,
    });
    folder.migration('counter', '001-init.sql', '-- Up\nCREATE TABLE counter_seen (text TEXT NOT NULL);\n');
    const t = await startCoreBot({ folder });
    for (const text of ['one', 'two', 'three']) t.say('alice', text);
    await probe.waitFor('pushed three');
    expect(await t.storage.all('SELECT text FROM counter_seen')).to.deep.equal([]);
    await t.host.setEnabled('counter', false);
    expect(await t.storage.all('SELECT text FROM counter_seen')).to.deep.equal([{ text: 'one' }, { text: 'two' }, { text: 'three' }]);
  });

  it('cooldowns follow the clock', async () => {
    const clock = new FakeClock();
    const cd = new CooldownTable(clock);
    expect(cd.take('k', 10)).to.equal(0);
    expect(cd.take('k', 10)).to.equal(10_000);
    await clock.advance(4000);
    expect(cd.remaining('k')).to.equal(6000);
    expect(cd.take('k', 10)).to.equal(6000);
    expect(cd.take('other', 10)).to.equal(0);
    await clock.advance(6000);
    expect(cd.remaining('k')).to.equal(0);
    expect(cd.take('k', 10)).to.equal(0);
    cd.reset('k');
    expect(cd.take('k', 10)).to.equal(0);
  });

  it('the sliding window allows `limit` events in any window', async () => {
    const clock = new FakeClock();
    const w = new SlidingWindow(clock, 3, 10_000);
    expect(w.take('u')).to.equal(true);
    await clock.advance(1000);
    expect(w.take('u')).to.equal(true);
    await clock.advance(1000);
    expect(w.take('u')).to.equal(true);
    expect(w.take('u')).to.equal(false);
    expect(w.take('someone else')).to.equal(true);
    expect(w.waitFor('u')).to.equal(8000);
    await clock.advance(7999);
    expect(w.take('u')).to.equal(false);
    await clock.advance(1);
    // The first event left the window; the other two are still in it.
    expect(w.take('u')).to.equal(true);
    expect(w.take('u')).to.equal(false);
    expect(w.count('u')).to.equal(3);
    // Events of a previous run count too; those already out of the window, or in the future, do not.
    const next = new SlidingWindow(clock, 3, 10_000);
    const now = clock.now();
    next.restore('u', [now - 20_000, now - 500, now - 9_000, now + 60_000, Number.NaN]);
    expect(next.times('u')).to.deep.equal([now - 9_000, now - 500]);
    expect(next.take('u')).to.equal(true);
    expect(next.take('u')).to.equal(false);
    expect(next.waitFor('u')).to.equal(1000);
  });

  it('gives plugins private cooldown keys, rate limiters, command cooldowns and a flood limit on the clock', async () => {
    const spec = (name: string) => ({
      name,
      setup: `
        const limiter = ctx.rateLimiter(2, 5000);
        ctx.commands.register({ name: '${name}', description: 'd', cooldown: 0, run: (call) => call.reply('${name}: cd ' + ctx.cooldowns.take('shared', 30) + ', limit ' + limiter.take(call.user.id)) });
      `,
    });
    const folder = pluginFolder(spec('one'), spec('two'), {
      name: 'slowcmd',
      setup: `ctx.commands.register({ name: 'cd', description: 'd', cooldown: 10, run: (call) => call.reply('cd ran') });`,
    });
    const clock = new FakeClock();
    const t = await startCoreBot({ folder, clock, config: { bot: { rateLimitMessages: 4, rateLimitWindow: 60 } } });
    expect(await t.ask('alice', '!one')).to.equal('one: cd 0, limit true');
    expect(await t.ask('bob', '!two')).to.equal('two: cd 0, limit true');
    expect(await t.ask('alice', '!one')).to.equal('one: cd 30000, limit true');
    expect(await t.ask('alice', '!one')).to.equal('one: cd 30000, limit false');
    await clock.advance(5000);
    expect(await t.ask('bob', '!one')).to.equal('one: cd 25000, limit true');

    // Per-user command cooldown; moderators skip it.
    expect(await t.ask('carol', '!cd')).to.equal('cd ran');
    expect(await t.repliesTo('carol', '!cd')).to.deep.equal(['@carol wait 10 s before !cd again']);
    expect(await t.ask({ login: 'mod', roles: ['moderator'] }, '!cd')).to.equal('cd ran');
    expect(await t.ask({ login: 'mod', roles: ['moderator'] }, '!cd')).to.equal('cd ran');
    await clock.advance(10_000);
    expect(await t.ask('carol', '!cd')).to.equal('cd ran');

    // Flood limit: 4 commands per 60 s per viewer (alice used 3 so far, more than 60 s ago after this).
    await clock.advance(60_000);
    for (let i = 0; i < 4; i++) expect(await t.ask('alice', '!one')).to.match(/^one:/);
    expect(await t.repliesTo('alice', '!two')).to.deep.equal([]);
    await clock.advance(60_000);
    expect(await t.ask('alice', '!two')).to.match(/^two:/);
  });
});

describe('storage guards', () => {
  it('says what is wrong when a write waits too long (a write nested in a transaction), and refuses BigInt', async () => {
    const dir = tempDir();
    const logs = new LogHub({ write: () => undefined });
    const storage = await Storage.open(path.join(dir, 'x.sqlite3'), logs.logger('db'), { stallWarningMs: 100 });
    try {
      await storage.run('CREATE TABLE t (v INTEGER)');
      let release!: () => void;
      const held = storage.transaction(async (tx) => {
        await tx.run('INSERT INTO t VALUES (1)');
        await new Promise<void>((r) => (release = r));
      });
      const waiting = storage.run('INSERT INTO t VALUES (2)');
      await eventually(() => logs.recent().some((e) => e.level === 'error' && /inside a transaction, use the transaction's `tx`/.test(e.msg)), { what: 'the error about a write outside the transaction' });
      release();
      await held;
      await waiting;
      expect(() => storage.run('INSERT INTO t VALUES (?)', [10n as unknown as number])).to.throw(/BigInt/);
      // A batch filled up inside a transaction still flushes on its own afterwards.
      const batch = storage.batch<number>({ maxItems: 2, flush: (rows, tx) => tx.insertMany('t', ['v'], rows.map((v) => [v])) });
      await storage.transaction(async () => {
        batch.push(3);
        batch.push(4);
      });
      await batch.flush();
      expect((await storage.all<{ v: number }>('SELECT v FROM t ORDER BY v')).map((r) => r.v)).to.deep.equal([1, 2, 3, 4]);
    } finally {
      await storage.close();
    }
  });
});
