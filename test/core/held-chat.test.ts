// Chat held while a plugin reloads keeps its place: when it is released, cooldowns and the flood limit
// judge each command as of when it arrived, so every command is answered as it would have been.
import { expect } from 'chai';
import { FakeClock } from '../support/kit.ts';
import { cleanup, eventually, logLines, newProbe, pluginFolder, startCoreBot } from './helpers.ts';

describe('core: chat held during a reload', () => {
  beforeEach(() => newProbe());
  afterEach(cleanup);

  it('answers a viewer\'s commands held during a slow reload as they arrived, cooldowns included', async () => {
    const folder = pluginFolder({
      name: 'slow',
      setup: `
        // The second start (the reload) waits until the test opens the gate.
        globalThis.__starts = (globalThis.__starts ?? 0) + 1;
        if (globalThis.__starts > 1) await globalThis.__gate;
        ctx.commands.register({ name: 'ping', description: 'd', cooldown: 3, run: (call) => call.reply('pong ' + call.rest) });
      `,
    });
    const g = globalThis as { __starts?: number; __gate?: Promise<void> };
    g.__starts = 0;
    let open!: () => void;
    g.__gate = new Promise<void>((r) => (open = r));
    const clock = new FakeClock('2026-01-15T12:00:00Z');
    const t = await startCoreBot({ folder, clock, config: { bot: { commandCooldown: 3, rateLimitMessages: 3, rateLimitWindow: 10 } } });
    try {
      const reloading = t.host.reload('slow');
      // Chat is held from the moment the old version is torn down until the new one has started.
      await eventually(() => g.__starts === 2, { timeout: 5000, what: 'the reload to reach the new setup' });
      // Four seconds apart: each is past the 3 s cooldown of the one before, and within the flood limit.
      const held = [];
      for (let i = 1; i <= 3; i++) {
        held.push(t.say('alice', `!ping ${i}`));
        await clock.advance(4_000);
      }
      open();
      await reloading;
      for (const m of held) {
        const reply = await t.waitFor((o) => o.replyTo === m.id, 3000, `the reply to ${m.text}`);
        expect(reply.text).to.equal(`pong ${m.text.slice(-1)}`);
      }
    } finally {
      open();
      delete g.__gate;
      delete g.__starts;
    }
  });

  // A reload that never finishes is abandoned after bot.pluginSetupTimeout; chat held meanwhile is answered.
  async function hungReload(setup: string, expected: RegExp): Promise<void> {
    const folder = pluginFolder({ name: 'hang', setup });
    const g = globalThis as { __starts?: number; __hung?: boolean };
    g.__starts = 0;
    g.__hung = false;
    const t = await startCoreBot({ folder, config: { bot: { pluginSetupTimeout: 0.5 } } });
    try {
      const reloading = t.host.reload('hang');
      await eventually(() => g.__hung === true, { timeout: 3000, what: 'the reload to hang' });
      const held = [1, 2, 3].map((i) => t.say(`viewer${i}`, `!ping ${i}`));
      await reloading;
      for (const m of held) {
        const reply = await t.waitFor((o) => o.replyTo === m.id, 3000, `the reply to ${m.text}`);
        expect(reply.text).to.match(/^pong/);
      }
      expect(logLines(t, 'error').join('\n')).to.match(expected);
      expect(t.host.plugins().find((p) => p.name === 'hang')?.state).to.equal('enabled');
    } finally {
      delete g.__starts;
      delete g.__hung;
    }
  }

  it('abandons a reload whose setup hangs: the previous version is put back and held commands are answered', async () => {
    await hungReload(`
      globalThis.__starts = (globalThis.__starts ?? 0) + 1;
      if (globalThis.__starts === 2) await new Promise(() => (globalThis.__hung = true));
      ctx.commands.register({ name: 'ping', description: 'd', run: (call) => call.reply('pong ' + call.rest) });
    `, /reload \(.*\) failed, the previous version keeps running: setup did not finish within 0.5 s/);
  });

  it('abandons an unload that never finishes: the new version starts and held commands are answered', async () => {
    await hungReload(`
      globalThis.__starts = (globalThis.__starts ?? 0) + 1;
      if (globalThis.__starts === 1) ctx.onDispose(() => new Promise(() => (globalThis.__hung = true)));
      ctx.commands.register({ name: 'ping', description: 'd', run: (call) => call.reply('pong ' + call.rest) });
    `, /unloading did not finish within 0.5 s \(bot.pluginSetupTimeout\); abandoned/);
  });
});
