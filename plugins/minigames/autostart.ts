// The schedule (`autoStart`): every `everyMinutes`, in each channel where at least `minChatters` viewers
// chatted in the last `everyMinutes` and no game runs, the next type of `types` starts (in turn).
import type { MinigamesContext } from './config.ts';
import type { Engine } from './engine.ts';

export function scheduleGames(ctx: MinigamesContext, engine: Engine): void {
  const { enabled, everyMinutes, minChatters, types } = ctx.config.autoStart;
  if (!enabled) return;
  const windowMs = everyMinutes * 60_000;
  const lastSeen = new Map<string, Map<string, number>>(); // channel → user id → last message time
  let turn = 0;

  ctx.hooks.chatMessage.tap((m) => {
    let seen = lastSeen.get(m.channel);
    if (!seen) lastSeen.set(m.channel, (seen = new Map()));
    seen.set(m.user.id, m.time);
  });

  ctx.timers.setInterval(async () => {
    const since = ctx.clock.now() - windowMs;
    for (const [channel, seen] of lastSeen) {
      for (const [id, at] of seen) if (at < since) seen.delete(id);
      if (seen.size < minChatters || engine.live(channel)) continue;
      const available = types.filter((t) => engine.has(t));
      if (!available.length) return ctx.log.warn(`autoStart: none of its types (${types.join(', ')}) is available`);
      const type = available[turn++ % available.length]!;
      try {
        await engine.start({ type, channel, startedBy: { kind: 'schedule', name: 'the schedule' } });
      } catch (err) {
        ctx.log.warn(`autoStart could not start ${type}: ${(err as Error).message}`);
      }
    }
  }, windowMs);
}
