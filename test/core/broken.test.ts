// Broken plugins are reported and skipped; the others run. A setup that hangs times out, and what it
// registers afterwards is released at once.
import { expect } from 'chai';
import { eventually, FakeClock } from '../support/kit.ts';
import { cleanup, logLines, newProbe, pluginFolder, startCoreBot, type Probe } from './helpers.ts';

describe('core: broken plugins', () => {
  let probe: Probe;
  beforeEach(() => {
    probe = newProbe();
  });
  afterEach(cleanup);

  it('reports and skips plugins that cannot load or start, and runs the others', async () => {
    const folder = pluginFolder(
      { name: 'fine', setup: `ctx.commands.register({ name: 'fine', description: 'd', run: (call) => call.reply('fine here') });` },
      { name: 'future', apiVersion: 2, setup: `P.push('future ran');` },
      { name: 'throwing', setup: `P.push('throwing setup'); ctx.commands.register({ name: 'half', description: 'd', run: (call) => call.reply('half') }); throw new Error('setup exploded');` },
    );
    folder.write('onimport', `throw new Error('exploded at import');\nexport default { name: 'onimport', version: '1.0.0', setup() {} };\n`);
    folder.write('nosetup', `export default { name: 'nosetup', version: '1.0.0' };\n`);
    folder.write('badname', `export default { name: 'Bad-Name', version: '1.0.0', setup() {} };\n`);
    folder.write('noexport', `export const name = 'noexport';\n`);
    // A plugin may only spare its own tables from the check before ready.
    folder.write('grabby', `export default { name: 'grabby', version: '1.0.0', historyTables: ['economy_ledger'], setup() {} };\n`);
    folder.write('twin', `export default { name: 'fine', version: '9.9.9', setup() { globalThis.__probe.push('twin ran'); } };\n`);
    const t = await startCoreBot({ folder });

    // Plugins that could not load are listed by folder, so the dashboard shows them too.
    expect(t.host.plugins().map((p) => `${p.name}:${p.state}`)).to.have.members([
      'fine:enabled', 'throwing:failed', 'future:failed', 'onimport:failed', 'nosetup:failed', 'badname:failed', 'noexport:failed', 'grabby:failed',
    ]);
    expect(t.host.plugins().find((p) => p.name === 'onimport')?.error).to.match(/could not be loaded: .*exploded at import/);
    expect(t.host.plugin('throwing')?.error).to.equal('setup exploded');
    expect(await t.ask('alice', '!fine')).to.equal('fine here');
    expect(await t.repliesTo('alice', '!half')).to.deep.equal([]);
    expect(probe.events).to.deep.equal(['throwing setup']);

    const errors = logLines(t, 'error').join('\n');
    expect(errors).to.match(/plugin skipped: cannot load .*onimport.index\.mjs: exploded at import/);
    expect(errors).to.match(/plugin skipped: .*nosetup.index\.mjs: setup\(ctx\) is missing/);
    expect(errors).to.match(/plugin skipped: .*badname.index\.mjs: name must be lower case/);
    expect(errors).to.match(/plugin skipped: .*noexport.index\.mjs: must `export default definePlugin/);
    expect(errors).to.match(/plugin skipped: .*grabby.index\.mjs: historyTables must list tables of its own, named grabby_…/);
    expect(errors).to.match(/plugin skipped: .*future.index\.mjs: was written for plugin API 2, this BakeBot offers 1/);
    expect(errors).to.match(/two plugins are named "fine": .*fine.index\.mjs and .*twin.index\.mjs; the second is skipped/);
    expect(errors).to.include('plugin throwing could not start: setup exploded');
  });

  it('loads a plugin that failed to load once its file is fixed (watching)', async () => {
    const folder = pluginFolder({ name: 'fine', setup: `` });
    folder.write('later', `throw new Error('not yet');\n`);
    const t = await startCoreBot({ folder, config: { bot: { watch: true } } });
    expect(t.host.plugins().find((p) => p.name === 'later')?.state).to.equal('failed');
    folder.write('later', { name: 'later', setup: `ctx.commands.register({ name: 'later', description: 'd', run: (call) => call.reply('here now') });` });
    await eventually(() => t.host.plugin('later')?.state === 'enabled', { what: 'the fixed plugin to start' });
    expect(await t.ask('alice', '!later')).to.equal('here now');
    expect(t.host.plugins().filter((p) => p.name === 'later')).to.have.length(1);
  });

  it('times out a setup that hangs (bot.pluginSetupTimeout), and releases what it registers later', async () => {
    const folder = pluginFolder(
      {
        name: 'hangs',
        setup: `
          P.push('hangs started');
          await P.gate('hangs');
          P.push('hangs went on, aborted=' + ctx.signal.aborted);
          ctx.commands.register({ name: 'late', description: 'd', run: (call) => call.reply('too late') });
          ctx.hooks.chatMessage.tap((m) => { P.push('late tap ' + m.text); });
          ctx.timers.setTimeout(() => P.push('late timer'), 0);
        `,
      },
      { name: 'fine', setup: `ctx.commands.register({ name: 'fine', description: 'd', run: (call) => call.reply('fine here') });` },
    );
    const started = Date.now();
    const clock = new FakeClock();
    const t = await startCoreBot({ folder, clock, config: { bot: { pluginSetupTimeout: 0.2 } } });
    expect(Date.now() - started).to.be.below(3000);
    expect(t.host.plugin('hangs')).to.include({ state: 'failed', error: 'setup did not finish within 0.2 s' });
    expect(await t.ask('alice', '!fine')).to.equal('fine here');

    probe.open('hangs');
    await probe.waitFor('hangs went on, aborted=true');
    expect(await t.ask('bob', '!fine')).to.equal('fine here');
    expect(await t.repliesTo('bob', '!late')).to.deep.equal([]);
    expect(t.bot.hooks.chatMessage.taps).to.deep.equal([]);
    await clock.advance(1000);
    expect(probe.events.filter((e) => e.startsWith('late'))).to.deep.equal([]);
    expect(t.host.plugin('hangs')?.state).to.equal('failed');
  });
});
