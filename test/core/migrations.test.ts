// Migrations: one table per plugin (`migrations_<name>`), applied once, all-or-nothing; a failing one
// leaves that plugin disabled with the error shown; a migration file that disappears never drops tables.
import { rmSync, writeFileSync } from 'node:fs';
import { expect } from 'chai';
import type { TestBot } from '../support/kit.ts';
import { cleanup, logLines, newProbe, pluginFolder, startCoreBot, type PluginSpec } from './helpers.ts';

function migrating(name: string, body = ''): PluginSpec {
  return { name, migrations: 'migrations', setup: `P.push('setup:${name}');\n${body}` };
}

async function tables(t: TestBot): Promise<string[]> {
  const rows = await t.storage.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name");
  return rows.map((r) => r.name);
}

describe('core: migrations', () => {
  beforeEach(() => {
    newProbe();
  });
  afterEach(cleanup);

  it('keeps a migrations table per plugin and applies each migration once (restart, reload)', async () => {
    // Both plugins have a migration numbered 1: with a shared table one would look applied for the other.
    const folder = pluginFolder(
      migrating('notes', `ctx.commands.register({ name: 'note', description: 'd', run: async (call) => { await ctx.db.run('INSERT INTO notes_items (text) VALUES (?)', [call.rest]); await call.reply('noted'); } });`),
      migrating('tags'),
    );
    folder.migration('notes', '001-init.sql', '-- Up\nCREATE TABLE notes_items (id INTEGER PRIMARY KEY, text TEXT NOT NULL);\n\n-- Down\nDROP TABLE notes_items;\n');
    folder.migration('tags', '001-init.sql', '-- Up\nCREATE TABLE tags_items (id INTEGER PRIMARY KEY);\n\n-- Down\nDROP TABLE tags_items;\n');
    const t = await startCoreBot({ folder });
    expect(await tables(t)).to.include.members(['migrations_notes', 'migrations_tags', 'notes_items', 'tags_items', 'migrations_core']);
    expect(await t.storage.all('SELECT id, name FROM migrations_notes')).to.deep.equal([{ id: 1, name: 'init' }]);
    expect(await t.storage.all('SELECT id, name FROM migrations_tags')).to.deep.equal([{ id: 1, name: 'init' }]);
    expect(await t.ask('alice', '!note first')).to.equal('noted');

    // A reload migrates again: nothing is pending, so nothing runs (CREATE TABLE would fail otherwise).
    await t.host.reload('notes');
    expect(t.host.plugin('notes')).to.include({ state: 'enabled', reloads: 1 });
    expect(t.host.plugin('notes')?.error).to.equal(undefined);

    await t.stop({ keepDir: true });
    const again = await startCoreBot({ folder, dir: t.dir });
    expect(again.host.plugins().map((p) => `${p.name}:${p.state}`)).to.deep.equal(['notes:enabled', 'tags:enabled']);
    expect(await again.storage.all('SELECT id FROM migrations_notes')).to.deep.equal([{ id: 1 }]);
    expect(await again.storage.all('SELECT text FROM notes_items')).to.deep.equal([{ text: 'first' }]);
  });

  it('rolls a failing migration back completely, keeps that plugin disabled with the error, runs the others', async () => {
    const folder = pluginFolder(migrating('broken'), migrating('good'));
    folder.migration('broken', '001-ok.sql', '-- Up\nCREATE TABLE broken_a (id INTEGER PRIMARY KEY);\n');
    const bad = folder.migration('broken', '002-bad.sql', '-- Up\nCREATE TABLE broken_b (id INTEGER PRIMARY KEY);\nINSERT INTO nowhere VALUES (1);\n');
    folder.migration('good', '001-init.sql', '-- Up\nCREATE TABLE good_items (id INTEGER PRIMARY KEY);\n');
    const t = await startCoreBot({ folder });

    const info = t.host.plugin('broken');
    expect(info?.state).to.equal('failed');
    expect(info?.error).to.match(/migration 2-bad of broken failed: .*no such table: nowhere/);
    expect(t.host.plugin('good')?.state).to.equal('enabled');
    const names = await tables(t);
    expect(names).to.include('good_items');
    expect(names.filter((n) => n.startsWith('broken') || n === 'migrations_broken')).to.deep.equal([]);
    expect(logLines(t, 'error').some((l) => l.includes('plugin broken could not start: migration 2-bad'))).to.equal(true);

    // Fixed, and enabled again: both migrations apply.
    writeFileSync(bad, '-- Up\nCREATE TABLE broken_b (id INTEGER PRIMARY KEY);\n');
    await t.host.setEnabled('broken', true);
    expect(t.host.plugin('broken')?.state).to.equal('enabled');
    expect(await t.storage.all('SELECT id FROM migrations_broken ORDER BY id')).to.deep.equal([{ id: 1 }, { id: 2 }]);
  });

  it('never drops tables when a migration file is removed', async () => {
    const folder = pluginFolder(migrating('keep'));
    folder.migration('keep', '001-a.sql', '-- Up\nCREATE TABLE keep_a (id INTEGER PRIMARY KEY);\n-- Down\nDROP TABLE keep_a;\n');
    const second = folder.migration('keep', '002-b.sql', '-- Up\nCREATE TABLE keep_b (v TEXT);\nINSERT INTO keep_b VALUES (\'precious\');\n-- Down\nDROP TABLE keep_b;\n');
    const t = await startCoreBot({ folder });
    expect(await tables(t)).to.include.members(['keep_a', 'keep_b']);
    await t.stop({ keepDir: true });

    rmSync(second);
    const again = await startCoreBot({ folder, dir: t.dir });
    expect(again.host.plugin('keep')?.state).to.equal('enabled');
    expect(await again.storage.all('SELECT v FROM keep_b')).to.deep.equal([{ v: 'precious' }]);
    expect(await again.storage.all('SELECT id FROM migrations_keep ORDER BY id')).to.deep.equal([{ id: 1 }, { id: 2 }]);
    expect(logLines(again, 'warn')).to.include('[db] migration 2 of keep was applied but its file is gone; its tables are kept');
  });

  it('refuses to start a plugin whose migrations folder is missing (rather than treating it as empty)', async () => {
    const folder = pluginFolder(migrating('nofolder'));
    const t = await startCoreBot({ folder });
    expect(t.host.plugin('nofolder')?.state).to.equal('failed');
    expect(t.host.plugin('nofolder')?.error).to.match(/migrations folder .*nofolder.migrations does not exist/);
  });
});
