// Owner-scoped registries and events: what a plugin's service keeps on behalf of other plugins (pages,
// effects, listeners). Each entry names its owner and is removed when that owner unloads; a listener that
// throws is logged against its owner and the others still run. Plugins get these through ctx.registry()
// and ctx.events(), so the same rules hold in every service instead of being written again in each.
import type { Logger, Owner, OwnedEvents, OwnedRegistry, Registered, RegistryOptions } from './types.ts';

export class RegistryError extends Error {
  override name = 'RegistryError';
  readonly code = 'REGISTRY_TAKEN';
  constructor(
    message: string,
    readonly key: string,
    readonly owner: string,
  ) {
    super(message);
  }
}

export function createRegistry<T>(options: RegistryOptions<T> = {}): OwnedRegistry<T> & { clear(): void } {
  const entries = new Set<Registered<T>>();
  const byKey = new Map<string, Registered<T>>();
  const changed = () => options.onChange?.();
  return {
    add(owner: Owner, item: T): () => void {
      const key = options.key?.(item);
      if (key !== undefined) {
        const taken = byKey.get(key);
        if (taken) throw new RegistryError(`${options.what ?? 'entry'} "${key}" is already registered by plugin ${taken.owner}`, key, taken.owner);
      }
      const entry: Registered<T> = { owner: owner.name, item, key };
      entries.add(entry);
      if (key !== undefined) byKey.set(key, entry);
      let removed = false;
      const remove = () => {
        if (removed) return;
        removed = true;
        if (!entries.delete(entry)) return;
        if (key !== undefined && byKey.get(key) === entry) byKey.delete(key);
        changed();
      };
      owner.onDispose(remove);
      changed();
      return remove;
    },
    get(key: string): Registered<T> | undefined {
      return byKey.get(key);
    },
    values(): T[] {
      return [...entries].map((e) => e.item);
    },
    entries(): Registered<T>[] {
      return [...entries];
    },
    get size() {
      return entries.size;
    },
    clear(): void {
      entries.clear();
      byKey.clear();
    },
  };
}

/** `what` names the event in the log ("onTokensChanged listener of shop failed: …"). */
export function createEvents<P>(log: Pick<Logger, 'warn'>, what: string): OwnedEvents<P> & { clear(): void } {
  const listeners = createRegistry<(payload: P) => void | Promise<void>>();
  const report = (owner: string, err: unknown) => log.warn(`${what} listener of ${owner} failed: ${err instanceof Error ? err.message : String(err)}`);
  return {
    on: (owner, fn) => listeners.add(owner, fn),
    emit(payload: P): void {
      for (const { owner, item } of listeners.entries()) {
        try {
          const r = item(payload);
          if (r instanceof Promise) r.catch((err: unknown) => report(owner, err));
        } catch (err) {
          report(owner, err);
        }
      }
    },
    async emitAndWait(payload: P, options: { timeoutMs?: number } = {}): Promise<void> {
      const timeoutMs = options.timeoutMs ?? 10_000;
      for (const { owner, item } of listeners.entries()) {
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            Promise.resolve().then(() => item(payload)),
            new Promise((_, reject) => {
              // Wall time on purpose: it guards against a listener that hangs, not a game rule.
              timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
              timer.unref();
            }),
          ]);
        } catch (err) {
          report(owner, err);
        } finally {
          clearTimeout(timer);
        }
      }
    },
    get size() {
      return listeners.size;
    },
    clear: () => listeners.clear(),
  };
}
