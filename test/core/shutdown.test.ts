// Graceful shutdown: `npm start` stops on SIGTERM, exits 0 and leaves a clean database; in process,
// bot.stop() runs the shutdown hook, tears plugins down dependents first and flushes pending batches.
import { existsSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { stringify } from 'yaml';
import { Storage } from '../../core/db.ts';
import { LogHub } from '../../core/log.ts';
import { builtinPlugins, startTestBot } from '../support/kit.ts';
import { cleanup, newProbe, onCleanup, pluginFolder, spawnMain, startCoreBot, tempDir, type Probe } from './helpers.ts';

async function openDb(file: string): Promise<Storage> {
  const storage = await Storage.open(file, new LogHub({ write: () => undefined }).logger('db'));
  onCleanup(() => storage.close());
  return storage;
}

describe('core: shutdown', () => {
  let probe: Probe;
  beforeEach(() => {
    probe = newProbe();
  });
  afterEach(cleanup);

  it('`npm start` stops on SIGTERM: exits 0 within a few seconds, logs "stopped", leaves a clean database', async function () {
    this.timeout(30000);
    const dir = tempDir();
    const configFile = path.join(dir, 'bakebot.yaml');
    const dataDir = path.join(dir, 'data');
    const plugins: Record<string, unknown> = {};
    for (const name of builtinPlugins()) plugins[name] = { enabled: false };
    writeFileSync(configFile, stringify({ bot: { watch: true }, plugins: { ...plugins, chatlog: { enabled: true } } }));
    const p = spawnMain(configFile, dataDir);
    // core/main.ts installs its signal handlers before it starts the bot: no wait needed after "ready".
    await p.waitForStderr(/\[bot\] ready: chatlog\b/);
    const signalled = Date.now();
    p.child.kill('SIGTERM');
    const { code, signal } = await p.exited;
    expect(Date.now() - signalled).to.be.below(5000);
    expect({ code, signal }, p.stderr()).to.deep.equal({ code: 0, signal: null });
    expect(p.stderr()).to.match(/\[bot\] shutting down/);
    expect(p.stderr()).to.match(/\[host\] plugin chatlog stopped \(stop\)/);
    expect(p.stderr()).to.match(/\[bot\] stopped\s*$/);
    // (Built-in plugins still being written may log errors at start; the shutdown itself must not.)
    expect(p.stderr().slice(p.stderr().indexOf('[bot] shutting down'))).to.not.match(/ERROR|WARN/);

    // Closed cleanly: the last connection checkpointed the WAL into the file and removed it.
    const file = path.join(dataDir, 'bakebot.sqlite3');
    const wal = `${file}-wal`;
    expect(!existsSync(wal) || statSync(wal).size === 0, 'the WAL was not checkpointed').to.equal(true);
    const db = await openDb(file);
    expect(await db.get('PRAGMA integrity_check')).to.deep.equal({ integrity_check: 'ok' });
    const tables = (await db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")).map((r) => r.name);
    expect(tables).to.include.members(['migrations_core', 'migrations_chatlog', 'users', 'chatlog_messages']);
    expect(await db.all('SELECT id, name FROM migrations_chatlog ORDER BY id')).to.deep.equal([{ id: 1, name: 'messages' }, { id: 2, name: 'fewer-indexes' }]);
  });

  it('bot.stop() writes the chat log batch of messages posted just before it', async () => {
    const t = await startTestBot({ plugins: ['chatlog'] });
    onCleanup(() => t.stop());
    const file = t.bot.databaseFile;
    for (let i = 1; i <= 5; i++) t.say(`viewer${i}`, `message ${i}`);
    // Still waiting in the batch (it flushes every 250 ms).
    expect(await t.storage.get('SELECT count(*) AS n FROM chatlog_messages')).to.deep.equal({ n: 0 });
    await t.stop({ keepDir: true });
    const db = await openDb(file);
    const rows = await db.all<{ message: string }>('SELECT message FROM chatlog_messages ORDER BY id');
    expect(rows.map((r) => r.message)).to.deep.equal(['message 1', 'message 2', 'message 3', 'message 4', 'message 5']);
  });

  it('bot.stop() runs the shutdown hook, tears plugins down dependents first, then closes the database', async () => {
    const folder = pluginFolder(
      { name: 'base', setup: `ctx.onDispose(() => P.push('stop:base')); ctx.hooks.shutdown.tap(() => { P.push('shutdown:base'); });` },
      { name: 'dep', dependsOn: ['base'], setup: `ctx.onDispose(() => P.push('stop:dep'));` },
    );
    const t = await startCoreBot({ folder });
    await t.bot.stop();
    expect(probe.events).to.deep.equal(['shutdown:base', 'stop:dep', 'stop:base']);
    let failure: unknown;
    await t.storage.get('SELECT 1').catch((err: unknown) => (failure = err));
    expect(failure, 'the database is still open').to.be.instanceOf(Error);
  });
});
