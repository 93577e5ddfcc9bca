// The shop's `start_game` effect: an item with `effect: start_game` and `params: { game: trivia }` starts that
// game when bought. A game already running (or an unknown game) fails the effect, and the shop refunds.
import type { MinigamesContext } from './config.ts';
import type { Engine } from './engine.ts';

export function provideShopEffect(ctx: MinigamesContext, engine: Engine): void {
  const shop = ctx.optionalService('shop');
  if (!shop) return;
  shop.provideEffect(
    ctx,
    'start_game',
    async (call) => {
      const type = String(call.params.game ?? '');
      const options = typeof call.params.options === 'object' && call.params.options ? (call.params.options as Record<string, string | number | boolean>) : {};
      try {
        await engine.start({
          type, options, channel: call.redemption.channel ?? undefined,
          startedBy: { kind: 'shop', id: String(call.redemption.id), login: call.user.login, name: call.user.displayName },
        });
        return { ok: true, message: `${call.user.displayName} started a game of ${engine.lookup.title(type)}!` };
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'GAME_RUNNING') return { ok: false, reason: 'a game is already running; try again when it is over' };
        if (code) return { ok: false, reason: (err as Error).message };
        throw err;
      }
    },
    {
      description: 'Starts a mini-game: params.game is the game type (trivia, scramble, numberguess, typerace...), params.options its options.',
      paramsSchema: {
        type: 'object',
        required: ['game'],
        additionalProperties: false,
        properties: {
          game: { type: 'string', title: 'Game', pattern: '^[a-z0-9_]{1,32}$', description: 'The game type to start, e.g. trivia, scramble, numberguess, typerace (or one a game plugin adds).' },
          options: { type: 'object', title: 'Game options', description: 'The game\'s options, e.g. {"rounds": 3} (see the mini-games README); leave empty for its defaults.' },
        },
      },
      checkParams: (params) => (typeof params.game === 'string' && /^[a-z0-9_]{1,32}$/.test(params.game) ? undefined : 'params.game must name a game type, e.g. { game: trivia }'),
    },
  );
}
