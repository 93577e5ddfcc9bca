// Reload as a transaction: new code is picked up; a version that fails to start leaves the previous one
// running; handed-over state survives; chat during the swap is held, not lost; dependents are set up
// again around it. And the same through file watching: plugin sources and the config file.
import { mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { expect } from 'chai';
import { PROJECT_ROOT } from '../../core/bot.ts';
import { cleanup, newProbe, pluginFolder, PluginFolder, rewriteConfig, startCoreBot, tempDir, waitForLog, type PluginSpec, type Probe } from './helpers.ts';

/** `greeter` at some version: `!greet` answers with `reply`; `!count` counts, and hands the count over. */
function greeter(version: string, reply: string, extra = ''): PluginSpec {
  return {
    name: 'greeter',
    version,
    setup: `
      P.push('setup:greeter ${version}');
      ctx.onDispose(() => P.push('stop:greeter ${version}'));
      let count = typeof ctx.inherited?.count === 'number' ? ctx.inherited.count : 0;
      ctx.handOver(() => ({ count }));
      ctx.hooks.chatMessage.tap((m) => { P.push('heard ${version} ' + m.text); });
      ctx.commands.register({ name: 'greet', description: 'd', run: (call) => call.reply(${JSON.stringify(reply)}) });
      ctx.commands.register({ name: 'count', description: 'd', run: (call) => call.reply('count ' + (++count) + ' (${version})') });
      ${extra}
      return { version: ${JSON.stringify(version)} };
    `,
  };
}

describe('core: reload', () => {
  let probe: Probe;
  beforeEach(() => {
    probe = newProbe();
  });
  afterEach(cleanup);

  it('host.reload picks up the edited source', async () => {
    const folder = pluginFolder(greeter('1.0.0', 'hello from v1'));
    const t = await startCoreBot({ folder });
    expect(await t.ask('alice', '!greet')).to.equal('hello from v1');
    folder.write('greeter', greeter('2.0.0', 'hello from v2'));
    const info = await t.host.reload('greeter');
    expect(info).to.include({ state: 'enabled', version: '2.0.0', reloads: 1 });
    expect(info.error).to.equal(undefined);
    expect(await t.ask('alice', '!greet')).to.equal('hello from v2');
    expect(probe.events.filter((e) => e.startsWith('setup') || e.startsWith('stop'))).to.deep.equal(['setup:greeter 1.0.0', 'stop:greeter 1.0.0', 'setup:greeter 2.0.0']);
  });

  it('host.reload re-runs the plugin\'s own helper modules too (a fresh bundle, not the ESM cache)', async () => {
    const folder = pluginFolder({ name: 'helped', setup: `ctx.commands.register({ name: 'word', description: 'd', run: (call) => call.reply(word()) });` });
    const entry = folder.file('helped');
    writeFileSync(entry, `import { word } from './lib/word.mjs';\n${readFileSync(entry, 'utf8')}`);
    folder.write('helped', `export const word = () => 'first';\n`, 'lib/word.mjs');
    const t = await startCoreBot({ folder });
    expect(await t.ask('alice', '!word')).to.equal('first');
    folder.write('helped', `export const word = () => 'second';\n`, 'lib/word.mjs');
    await t.host.reload('helped');
    expect(await t.ask('alice', '!word')).to.equal('second');
  });

  it('a reload reads the settings the start kept parsed, without parsing the config file again', async () => {
    const folder = pluginFolder(greeter('1.0.0', 'v1'));
    const t = await startCoreBot({ folder });
    // The YAML library core's config reader uses (loaded on first need): every full parse goes through here.
    const yaml = createRequire(path.join(PROJECT_ROOT, 'core', 'config.ts'))('yaml') as { parseDocument: (...args: unknown[]) => unknown };
    const parseDocument = yaml.parseDocument;
    let parsed = 0;
    yaml.parseDocument = (...args: unknown[]) => (parsed++, parseDocument(...args));
    try {
      folder.write('greeter', greeter('2.0.0', 'v2'));
      expect(await t.host.reload('greeter')).to.include({ state: 'enabled', version: '2.0.0' });
      expect(parsed, 'the unchanged file was parsed again').to.equal(0);
    } finally {
      yaml.parseDocument = parseDocument;
    }
    expect(await t.ask('alice', '!greet')).to.equal('v2');
  });

  it('hands state over to the next version (inherited)', async () => {
    const folder = pluginFolder(greeter('1.0.0', 'v1'));
    const t = await startCoreBot({ folder });
    expect(await t.ask('alice', '!count')).to.equal('count 1 (1.0.0)');
    expect(await t.ask('alice', '!count')).to.equal('count 2 (1.0.0)');
    folder.write('greeter', greeter('2.0.0', 'v2'));
    await t.host.reload('greeter');
    expect(await t.ask('alice', '!count')).to.equal('count 3 (2.0.0)');
  });

  it('keeps the previous version running, with its state, when the new one fails to start, and reports why', async () => {
    const folder = pluginFolder(greeter('1.0.0', 'hello from v1'));
    const t = await startCoreBot({ folder });
    expect(await t.ask('alice', '!count')).to.equal('count 1 (1.0.0)');
    folder.write('greeter', greeter('2.0.0', 'hello from v2', `throw new Error('v2 is broken');`));
    const info = await t.host.reload('greeter');
    expect(info.state).to.equal('enabled');
    expect(info.version).to.equal('1.0.0');
    expect(info.reloads).to.equal(0);
    expect(info.error).to.match(/reload \(source changed\) failed, the previous version keeps running: v2 is broken/);
    expect(t.host.plugin('greeter')?.error).to.equal(info.error);
    expect(await t.ask('alice', '!greet')).to.equal('hello from v1');
    expect(await t.ask('alice', '!count')).to.equal('count 2 (1.0.0)');
    // Exactly one v1 chat tap is left: the half-started v2 released its own.
    expect(t.bot.hooks.chatMessage.taps).to.have.length(1);

    // A source that does not even build is refused before anything is torn down.
    folder.write('greeter', 'export default { name: "greeter", version: "3.0.0", setup( {\n');
    const broken = await t.host.reload('greeter');
    expect(broken.version).to.equal('1.0.0');
    expect(broken.error).to.match(/reload \(source changed\) failed.*cannot build .*index\.mjs/);
    expect(await t.ask('alice', '!greet')).to.equal('hello from v1');

    // A good version then replaces it and clears the error.
    folder.write('greeter', greeter('4.0.0', 'hello from v4'));
    const fixed = await t.host.reload('greeter');
    expect(fixed).to.include({ version: '4.0.0', state: 'enabled' });
    expect(fixed.error).to.equal(undefined);
    expect(await t.ask('alice', '!count')).to.equal('count 3 (4.0.0)');
  });

  it('keeps the previous version when the new version\'s migration fails', async () => {
    const folder = pluginFolder(greeter('1.0.0', 'hello from v1'));
    const t = await startCoreBot({ folder });
    folder.write('greeter', { ...greeter('2.0.0', 'hello from v2'), migrations: 'migrations' });
    folder.migration('greeter', '001-bad.sql', '-- Up\nCREATE TABLE greeter_x (id INTEGER);\nSELECT * FROM missing_table;\n');
    const info = await t.host.reload('greeter');
    expect(info.version).to.equal('1.0.0');
    expect(info.error).to.match(/previous version keeps running: migration 1-bad of greeter failed/);
    expect(await t.ask('alice', '!greet')).to.equal('hello from v1');
    expect(await t.storage.all("SELECT name FROM sqlite_master WHERE name LIKE 'greeter%' OR name = 'migrations_greeter'")).to.deep.equal([]);
  });

  it('holds chat messages that arrive during the swap and hands them, in order, to the new version', async () => {
    const folder = pluginFolder(greeter('1.0.0', 'hello from v1'));
    const t = await startCoreBot({ folder });
    folder.write('greeter', greeter('2.0.0', 'hello from v2', `P.push('v2 waiting'); await P.gate('v2');`));
    const reloading = t.host.reload('greeter');
    await probe.waitFor('v2 waiting');
    const sent = ['m1', 'm2', 'm3', 'm4', 'm5'].map((text, i) => t.say(`viewer${i}`, text));
    const command = t.say('zoe', '!greet');
    expect(probe.events.filter((e) => e.startsWith('heard'))).to.deep.equal([]);
    probe.open('v2');
    await reloading;
    expect((await t.waitFor((o) => o.replyTo === command.id)).text).to.equal('hello from v2');
    await probe.waitFor(/^heard 2\.0\.0 m5$/);
    expect(probe.events.filter((e) => e.startsWith('heard'))).to.deep.equal([...sent.map((m) => `heard 2.0.0 ${m.text}`), 'heard 2.0.0 !greet']);
  });

  it('sets dependents up again around the reloaded plugin, with their own handed-over state', async () => {
    const folder = pluginFolder(greeter('1.0.0', 'v1'), {
      name: 'fan',
      dependsOn: ['greeter'],
      setup: `
        P.push('setup:fan sees greeter ' + ctx.service('greeter').version + ', inherited ' + JSON.stringify(ctx.inherited ?? null));
        ctx.onDispose(() => P.push('stop:fan'));
        ctx.handOver(() => ({ fan: 'state' }));
      `,
    });
    const t = await startCoreBot({ folder });
    probe.events.length = 0;
    folder.write('greeter', greeter('2.0.0', 'v2'));
    await t.host.reload('greeter');
    expect(probe.events.filter((e) => /^(setup|stop):/.test(e))).to.deep.equal([
      'stop:fan',
      'stop:greeter 1.0.0',
      'setup:greeter 2.0.0',
      'setup:fan sees greeter 2.0.0, inherited {"fan":"state"}',
    ]);
    expect(t.host.plugin('fan')?.state).to.equal('enabled');
  });

  it('rolls the whole swap back when a dependent fails to start with the new version', async () => {
    const folder = pluginFolder(greeter('1.0.0', 'hello from v1'), {
      name: 'fan',
      dependsOn: ['greeter'],
      setup: `
        const v = ctx.service('greeter').version;
        if (v !== '1.0.0') throw new Error('fan cannot work with greeter ' + v);
        P.push('setup:fan with ' + v);
        ctx.commands.register({ name: 'fan', description: 'd', run: (call) => call.reply('fan of ' + v) });
      `,
    });
    const t = await startCoreBot({ folder });
    folder.write('greeter', greeter('2.0.0', 'hello from v2'));
    const info = await t.host.reload('greeter');
    expect(info.version).to.equal('1.0.0');
    expect(info.error).to.match(/previous version keeps running: fan cannot work with greeter 2\.0\.0/);
    expect(t.host.plugins().map((p) => `${p.name}:${p.state}`)).to.deep.equal(['greeter:enabled', 'fan:enabled']);
    expect(await t.ask('alice', '!fan')).to.equal('fan of 1.0.0');
    expect(await t.ask('alice', '!greet')).to.equal('hello from v1');
  });

  it('refuses a new version whose dependencies are not running, and keeps the previous one', async () => {
    const folder = pluginFolder(greeter('1.0.0', 'hello from v1'));
    const t = await startCoreBot({ folder });
    folder.write('greeter', { ...greeter('2.0.0', 'hello from v2'), dependsOn: ['ghost'] });
    const info = await t.host.reload('greeter');
    expect(info.state).to.equal('enabled');
    expect(info.version).to.equal('1.0.0');
    expect(info.error).to.match(/previous version keeps running: .*"ghost"/);
    expect(await t.ask('alice', '!greet')).to.equal('hello from v1');
  });

  it('with watch on, reloads a plugin within 2 s of its source file changing (also under a folder named "test")', async () => {
    const root = path.join(tempDir(), 'test', 'plugins');
    mkdirSync(root, { recursive: true });
    const folder = new PluginFolder(root);
    folder.write('greeter', greeter('1.0.0', 'hello from v1'));
    const t = await startCoreBot({ folder, config: { bot: { watch: true } } });
    expect(await t.ask('alice', '!greet')).to.equal('hello from v1');
    const start = Date.now();
    folder.write('greeter', greeter('2.0.0', 'hello from v2'));
    await waitForLog(t, /plugin greeter reloaded \(source changed\)/);
    expect(Date.now() - start).to.be.below(2000);
    expect(await t.ask('alice', '!greet')).to.equal('hello from v2');
    expect(t.host.plugin('greeter')).to.include({ version: '2.0.0', reloads: 1 });
  });

  it('with watch on, catches up an edit saved while the bot started (watching begins after ready)', async () => {
    const folder = pluginFolder(
      greeter('1.0.0', 'hello from v1', 'const edit = globalThis.__editDuringStart; globalThis.__editDuringStart = undefined; edit?.();'),
    );
    // The edit lands during v1's setup: after the host read the plugin's files, before the watcher is up.
    (globalThis as { __editDuringStart?: () => void }).__editDuringStart = () => folder.write('greeter', greeter('2.0.0', 'hello from v2'));
    const t = await startCoreBot({ folder, config: { bot: { watch: true } } });
    await waitForLog(t, /plugin greeter reloaded \(source changed\)/);
    expect(await t.ask('alice', '!greet')).to.equal('hello from v2');
    expect(t.host.plugin('greeter')).to.include({ version: '2.0.0', reloads: 1 });
  });

  it('with watch on, catches up an edit saved while the bot started whose file time lags the clock', async () => {
    const folder = pluginFolder(
      greeter('1.0.0', 'hello from v1', 'const edit = globalThis.__editDuringStart; globalThis.__editDuringStart = undefined; edit?.();'),
    );
    const file = folder.file('greeter');
    const v1 = statSync(file).mtimeMs;
    // A file's time comes from the kernel's coarse clock, up to a tick behind Date.now(): an edit right after
    // the start read the files can carry a time from before it. Set here, so the case is not left to chance.
    (globalThis as { __editDuringStart?: () => void }).__editDuringStart = () => {
      folder.write('greeter', greeter('2.0.0', 'hello from v2'));
      const lagging = (v1 + 1) / 1000;
      utimesSync(file, lagging, lagging);
    };
    const t = await startCoreBot({ folder, config: { bot: { watch: true } } });
    await waitForLog(t, /plugin greeter reloaded \(source changed\)/);
    expect(await t.ask('alice', '!greet')).to.equal('hello from v2');
  });

  it('with watch on, an edit of the config file toggles a plugin within 2 s', async () => {
    const folder = pluginFolder(greeter('1.0.0', 'hello'));
    const t = await startCoreBot({ folder, config: { bot: { watch: true } } });
    const start = Date.now();
    rewriteConfig(t, folder, { bot: { watch: true }, plugins: { greeter: { enabled: false } } });
    await waitForLog(t, /plugin greeter stopped \(disable\)/);
    expect(Date.now() - start).to.be.below(2000);
    expect(t.host.plugin('greeter')?.state).to.equal('disabled');
    expect(await t.repliesTo('alice', '!greet')).to.deep.equal([]);

    rewriteConfig(t, folder, { bot: { watch: true }, plugins: { greeter: true } });
    await waitForLog(t, /plugin greeter 1\.0\.0 started/, 3000, 2);
    expect(await t.ask('alice', '!greet')).to.equal('hello');
  });

  it('with watch on, a changed setting re-sets-up only the plugin it concerns and its dependents', async () => {
    const schema = { type: 'object', additionalProperties: false, properties: { word: { type: 'string', default: 'one' } } };
    const spec = (name: string, extra: Partial<PluginSpec> = {}): PluginSpec => ({
      name,
      configSchema: schema,
      ...extra,
      setup: `P.push('setup:${name} ' + ctx.config.word); ctx.onDispose(() => P.push('stop:${name}'));`,
    });
    const folder = pluginFolder(spec('alpha'), spec('beta', { dependsOn: ['alpha'] }), spec('gamma'));
    const t = await startCoreBot({ folder, config: { bot: { watch: true } } });
    expect(probe.events).to.deep.equal(['setup:alpha one', 'setup:beta one', 'setup:gamma one']);
    probe.events.length = 0;

    rewriteConfig(t, folder, { bot: { watch: true }, plugins: { alpha: { word: 'two' } } });
    await waitForLog(t, /plugin alpha reloaded \(settings changed\)/);
    expect(probe.events).to.deep.equal(['stop:beta', 'stop:alpha', 'setup:alpha two', 'setup:beta one']);
    probe.events.length = 0;

    rewriteConfig(t, folder, { bot: { watch: true }, plugins: { alpha: { word: 'two' }, gamma: { word: 'three' } } });
    await waitForLog(t, /plugin gamma reloaded \(settings changed\)/);
    expect(probe.events).to.deep.equal(['stop:gamma', 'setup:gamma three']);
    expect(t.host.pluginConfig('gamma')).to.deep.equal({ word: 'three' });
  });
});
