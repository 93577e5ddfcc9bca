// Forgetting a viewer is core's event: ctx.users.forget / erase deletes the directory's entry, fires
// userForgotten, waits for every plugin's tap (each deletes its own rows), adds up what they report, and a
// tap that throws is logged against its plugin without stopping the others.
import { expect } from 'chai';
import { cleanup, eventually, logLines, newProbe, pluginFolder, startCoreBot, type Probe } from './helpers.ts';

describe('core: forgetting a viewer (userForgotten)', () => {
  let probe: Probe;
  beforeEach(() => {
    probe = newProbe();
  });
  afterEach(cleanup);

  it('fires for every plugin, waits for the taps, and answers what they reported', async () => {
    const folder = pluginFolder(
      {
        name: 'slow',
        setup: `
          ctx.hooks.userForgotten.tap(async (e) => {
            await new Promise((r) => setTimeout(r, 50));
            P.push('slow ' + e.userId + ' ' + e.login);
            e.report({ rowsDeleted: 2, note: 'slow done' });
          });
        `,
      },
      { name: 'fast', setup: `ctx.hooks.userForgotten.tap((e) => { P.push('fast ' + e.userId); e.report({ rowsDeleted: 3 }); });` },
      { name: 'broken', setup: `ctx.hooks.userForgotten.tap(() => { throw new Error('cannot delete'); });` },
    );
    const t = await startCoreBot({ folder });
    t.say('alice', 'hello');
    const alice = await eventually(() => t.bot.users.byLogin('alice'), { timeout: 3000, what: 'alice in the directory' });
    const report = await t.bot.users.erase(alice?.id ?? '');
    expect(report).to.deep.equal({ rowsDeleted: 5, note: 'slow done', userForgotten: true });
    expect(probe.events).to.have.members([`slow ${alice?.id} alice`, `fast ${alice?.id}`]);
    expect(await t.bot.users.byId(alice?.id ?? '')).to.equal(undefined);
    expect(logLines(t, 'error').join('\n')).to.match(/cannot delete/);
    // An id the directory never knew still reaches the plugins (their rows may name it); forget says it was unknown.
    expect(await t.bot.users.forget('api-only-id')).to.equal(false);
    expect(probe.events).to.include('fast api-only-id');
    // A disabled plugin's tap is gone.
    await t.host.setEnabled('fast', false);
    await t.bot.users.forget('someone-else');
    expect(probe.events).not.to.include('fast someone-else');
    expect(probe.events).to.include('slow someone-else undefined');
  });
});
