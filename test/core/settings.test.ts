// Saving a plugin's settings (the dashboard's form): validated first, written into the YAML without losing
// its comments, and applied to the running plugin.
import { readFileSync, writeFileSync } from 'node:fs';
import { expect } from 'chai';
import { parse } from 'yaml';
import { cleanup, newProbe, pluginFolder, startCoreBot, type PluginFolder, type Probe } from './helpers.ts';

const SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    word: { type: 'string', default: 'one' },
    count: { type: 'integer', minimum: 1, default: 5 },
    loud: { type: 'boolean', default: false },
  },
};

function folderWithCfg(): PluginFolder {
  const setup = (name: string) => `
    P.push('setup:${name} ' + JSON.stringify(ctx.config));
    ctx.hooks.configChanged.tap((c) => { P.push('configChanged ' + c.plugin); });
    ctx.commands.register({ name: '${name}', description: 'd', run: (call) => call.reply(JSON.stringify(ctx.config)) });
  `;
  return pluginFolder({ name: 'cfg', configSchema: SCHEMA, setup: setup('cfg') }, { name: 'short', configSchema: SCHEMA, setup: setup('short') });
}

/** A plugin whose setup refuses one word (`boom`): valid by the schema, but it does not start. */
function folderWithPicky(): PluginFolder {
  return pluginFolder({ name: 'cfg', configSchema: SCHEMA, setup: `
    if (ctx.config.word === 'boom') throw new Error('the oven is cold');
    ctx.commands.register({ name: 'cfg', description: 'd', run: (call) => call.reply(JSON.stringify(ctx.config)) });
  ` });
}

/** Everything of the text but the bytes of plugins.<name> (its key line up to the next top-level plugin key). */
function outside(text: string, name: string): string {
  return text.replace(new RegExp(`\\n  ${name}:[\\s\\S]*?(?=\\n  [a-z#])`), '\n  <section>');
}

function commentedYaml(folder: PluginFolder): string {
  return `# BakeBot test config: every comment here must survive a save.
bot:
  watch: false
  pluginPaths: [${JSON.stringify(folder.root)}]
  commandCooldown: 0

plugins:
  # The cfg plugin, with a comment above it
  cfg:
    enabled: true
    # the word it says
    word: file # trailing comment
    count: 7
  # shorthand: just on
  short: true
`;
}

describe('core: saving settings', () => {
  let probe: Probe;
  beforeEach(() => {
    probe = newProbe();
  });
  afterEach(cleanup);

  it('keeps the file\'s comments and applies the saved settings live (the others stay as they were)', async () => {
    const folder = folderWithCfg();
    const t = await startCoreBot({ folder, yaml: commentedYaml(folder) });
    expect(await t.ask('alice', '!cfg')).to.equal('{"word":"file","count":7,"loud":false}');
    probe.events.length = 0;

    const result = await t.host.saveConfig('cfg', { word: 'saved' });
    expect(result).to.deep.equal({ ok: true });
    const text = readFileSync(t.configFile, 'utf8');
    for (const comment of ['# BakeBot test config: every comment here must survive a save.', '# The cfg plugin, with a comment above it', '# the word it says', '# trailing comment', '# shorthand: just on']) {
      expect(text).to.include(comment);
    }
    expect(text).to.match(/word: saved # trailing comment/);
    expect(parse(text).plugins.cfg).to.deep.equal({ enabled: true, word: 'saved', count: 7 });
    expect(await t.ask('alice', '!cfg')).to.equal('{"word":"saved","count":7,"loud":false}');
    expect(t.host.pluginConfig('cfg')).to.deep.equal({ word: 'saved', count: 7, loud: false });
    expect(probe.events).to.include('configChanged cfg');

    // A value equal to the default, not in the file, is not written; the shorthand becomes a mapping.
    expect(await t.host.saveConfig('cfg', { loud: false })).to.deep.equal({ ok: true });
    expect(readFileSync(t.configFile, 'utf8')).to.not.include('loud');
    expect(await t.host.saveConfig('short', { count: 2 })).to.deep.equal({ ok: true });
    expect(parse(readFileSync(t.configFile, 'utf8')).plugins.short).to.deep.equal({ enabled: true, count: 2 });
    expect(readFileSync(t.configFile, 'utf8')).to.include('# shorthand: just on');
    expect(JSON.parse(await t.ask('alice', '!short'))).to.deep.equal({ word: 'one', count: 2, loud: false });
  });

  it('rejects invalid settings with their issues and changes nothing', async () => {
    const folder = folderWithCfg();
    const t = await startCoreBot({ folder, yaml: commentedYaml(folder) });
    const before = readFileSync(t.configFile, 'utf8');
    probe.events.length = 0;
    const result = await t.host.saveConfig('cfg', { count: 0, colour: 'red', word: 3 });
    expect(result.ok).to.equal(false);
    const issues = result.ok ? [] : result.issues.map((i) => `${i.path}: ${i.message}`);
    expect(issues).to.have.members([
      'plugins.cfg.count: must be integer >= 1',
      'plugins.cfg.colour: unknown setting (known: word, count, loud)',
      'plugins.cfg.word: must be string',
    ]);
    expect(readFileSync(t.configFile, 'utf8')).to.equal(before);
    expect(probe.events).to.deep.equal([]);
    expect(await t.ask('alice', '!cfg')).to.equal('{"word":"file","count":7,"loud":false}');
  });

  it('setEnabled with persist writes `enabled` into the file, keeping its comments', async () => {
    const folder = folderWithCfg();
    const t = await startCoreBot({ folder, yaml: commentedYaml(folder) });
    await t.host.setEnabled('cfg', false, { persist: true });
    const text = readFileSync(t.configFile, 'utf8');
    expect(parse(text).plugins.cfg.enabled).to.equal(false);
    expect(text).to.include('# the word it says');
    expect(t.host.plugin('cfg')?.state).to.equal('disabled');
    // A restart keeps it off.
    await t.stop({ keepDir: true });
    const again = await startCoreBot({ folder, dir: t.dir });
    expect(again.host.plugin('cfg')?.state).to.equal('disabled');
  });

  it('a save whose settings do not start is refused with RELOAD_FAILED, the file put back, and a later good save clears the error', async () => {
    const folder = folderWithPicky();
    const t = await startCoreBot({ folder, yaml: commentedYaml(folder) });
    const before = readFileSync(t.configFile, 'utf8');
    const result = await t.host.saveConfig('cfg', { word: 'boom' });
    expect(result.ok).to.equal(false);
    if (result.ok) return;
    expect(result.code).to.equal('RELOAD_FAILED');
    expect(result.issues[0]?.message).to.include('the oven is cold');
    expect(readFileSync(t.configFile, 'utf8')).to.equal(before);
    expect(await t.ask('alice', '!cfg')).to.equal('{"word":"file","count":7,"loud":false}');
    expect(t.host.plugin('cfg')?.error).to.include('the oven is cold');
    // Saving what runs (the fixed value) settles it: no error left.
    expect(await t.host.saveConfig('cfg', { word: 'file' })).to.deep.equal({ ok: true });
    expect(t.host.plugin('cfg')?.error).to.equal(undefined);
  });

  it('a save changes only the bytes of the edited section (other sections keep flow style and long lines)', async () => {
    const folder = folderWithCfg();
    const long = 'x'.repeat(120);
    const yaml = `bot:
  watch: false
  pluginPaths: [${JSON.stringify(folder.root)}]
  commandCooldown: 0
plugins:
  short: { enabled: true, word: "${long}" }
  cfg:
    word: file
    count: 7
  other: { list: [subscriber, vip], params: { message: "${long}" } }
`;
    const t = await startCoreBot({ folder, yaml });
    expect(await t.host.saveConfig('cfg', { word: 'saved', loud: true })).to.deep.equal({ ok: true });
    const after = readFileSync(t.configFile, 'utf8');
    expect(outside(after, 'cfg')).to.equal(outside(yaml, 'cfg'));
    expect(parse(after).plugins.cfg).to.deep.equal({ word: 'saved', count: 7, loud: true });
    expect(await t.host.saveConfig('short', { count: 3 })).to.deep.equal({ ok: true });
    const third = readFileSync(t.configFile, 'utf8');
    expect(outside(third, 'short')).to.equal(outside(after, 'short'));
    expect(parse(third).plugins.short).to.deep.equal({ enabled: true, word: long, count: 3 });
  });

  it('logs "config OK again" when a fixed file applies after a refused edit', async () => {
    const folder = folderWithCfg();
    const t = await startCoreBot({ folder, yaml: commentedYaml(folder) });
    const good = readFileSync(t.configFile, 'utf8');
    writeFileSync(t.configFile, good.replace('count: 7', 'count: 0'));
    expect((await t.host.applyConfigFile()).ok).to.equal(false);
    writeFileSync(t.configFile, good.replace('count: 7', 'count: 8'));
    expect((await t.host.applyConfigFile()).ok).to.equal(true);
    expect(t.host.recentLogs().filter((e) => e.msg.startsWith('config OK again')).length).to.equal(1);
    // A good edit after a good one says nothing more.
    writeFileSync(t.configFile, good);
    expect((await t.host.applyConfigFile()).ok).to.equal(true);
    expect(t.host.recentLogs().filter((e) => e.msg.startsWith('config OK again')).length).to.equal(1);
  });
});
