// Core hook points, declared once. Plugins tap through a facade that stamps each tap with its owner, so
// unloading a plugin removes its taps (tapable has no untap), and isolates errors: a throwing tap is
// logged against its plugin and the other taps still run.
import { AsyncParallelHook, AsyncSeriesHook, AsyncSeriesWaterfallHook, SyncHook } from 'tapable';
import type { ChatEvent, ChatMessage, ChatUser, CommandCall, HookTap, OutgoingMessage, PluginHooks, PluginInfo, UserForgotten } from './types.ts';

export function createHooks() {
  return Object.freeze({
    ready: new AsyncParallelHook<[]>([], 'ready'),
    shutdown: new AsyncSeriesHook<[]>([], 'shutdown'),
    chatMessage: new AsyncParallelHook<[ChatMessage]>(['message'], 'chatMessage'),
    chatEvent: new AsyncParallelHook<[ChatEvent]>(['event'], 'chatEvent'),
    command: new AsyncSeriesHook<[CommandCall]>(['call'], 'command'),
    outgoingMessage: new AsyncSeriesWaterfallHook<[OutgoingMessage]>(['message'], 'outgoingMessage'),
    userSeen: new AsyncParallelHook<[ChatUser]>(['user'], 'userSeen'),
    userForgotten: new AsyncParallelHook<[UserForgotten]>(['event'], 'userForgotten'),
    pluginLoaded: new SyncHook<[PluginInfo]>(['plugin'], 'pluginLoaded'),
    pluginUnloaded: new SyncHook<[PluginInfo]>(['plugin'], 'pluginUnloaded'),
    configChanged: new SyncHook<[{ readonly plugin: string | null }]>(['change'], 'configChanged'),
  });
}

export type CoreHooks = ReturnType<typeof createHooks>;
type AnyHook = CoreHooks[keyof CoreHooks];

// tapable keeps the compiled call function until told otherwise; after editing `taps` it must recompile.
interface Recompilable {
  _resetCompilation(): void;
}

export interface TapOwner {
  /** Unique per loaded generation of a plugin, e.g. `economy#3`. */
  readonly id: string;
  readonly name: string;
  alive(): boolean;
  failed(err: unknown, where: string): void;
  own(dispose: () => void): void;
}

/** Removes every tap of `ownerId` from every hook; safe to call more than once. */
export function untapAll(hooks: CoreHooks, ownerId: string): void {
  for (const hook of Object.values(hooks) as AnyHook[]) {
    const before = hook.taps.length;
    hook.taps = hook.taps.filter((t) => (t as { owner?: string }).owner !== ownerId);
    if (hook.taps.length !== before) (hook as unknown as Recompilable)._resetCompilation();
  }
}

export function hooksFor(hooks: CoreHooks, owner: TapOwner): PluginHooks {
  let disposeRegistered = false;
  const registerDispose = () => {
    if (disposeRegistered) return;
    disposeRegistered = true;
    owner.own(() => untapAll(hooks, owner.id));
  };

  // A call already in flight when the plugin unloads still holds the old compiled function:
  // the alive() guard makes those late calls do nothing.
  // Callback style (tapAsync), not tapPromise: chatMessage runs for every chat message, and an async wrapper
  // per tap cost a promise, an await and an arguments array each time, though most taps finish synchronously.
  function asyncTap<Args extends [] | [unknown]>(hook: AsyncParallelHook<Args> | AsyncSeriesHook<Args>, name: string): HookTap<Args> {
    const where = `hook ${name}`;
    const arity = (hook as unknown as { _args: readonly string[] })._args.length;
    if (arity > 1) throw new Error(`hook ${name} has ${arity} arguments; asyncTap passes at most one`);
    return {
      tap(fn) {
        registerDispose();
        const call = fn as (arg?: unknown) => unknown;
        // The callback must never get a value: tapable reads its first argument as an error.
        const invoke = (arg: unknown, done: () => void): void => {
          if (!owner.alive()) return done();
          let result: unknown;
          try {
            result = arity ? call(arg) : call();
          } catch (err) {
            owner.failed(err, where);
            return done();
          }
          if (result && typeof (result as PromiseLike<unknown>).then === 'function') {
            (result as PromiseLike<unknown>).then(
              () => done(),
              (err: unknown) => {
                owner.failed(err, where);
                done();
              },
            );
          } else done();
        };
        const options = { name: owner.name, owner: owner.id } as { name: string };
        // tapable passes the hook's arguments, then the callback.
        if (arity === 0) (hook as unknown as AsyncParallelHook<[]>).tapAsync(options, (cb) => invoke(undefined, cb as () => void));
        else (hook as unknown as AsyncParallelHook<[unknown]>).tapAsync(options, (a, cb) => invoke(a, cb as () => void));
      },
    };
  }

  function syncTap<Args extends unknown[]>(hook: SyncHook<Args>, name: string): HookTap<Args> {
    return {
      tap(fn) {
        registerDispose();
        hook.tap({ name: owner.name, owner: owner.id } as { name: string }, (...args) => {
          if (!owner.alive()) return;
          try {
            const r = fn(...(args as unknown as Args));
            if (r instanceof Promise) r.catch((err: unknown) => owner.failed(err, `hook ${name}`));
          } catch (err) {
            owner.failed(err, `hook ${name}`);
          }
        });
      },
    };
  }

  const outgoing: HookTap<[OutgoingMessage], OutgoingMessage> = {
    tap(fn) {
      registerDispose();
      hooks.outgoingMessage.tapPromise({ name: owner.name, owner: owner.id } as { name: string }, async (msg) => {
        if (!owner.alive()) return msg;
        try {
          const out = await fn(msg);
          return out && typeof out.text === 'string' ? out : msg;
        } catch (err) {
          owner.failed(err, 'hook outgoingMessage');
          return msg;
        }
      });
    },
  };

  return Object.freeze({
    ready: asyncTap(hooks.ready, 'ready'),
    shutdown: asyncTap(hooks.shutdown, 'shutdown'),
    chatMessage: asyncTap(hooks.chatMessage, 'chatMessage'),
    chatEvent: asyncTap(hooks.chatEvent, 'chatEvent'),
    command: asyncTap(hooks.command, 'command'),
    outgoingMessage: outgoing,
    userSeen: asyncTap(hooks.userSeen, 'userSeen'),
    userForgotten: asyncTap(hooks.userForgotten, 'userForgotten'),
    pluginLoaded: syncTap(hooks.pluginLoaded, 'pluginLoaded'),
    pluginUnloaded: syncTap(hooks.pluginUnloaded, 'pluginUnloaded'),
    configChanged: syncTap(hooks.configChanged, 'configChanged'),
  });
}
