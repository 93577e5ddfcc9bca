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
