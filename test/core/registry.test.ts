// Owner-scoped registries and events (ctx.registry / ctx.events): entries go with their owner, keys are
// unique, a failing listener is logged against its owner and the others still run.
import { expect } from 'chai';
import { createEvents, createRegistry } from '../../core/registry.ts';
import type { Owner } from '../../core/types.ts';
import { cleanup, pluginFolder, startCoreBot } from './helpers.ts';

function owner(name: string): Owner & { dispose(): void } {
  const fns: (() => void | Promise<void>)[] = [];
  return { name, onDispose: (fn) => void fns.push(fn), dispose: () => fns.splice(0).reverse().forEach((f) => void f()) };
}

describe('core: owner-scoped registries and events', () => {
  afterEach(cleanup);

  it('a registry entry goes when its owner unloads or its remover is called; keys are unique', () => {
    let changes = 0;
    const pages = createRegistry<{ path: string }>({ key: (p) => p.path, what: 'page path', onChange: () => changes++ });
    const a = owner('plugin_a');
    const b = owner('plugin_b');
    pages.add(a, { path: '/a' });
    const removeB = pages.add(b, { path: '/b' });
    expect(() => pages.add(b, { path: '/a' })).to.throw('page path "/a" is already registered by plugin plugin_a').with.property('code', 'REGISTRY_TAKEN');
    expect(pages.get('/a')).to.deep.include({ owner: 'plugin_a', item: { path: '/a' } });
    expect(pages.entries().map((e) => e.owner)).to.deep.equal(['plugin_a', 'plugin_b']);
    a.dispose();
    expect(pages.values()).to.deep.equal([{ path: '/b' }]);
    removeB();
    removeB();
    b.dispose();
    expect(pages.size).to.equal(0);
    expect(changes).to.equal(4);
    pages.add(b, { path: '/a' }); // free again
  });

  it('an event calls every listener; one that throws or rejects is logged against its owner, the others still run', async () => {
    const warnings: string[] = [];
    const events = createEvents<number>({ warn: (m) => void warnings.push(m) }, 'onScore');
    const seen: string[] = [];
    const good = owner('good');
    events.on(owner('thrower'), () => {
      throw new Error('boom');
    });
    events.on(owner('rejecter'), () => Promise.reject(new Error('later boom')));
    events.on(good, (n) => void seen.push(`good ${n}`));
    events.emit(7);
    await new Promise((r) => setImmediate(r));
    expect(seen).to.deep.equal(['good 7']);
    expect(warnings).to.deep.equal(['onScore listener of thrower failed: boom', 'onScore listener of rejecter failed: later boom']);
    good.dispose();
    events.emit(8);
    expect(seen).to.deep.equal(['good 7']);
    expect(events.size).to.equal(2);
  });

  it('emitAndWait waits for each listener in turn, and gives up on one that hangs', async () => {
    const warnings: string[] = [];
    const events = createEvents<string>({ warn: (m) => void warnings.push(m) }, 'onGone');
    const order: string[] = [];
    events.on(owner('slow'), async (id) => {
      await new Promise((r) => setTimeout(r, 20));
      order.push(`slow ${id}`);
    });
    events.on(owner('hangs'), () => new Promise(() => undefined));
    events.on(owner('last'), (id) => void order.push(`last ${id}`));
    await events.emitAndWait('u1', { timeoutMs: 50 });
    expect(order).to.deep.equal(['slow u1', 'last u1']);
    expect(warnings).to.deep.equal(['onGone listener of hangs failed: no answer within 0.05 s']);
  });

  it('through ctx: what others registered goes when they unload, and the registry empties when its plugin unloads', async () => {
    const folder = pluginFolder(
      {
        name: 'board',
        setup: `
          const entries = ctx.registry({ key: (e) => e.id, what: 'entry' });
          const scored = ctx.events('onScored');
          ctx.commands.register({ name: 'board', description: 'd', run: (call) => { scored.emit(call.user.login); return call.reply(entries.entries().map((e) => e.owner + ':' + e.item.id).join(',') || 'empty'); } });
          return { add: (owner, id) => entries.add(owner, { id }), onScored: (owner, fn) => scored.on(owner, fn), size: () => entries.size + scored.size };
        `,
      },
      {
        name: 'fan',
        dependsOn: ['board'],
        setup: `
          const board = ctx.service('board');
          board.add(ctx, 'flag');
          board.onScored(ctx, () => { throw new Error('fan fell over'); });
        `,
      },
    );
    const t = await startCoreBot({ folder });
    expect(await t.ask('alice', '!board')).to.equal('fan:flag');
    expect(t.bot.logs.recent().some((e) => e.source === 'board' && e.msg === 'onScored listener of fan failed: fan fell over')).to.equal(true);
    const board = t.service('board' as never) as { size(): number };
    await t.host.setEnabled('fan', false);
    expect(await t.ask('alice', '!board')).to.equal('empty');
    expect(board.size()).to.equal(0);
    await t.host.setEnabled('fan', true);
    expect(await t.ask('alice', '!board')).to.equal('fan:flag');
    await t.host.setEnabled('board', false); // fan goes first, then board's registries are emptied
    expect(board.size()).to.equal(0);
  });
});
