// Effects: what buying an item does. A registry of named handlers that plugins provide (each owned by the
// providing plugin's ctx), the shop's built-in ones, and running one with a timeout and a clear verdict.
import type { Clock, Logger, OwnedRegistry, Owner } from '../../core/types.ts';
import type { EffectCall, EffectHandler, EffectInfo, EffectOptions, EffectParamsSchema, EffectResult, OfferedEffect, ShopErrorCode } from './service.ts';
import { EFFECT_NAME } from './catalog.ts';

export class ShopFailure extends Error {
  override name = 'ShopError';
  constructor(
    readonly code: ShopErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface RegisteredEffect {
  readonly name: string;
  readonly provider: string;
  readonly handler: EffectHandler;
  readonly options: EffectOptions;
}

/** The effects plugins provide, one provider per name; an effect goes when its provider unloads. */
export class EffectRegistry {
  /** `registry` comes from ctx.registry, keyed by the effect's name, with the catalog's check as onChange. */
  constructor(private readonly registry: OwnedRegistry<RegisteredEffect>) {}

  provide(owner: Owner, name: string, handler: EffectHandler, options: EffectOptions = {}): () => void {
    if (typeof name !== 'string' || !new RegExp(EFFECT_NAME).test(name)) {
      throw new ShopFailure('INVALID', `effect name ${JSON.stringify(name)} must be lower case letters, digits or _ (e.g. "confetti")`);
    }
    if (typeof handler !== 'function') throw new ShopFailure('INVALID', `effect "${name}" needs a handler function`);
    const taken = this.registry.get(name);
    if (taken) throw new ShopFailure('EFFECT_TAKEN', `effect "${name}" is already provided by plugin ${taken.owner}`);
    return this.registry.add(owner, { name, provider: owner.name, handler, options });
  }

  get(name: string): RegisteredEffect | undefined {
    return this.registry.get(name)?.item;
  }

  list(): EffectInfo[] {
    return this.registry
      .values()
      .map((e) => ({ name: e.name, provider: e.provider, description: e.options.description ?? '', ...(e.options.paramsSchema ? { paramsSchema: e.options.paramsSchema } : {}) }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }
}

/**
 * A plugin the shop depends on (the economy) cannot call provideEffect: listing `shop` in its own
 * optionalDependsOn would be a dependency cycle. It offers effects on its service instead, as
 * `shopEffects: { xp_boost: handler }` (or `{ run, description, checkParams, checkInput }`), and the shop
 * registers them in its name. They last as long as this generation of the shop (`shop` is the owner's
 * lifetime: when the provider reloads, the shop is set up again around it anyway).
 */
export function registerOfferedEffects(effects: EffectRegistry, provider: string, service: unknown, shop: Owner, log: Pick<Logger, 'error'>): string[] {
  const offered = (service as { shopEffects?: unknown } | undefined)?.shopEffects;
  if (!offered || typeof offered !== 'object') return [];
  const owner: Owner = { name: provider, onDispose: (fn) => shop.onDispose(fn) };
  const done: string[] = [];
  for (const [name, entry] of Object.entries(offered as Record<string, OfferedEffect>)) {
    try {
      if (typeof entry === 'function') effects.provide(owner, name, entry);
      else if (entry && typeof entry === 'object' && typeof entry.run === 'function') effects.provide(owner, name, entry.run, entry);
      else throw new Error('it is neither a handler nor { run, ... }');
      done.push(name);
    } catch (err) {
      log.error(`effect "${name}" offered by ${provider} was not registered: ${(err as Error).message}`);
    }
  }
  return done;
}

export type Verdict = { ok: true; status: 'fulfilled' | 'pending'; message?: string } | { ok: false; reason: string };

/** Reads what a handler returned (see EffectResult). */
export function verdictOf(result: EffectResult): Verdict {
  if (result === undefined || result === true) return { ok: true, status: 'fulfilled' };
  if (result === false) return { ok: false, reason: 'the effect did not go through' };
  if (typeof result === 'object' && result !== null) {
    if (result.ok === false) return { ok: false, reason: typeof result.reason === 'string' && result.reason ? result.reason : 'the effect did not go through' };
    const status = result.status === 'pending' ? 'pending' : 'fulfilled';
    return typeof result.message === 'string' && result.message ? { ok: true, status, message: result.message } : { ok: true, status };
  }
  return { ok: true, status: 'fulfilled' };
}

/** Runs a handler; a throw, a failure result or the timeout is a failed verdict with a reason for the buyer. */
export async function runEffect(effect: RegisteredEffect, call: Omit<EffectCall, 'signal'>, clock: Clock, timeoutMs: number, parent: AbortSignal): Promise<Verdict> {
  const abort = new AbortController();
  const onParent = () => abort.abort(parent.reason);
  parent.addEventListener('abort', onParent, { once: true });
  let timer: unknown;
  try {
    const timeout = new Promise<Verdict>((resolve) => {
      timer = clock.setTimeout(() => {
        abort.abort(new Error('timed out'));
        resolve({ ok: false, reason: `it took longer than ${Math.round(timeoutMs / 100) / 10} s` });
      }, timeoutMs);
    });
    const run = Promise.resolve()
      .then(() => effect.handler({ ...call, signal: abort.signal }))
      .then(verdictOf, (err: unknown) => ({ ok: false as const, reason: err instanceof Error ? err.message : String(err) }));
    return await Promise.race([run, timeout]);
  } finally {
    clock.clearTimeout(timer);
    parent.removeEventListener('abort', onParent);
  }
}

/** Fills `{user}`, `{item}`, `{quantity}`, `{input}`, `{target}` and `{s}` (plural s) in a message template. */
export function fill(template: string, values: Readonly<Record<string, string | number>>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => {
    if (key === 's') return Number(values.quantity ?? 1) === 1 ? '' : 's';
    const v = values[key];
    return v === undefined ? whole : String(v);
  });
}

const LOGIN = /^@?([A-Za-z0-9_]{1,25})$/;

/** Twitch reads a line that starts with `/` or `.` as a chat command (`/me`): viewers' text never may. */
export function notACommand(text: string): string {
  return /^\s*[/.]/.test(text) ? `» ${text.trim()}` : text;
}

/** The effects no other plugin owns: posting a line in chat, shoutouts, the streamer's queue, nothing. */
export function builtinEffects(): { name: string; handler: EffectHandler; options: EffectOptions }[] {
  const messageParam = (params: Readonly<Record<string, unknown>>): string | undefined => (typeof params.message === 'string' ? params.message : undefined);
  const messageSchema = (description: string, maxLength: number): EffectParamsSchema => ({
    type: 'object',
    additionalProperties: false,
    properties: { message: { type: 'string', title: 'Message', minLength: 1, maxLength, description } },
  });
  const noParams: EffectParamsSchema = { type: 'object', additionalProperties: false, properties: {} };
  return [
    {
      name: 'highlight',
      options: {
        description: 'Posts a highlighted line in chat: params.message, with {user}, {item}, {quantity}, {s} and {input} (what the buyer typed, then required).',
        paramsSchema: messageSchema('The line posted in chat. {user}: the buyer, {item}, {quantity}, {s}: an s when more than one, {input}: what the buyer typed (then required). Empty: "✨ {user}: {input} ✨".', 400),
        checkParams: (params) => {
          if (params.message !== undefined && (typeof params.message !== 'string' || !params.message.trim())) return 'params.message must be a non-empty text';
          if (typeof params.message === 'string' && params.message.length > 400) return 'params.message must be at most 400 characters';
          return undefined;
        },
        checkInput: (input, params) => {
          const template = messageParam(params) ?? '✨ {user}: {input} ✨';
          if (!template.includes('{input}')) return undefined;
          if (!input.trim()) return 'add your message after the item';
          if (Array.from(input).length > 200) return 'your message can be at most 200 characters';
          return undefined;
        },
      },
      handler: async ({ params, user, item, quantity, input, say }) => {
        const template = messageParam(params) ?? '✨ {user}: {input} ✨';
        await say(notACommand(fill(template, { user: user.displayName, item: item.name, quantity, input: input.trim() })));
      },
    },
    {
      name: 'shoutout',
      options: {
        description: 'Shouts out the buyer, or the @user typed after the item: params.message with {target}, {user}.',
        paramsSchema: messageSchema('The shoutout. {target}: who is shouted out (the @name typed after the item, else the buyer), {login}: their login for a link, {user}: the buyer. Empty: a shoutout with a link.', 400),
        checkParams: (params) => (params.message !== undefined && typeof params.message !== 'string' ? 'params.message must be a text' : undefined),
        checkInput: (input) => {
          const first = input.trim().split(/\s+/)[0];
          return first && !LOGIN.test(first) ? `"${first}" is not a Twitch name` : undefined;
        },
      },
      handler: async ({ params, user, input, say }) => {
        const first = input.trim().split(/\s+/)[0];
        const target = (first && LOGIN.exec(first)?.[1]) || user.login;
        const template = messageParam(params) ?? '📣 Fresh out of the oven: a shoutout to {target}! Go give them a follow at https://twitch.tv/{login}';
        await say(notACommand(fill(template, { target, login: target.toLowerCase(), user: user.displayName })));
      },
    },
    {
      name: 'manual',
      options: { description: 'Waits in the redemption queue until the streamer fulfils (or refunds) it.', paramsSchema: noParams },
      handler: () => ({ status: 'pending' }),
    },
    {
      name: 'none',
      options: { description: 'Nothing happens beyond the purchase (collectibles); fulfilled at once.', paramsSchema: noParams },
      handler: () => undefined,
    },
  ];
}
