// Dependencies: setup order follows dependsOn (not names), services reach dependents, cycles and missing
// dependencies are named, disabling a plugin takes its dependents down first and enabling brings them back.
import { expect } from 'chai';
import { cleanup, newProbe, pluginFolder, startCoreBot, type PluginSpec, type Probe } from './helpers.ts';

/** A plugin that reports setup and unload, and offers `{ hello() }` as its service. */
function tracked(name: string, extra: Partial<PluginSpec> = {}, body = ''): PluginSpec {
  return {
    name,
    ...extra,
    setup: `
      P.push('setup:${name}');
      ctx.onDispose(() => P.push('stop:${name}'));
      ${body}
      return { hello: () => 'hello from ${name}' };
    `,
  };
}

describe('core: dependencies', () => {
  let probe: Probe;
  beforeEach(() => {
    probe = newProbe();
  });
  afterEach(cleanup);

  it('sets plugins up in dependency order and hands services to dependents', async () => {
    // Alphabetical order would be aaa, mmm, zzz: the opposite of what the dependencies need.
    const folder = pluginFolder(
      tracked('aaa', { dependsOn: ['zzz'] }, `ctx.commands.register({ name: 'aaa', description: 'd', run: (call) => call.reply('aaa got: ' + ctx.service('zzz').hello()) });`),
      tracked('mmm', { dependsOn: ['aaa'] }, `P.push('mmm sees ' + ctx.service('aaa').hello());`),
      tracked('zzz'),
    );
    const t = await startCoreBot({ folder });
    expect(probe.events).to.deep.equal(['setup:zzz', 'setup:aaa', 'setup:mmm', 'mmm sees hello from aaa']);
    expect(await t.ask('alice', '!aaa')).to.equal('aaa got: hello from zzz');
    expect(t.host.plugins().map((p) => `${p.name}:${p.state}`)).to.deep.equal(['zzz:enabled', 'aaa:enabled', 'mmm:enabled']);
  });

  it('refuses a service that is not declared as a dependency', async () => {
    const folder = pluginFolder(tracked('base'), tracked('sneaky', {}, `ctx.service('base');`));
    const t = await startCoreBot({ folder });
    expect(t.host.plugin('sneaky')?.state).to.equal('failed');
    expect(t.host.plugin('sneaky')?.error).to.match(/"base", which is not in its dependsOn/);
    expect(t.host.plugin('base')?.state).to.equal('enabled');
  });

  it('reports a dependency cycle naming its members, and runs the others', async () => {
    const folder = pluginFolder(tracked('c1', { dependsOn: ['c2'] }), tracked('c2', { dependsOn: ['c3'] }), tracked('c3', { dependsOn: ['c1'] }), tracked('free'));
    const t = await startCoreBot({ folder });
    for (const name of ['c1', 'c2', 'c3']) {
      const info = t.host.plugin(name);
      expect(info?.state, name).to.equal('failed');
      expect(info?.error, name).to.match(/^dependency cycle: /);
      expect(info?.errorCode, name).to.equal('DEPENDENCY_CYCLE');
      for (const member of ['c1', 'c2', 'c3']) expect(info?.error, name).to.include(member);
    }
    expect(probe.events).to.deep.equal(['setup:free']);
  });

  it('names a missing dependency, and runs the others', async () => {
    const folder = pluginFolder(tracked('needy', { dependsOn: ['ghost'] }), tracked('fine'));
    const t = await startCoreBot({ folder });
    expect(t.host.plugin('needy')?.state).to.equal('failed');
    expect(t.host.plugin('needy')?.error).to.equal('needs plugin "ghost", which is not installed');
    expect(t.host.plugin('needy')?.errorCode).to.equal('DEPENDENCY_MISSING');
    expect(probe.events).to.deep.equal(['setup:fine']);
  });

  it('disabling a plugin first disables its dependents; enabling it brings them back', async () => {
    const folder = pluginFolder(
      tracked('base'),
      tracked('middle', { dependsOn: ['base'] }, `ctx.commands.register({ name: 'mid', description: 'd', run: (call) => call.reply('mid: ' + ctx.service('base').hello()) });`),
      tracked('top', { dependsOn: ['middle'] }),
      tracked('other'),
    );
    const t = await startCoreBot({ folder });
    expect(await t.ask('alice', '!mid')).to.equal('mid: hello from base');
    probe.events.length = 0;

    const info = await t.host.setEnabled('base', false);
    expect(info.state).to.equal('disabled');
    expect(probe.events).to.deep.equal(['stop:top', 'stop:middle', 'stop:base']);
    expect(t.host.plugin('middle')?.state).to.equal('waiting');
    expect(t.host.plugin('middle')?.error).to.equal('waiting for base (disabled)');
    expect(t.host.plugin('middle')?.errorCode).to.equal('DEPENDENCY_WAITING');
    expect(t.host.plugin('top')?.state).to.equal('waiting');
    expect(t.host.plugin('other')?.state).to.equal('enabled');
    expect(await t.repliesTo('alice', '!mid')).to.deep.equal([]);
    probe.events.length = 0;

    await t.host.setEnabled('base', true);
    expect(probe.events).to.deep.equal(['setup:base', 'setup:middle', 'setup:top']);
    expect(t.host.plugins().filter((p) => p.state !== 'enabled')).to.deep.equal([]);
    expect(await t.ask('alice', '!mid')).to.equal('mid: hello from base');
  });

  it('hands state over when a plugin restarts because an optional dependency came or went', async () => {
    const folder = pluginFolder(tracked('zextra'), {
      name: 'opt',
      optionalDependsOn: ['zextra'],
      setup: `
        let n = typeof ctx.inherited?.n === 'number' ? ctx.inherited.n : 0;
        ctx.handOver(() => ({ n }));
        ctx.commands.register({ name: 'n', description: 'd', run: (call) => call.reply('n=' + (++n)) });
      `,
    });
    const t = await startCoreBot({ folder });
    expect(await t.ask('alice', '!n')).to.equal('n=1');
    await t.host.setEnabled('zextra', false);
    expect(await t.ask('alice', '!n')).to.equal('n=2');
    await t.host.setEnabled('zextra', true);
    expect(await t.ask('alice', '!n')).to.equal('n=3');
  });

  it('optionalDependsOn: sets the optional one up first, and restarts the dependent when it comes or goes', async () => {
    const folder = pluginFolder(
      tracked('zextra'),
      tracked('opt', { optionalDependsOn: ['zextra', 'notinstalled'] }, `P.push('opt with ' + (ctx.optionalService('zextra')?.hello() ?? 'nothing') + ', ' + String(ctx.optionalService('notinstalled')));`),
    );
    const t = await startCoreBot({ folder });
    expect(probe.events).to.deep.equal(['setup:zextra', 'setup:opt', 'opt with hello from zextra, undefined']);
    probe.events.length = 0;

    await t.host.setEnabled('zextra', false);
    expect(probe.events).to.deep.equal(['stop:opt', 'stop:zextra', 'setup:opt', 'opt with nothing, undefined']);
    expect(t.host.plugin('opt')?.state).to.equal('enabled');
    probe.events.length = 0;

    await t.host.setEnabled('zextra', true);
    expect(probe.events).to.deep.equal(['stop:opt', 'setup:zextra', 'setup:opt', 'opt with hello from zextra, undefined']);
  });

  it('restarts the dependents of a plugin that restarts because an optional dependency came or went', async () => {
    const folder = pluginFolder(
      tracked('zextra'),
      tracked('hub', { optionalDependsOn: ['zextra'] }),
      tracked('spoke', { dependsOn: ['hub'] }, `P.push('spoke got ' + ctx.service('hub').hello());`),
    );
    const t = await startCoreBot({ folder });
    await t.host.setEnabled('zextra', false);
    probe.events.length = 0;
    await t.host.setEnabled('zextra', true);
    // spoke held hub's old service (and anything it registered with it): it must start again on the new one.
    expect(probe.events).to.deep.equal(['stop:spoke', 'stop:hub', 'setup:zextra', 'setup:hub', 'setup:spoke', 'spoke got hello from hub']);
  });
});
