// Unloading releases everything a plugin registered: hook taps (also for calls already in flight),
// commands and timers. A throwing tap or command is isolated: logged against its plugin, the others go on.
import { expect } from 'chai';
import { FakeClock } from '../support/kit.ts';
import { cleanup, logLines, newProbe, pluginFolder, startCoreBot, waitForLog, type PluginSpec, type Probe } from './helpers.ts';

const PING: PluginSpec = {
  name: 'other',
  setup: `
    ctx.hooks.chatMessage.tap((m) => { P.push('other heard ' + m.text); });
    ctx.commands.register({ name: 'ping', description: 'd', run: (call) => call.reply('pong') });
  `,
};

describe('core: unloading a plugin', () => {
  let probe: Probe;
  beforeEach(() => {
    probe = newProbe();
  });
  afterEach(cleanup);

  it('runs afterStart work once the ready line is written, and at once after a reload', async () => {
    const folder = pluginFolder({
      name: 'later',
      setup: `
        ctx.hooks.ready.tap(() => { P.push('ready hook'); });
        ctx.afterStart(() => { P.push('after start ' + ctx.version); });
        ctx.afterStart(() => { throw new Error('warm-up failed'); });
      `,
    });
    const t = await startCoreBot({ folder });
    await probe.waitFor('after start 1.0.0');
    expect(probe.events).to.deep.equal(['ready hook', 'after start 1.0.0']);
    // A throw is logged against the plugin, after the ready line.
    await waitForLog(t, /\[later\] after start failed: warm-up failed/);
    const lines = logLines(t);
    expect(lines.findIndex((l) => l.includes('[bot] ready:'))).to.be.lessThan(lines.findIndex((l) => l.includes('warm-up failed')));
    probe.events.length = 0;
    await t.reload('later');
    // The bot has started: the new generation's work runs at once (its ready hook does not fire again).
    await probe.waitFor('after start 1.0.0');
    expect(probe.events).to.deep.equal(['after start 1.0.0']);
  });

  it('removes its hook taps, commands and timers: nothing of it runs after disable', async () => {
    const folder = pluginFolder(PING, {
      name: 'tapper',
      setup: `
        ctx.hooks.chatMessage.tap((m) => { P.push('tap1 ' + m.text); });
        ctx.hooks.chatMessage.tap(async (m) => { P.push('tap2 ' + m.text); });
        ctx.hooks.userSeen.tap((u) => { P.push('seen ' + u.login); });
        ctx.hooks.outgoingMessage.tap((out) => ({ ...out, text: out.text + ' [tapper]' }));
        ctx.commands.register({ name: 'tap', aliases: ['tp'], description: 'tapper command', run: (call) => call.reply('tapped') });
        ctx.timers.setInterval(() => { P.push('tick'); }, 1000);
        ctx.timers.setTimeout(() => { P.push('timeout'); }, 5000);
      `,
    });
    const clock = new FakeClock();
    const t = await startCoreBot({ folder, clock });
    expect(await t.ask('alice', '!ping')).to.equal('pong [tapper]');
    expect(await t.ask('alice', '!tap')).to.equal('tapped [tapper]');
    expect(probe.events).to.include.members(['tap1 !ping', 'tap2 !ping', 'seen alice']);
    await clock.advance(1000);
    expect(probe.count('tick')).to.equal(1);

    await t.host.setEnabled('tapper', false);
    expect(t.bot.hooks.chatMessage.taps.map((tap) => tap.name)).to.deep.equal(['other']);
    expect(t.bot.hooks.outgoingMessage.taps).to.deep.equal([]);
    probe.events.length = 0;

    expect(await t.ask('bob', '!ping')).to.equal('pong');
    expect(probe.events).to.deep.equal(['other heard !ping']);
    // tapable calls a compiled function that holds the tap functions it was compiled with (`_x`): filtering
    // `taps` is not enough, the hook must be recompiled, or the unloaded plugin's closures stay reachable.
    expect((t.bot.hooks.chatMessage as unknown as { _x?: unknown[] })._x).to.have.length(1);
    expect(await t.repliesTo('carol', '!tap')).to.deep.equal([]);
    expect(await t.repliesTo('carol', '!tp')).to.deep.equal([]);
    expect(await t.ask('carol', '!help')).to.not.include('!tap');
    await clock.advance(10_000);
    expect(probe.events.filter((e) => e === 'tick' || e === 'timeout')).to.deep.equal([]);

    // Enabled again, it gets its taps, command and timers back (once each).
    await t.host.setEnabled('tapper', true);
    expect(await t.ask('dave', '!tap')).to.equal('tapped [tapper]');
    expect(probe.count('tap1 !tap')).to.equal(1);
    await clock.advance(1000);
    expect(probe.count('tick')).to.equal(1);
  });

  it('forgets timers that fired: unloading clears only the pending ones', async () => {
    class CountingClock extends FakeClock {
      cleared = 0;
      override clearTimeout(handle: unknown): void {
        this.cleared++;
        super.clearTimeout(handle);
      }
    }
    const folder = pluginFolder({
      name: 'timers',
      setup: `
        ctx.commands.register({ name: 'burst', description: 'd', run: (call) => {
          for (let i = 0; i < 50; i++) ctx.timers.setTimeout(() => P.push('fired'), 10);
          ctx.timers.setTimeout(() => P.push('pending fired'), 60_000);
          const cancelled = ctx.timers.setTimeout(() => P.push('cancelled fired'), 10);
          cancelled();
          return call.reply('set');
        } });
      `,
    });
    const clock = new CountingClock();
    const t = await startCoreBot({ folder, clock });
    expect(await t.ask('alice', '!burst')).to.equal('set');
    await clock.advance(100);
    expect(probe.count('fired')).to.equal(50);
    const before = clock.cleared;
    await t.host.setEnabled('timers', false);
    // Only the one still pending is cleared; the 50 that fired and the cancelled one are forgotten.
    expect(clock.cleared - before).to.equal(1);
    await clock.advance(120_000);
    expect(probe.events.filter((e) => e !== 'fired')).to.deep.equal([]);
  });

  it('a series hook call in flight when the plugin unloads runs none of its later taps, nor its command', async () => {
    const folder = pluginFolder(PING, {
      name: 'slow',
      setup: `
        ctx.hooks.command.tap(async (call) => {
          P.push('first ' + call.command);
          await P.gate(call.command);
          P.push('first done ' + call.command);
        });
        ctx.hooks.command.tap((call) => { P.push('second ' + call.command); });
        ctx.commands.register({ name: 'slowcmd', description: 'd', run: (call) => { P.push('slowcmd ran'); return call.reply('slow reply'); } });
      `,
    });
    const t = await startCoreBot({ folder });

    // Another plugin's command: the hook is in flight in slow's first tap when slow is disabled.
    const ping = t.say('alice', '!ping');
    await probe.waitFor('first ping');
    await t.host.setEnabled('slow', false);
    probe.open('ping');
    await t.waitFor((o) => o.replyTo === ping.id);
    expect(probe.events.filter((e) => !e.startsWith('other'))).to.deep.equal(['first ping', 'first done ping']);

    // Its own command: the hook is in flight when it unloads; the command itself must not run afterwards.
    await t.host.setEnabled('slow', true);
    probe.events.length = 0;
    const slow = t.say('bob', '!slowcmd');
    await probe.waitFor('first slowcmd');
    await t.host.setEnabled('slow', false);
    probe.open('slowcmd');
    expect(await t.ask('carol', '!ping')).to.equal('pong');
    await t.idle();
    expect(probe.events.filter((e) => !e.startsWith('other'))).to.deep.equal(['first slowcmd', 'first done slowcmd']);
    expect(t.outputs.filter((o) => o.replyTo === slow.id)).to.deep.equal([]);
  });

  it('a chatMessage call in flight at unload does not keep the plugin hooked: the next message reaches none of its taps', async () => {
    const folder = pluginFolder(PING, {
      name: 'waiter',
      setup: `
        ctx.hooks.chatMessage.tap(async (m) => {
          P.push('tap1 ' + m.text);
          await P.gate('release');
          P.push('tap1 done ' + m.text);
        });
        ctx.hooks.chatMessage.tap((m) => { P.push('tap2 ' + m.text); });
      `,
    });
    const t = await startCoreBot({ folder });
    t.say('alice', 'first');
    await probe.waitFor('tap1 first');
    await t.host.setEnabled('waiter', false);
    // Still in flight: a new message arrives and must reach no tap of the unloaded plugin.
    t.say('bob', 'second');
    await probe.waitFor('other heard second');
    probe.open('release');
    await probe.waitFor('tap1 done first');
    expect(await t.ask('carol', '!ping')).to.equal('pong');
    expect(probe.events.filter((e) => !e.startsWith('other'))).to.deep.equal(['tap1 first', 'tap2 first', 'tap1 done first']);
  });

  it('isolates errors in taps, timers and commands: logged against the plugin, a short reply, the others keep working', async () => {
    const folder = pluginFolder(PING, {
      name: 'faulty',
      setup: `
        ctx.hooks.chatMessage.tap(() => { throw new Error('tap exploded'); });
        ctx.hooks.chatMessage.tap(async () => { await null; throw new Error('async tap exploded'); });
        ctx.hooks.outgoingMessage.tap(() => { throw new Error('outgoing exploded'); });
        ctx.commands.register({ name: 'boom', description: 'd', run: () => { throw new Error('kaboom: secret detail'); } });
        ctx.commands.register({ name: 'fine', description: 'd', run: (call) => call.reply('still fine') });
        ctx.timers.setInterval(() => { P.push('tick'); throw new Error('timer exploded'); }, 1000);
      `,
    });
    const clock = new FakeClock();
    const t = await startCoreBot({ folder, clock });
    t.say('alice', 'hello');
    await probe.waitFor('other heard hello');
    const reply = await t.ask('alice', '!boom');
    expect(reply).to.match(/^Sorry, !boom failed\./);
    expect(reply).to.not.include('secret detail');
    expect(reply.length).to.be.below(100);
    expect(await t.ask('bob', '!ping')).to.equal('pong');
    expect(await t.ask('bob', '!fine')).to.equal('still fine');
    await clock.advance(2000);
    expect(probe.count('tick')).to.equal(2);
    expect(probe.events).to.include('other heard hello');

    const errors = logLines(t, 'error');
    for (const msg of ['hook chatMessage failed: tap exploded', 'hook chatMessage failed: async tap exploded', 'hook outgoingMessage failed: outgoing exploded', 'command !boom failed: kaboom: secret detail', 'interval failed: timer exploded']) {
      expect(errors, msg).to.include(`[faulty] ${msg}`);
    }
    const info = t.host.plugin('faulty');
    expect(info?.state).to.equal('enabled');
    expect(info?.error).to.be.a('string');
  });
});
