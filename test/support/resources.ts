// What keeps the process alive (handles, ref'd timers, sockets, child threads), counted by type, so a test
// can tell what a bot or a whole run left open: mocha runs without `exit: true`, and a leftover would hang it.

/**
 * Active resources by type (Node's process.getActiveResourcesInfo(): unref'd ones are not listed). File
 * system requests in flight are left out: they end by themselves (a log line or a temp folder being written).
 */
export function resourceCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) if (!type.startsWith('FSReq')) counts.set(type, (counts.get(type) ?? 0) + 1);
  return counts;
}

/** Resources open now beyond those in `before`, e.g. `["2 x Timeout", "1 x TCPSocketWrap"]`. */
export function leftoverResources(before: ReadonlyMap<string, number>): string[] {
  const left: string[] = [];
  for (const [type, n] of resourceCounts()) {
    const extra = n - (before.get(type) ?? 0);
    if (extra > 0) left.push(`${extra} x ${type}`);
  }
  return left;
}

/** Where each resource alive now was created, when BAKEBOT_TRACE_LEAKS is set (async_hooks slow every test down). */
const traced = new Map<number, { type: string; stack: string }>();
let lastId = 0;
if (process.env.BAKEBOT_TRACE_LEAKS) {
  const { createHook } = await import('node:async_hooks');
  createHook({
    init(id, type) {
      lastId = id;
      if (type === 'PROMISE' || type.startsWith('FSREQ')) return;
      traced.set(id, { type, stack: (new Error().stack ?? '').split('\n').slice(2, 14).join('\n') });
    },
    destroy(id) {
      traced.delete(id);
    },
  }).enable();
}

/** A mark for resourceOrigins: resources created after it. */
export function resourceMark(): number {
  return lastId;
}

// getActiveResourcesInfo's names and async_hooks' differ.
const HOOK_TYPES: Record<string, string> = { TCPSocketWrap: 'TCPWRAP', TCPServerWrap: 'TCPSERVERWRAP', MessagePort: 'MESSAGEPORT', FSEventWrap: 'FSEVENTWRAP', ProcessWrap: 'PROCESSWRAP', PipeWrap: 'PIPEWRAP' };

/** With BAKEBOT_TRACE_LEAKS: where the resources of these types created since `mark` and still alive were made. */
export function resourceOrigins(types: readonly string[], mark: number): string[] {
  const wanted = new Set(types.map((t) => HOOK_TYPES[t] ?? t));
  return [...traced].filter(([id, r]) => id > mark && wanted.has(r.type)).map(([, r]) => `${r.type} created\n${r.stack}`);
}
