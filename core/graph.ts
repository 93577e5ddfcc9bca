// The plugins' dependency graph, as pure functions over names: the start order, cycles, missing
// dependencies and dependents. The host keeps the state (what runs, what failed); these only answer
// questions about the graph, each problem typed so that nobody has to parse a message.

export interface GraphNode {
  readonly name: string;
  readonly dependsOn: readonly string[];
  readonly optionalDependsOn: readonly string[];
}

export type GraphProblem =
  /** `cycle` is the loop as found, first name repeated at the end (a → b → a). */
  | { readonly kind: 'cycle'; readonly plugin: string; readonly cycle: readonly string[] }
  /** A required dependency that is not installed at all. */
  | { readonly kind: 'missing'; readonly plugin: string; readonly dependency: string }
  /** A required dependency that is installed but not running (only asked when swapping a running plugin). */
  | { readonly kind: 'not-running'; readonly plugin: string; readonly dependency: string };

export function describeProblem(p: GraphProblem): string {
  switch (p.kind) {
    case 'cycle':
      return `dependency cycle: ${p.cycle.join(' → ')}`;
    case 'missing':
      return `needs plugin "${p.dependency}", which is not installed`;
    case 'not-running':
      return `needs plugin "${p.dependency}", which is not running`;
  }
}

function edges(n: GraphNode): string[] {
  return [...n.dependsOn, ...n.optionalDependsOn];
}

/**
 * Every node, dependencies first (ties by name, so the order is stable), and the cycles found on the way.
 * Nodes in a cycle are still listed (after the part of the cycle already visited): the caller marks them failed.
 */
export function dependencyOrder(nodes: readonly GraphNode[]): { order: string[]; cycles: GraphProblem[] } {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const order: string[] = [];
  const cycles: GraphProblem[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (n: GraphNode, trail: string[]) => {
    const s = state.get(n.name);
    if (s === 'done') return;
    if (s === 'visiting') {
      const cycle = [...trail.slice(trail.indexOf(n.name)), n.name];
      for (const member of new Set(cycle)) cycles.push({ kind: 'cycle', plugin: member, cycle });
      return;
    }
    state.set(n.name, 'visiting');
    for (const dep of edges(n)) {
      const d = byName.get(dep);
      if (d) visit(d, [...trail, n.name]);
    }
    state.set(n.name, 'done');
    order.push(n.name);
  };
  // Names are lower-case ASCII: a plain comparison, not localeCompare (its first call loads ICU's collation, ~8 ms of each start).
  for (const n of [...nodes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) visit(n, []);
  return { order, cycles };
}

/** Required dependencies of `node` that are not among the installed names. */
export function missingDependencies(node: GraphNode, installed: ReadonlySet<string> | ReadonlyMap<string, unknown>): GraphProblem[] {
  return node.dependsOn.filter((d) => !installed.has(d)).map((dependency) => ({ kind: 'missing', plugin: node.name, dependency }));
}

/**
 * The nodes that depend on `name`, directly or not (optional dependencies count), among `candidates`, in
 * the given (dependency) order. `candidates` filters who counts, e.g. only running plugins.
 */
export function dependentsOf(ordered: readonly GraphNode[], name: string, candidates: (n: GraphNode) => boolean = () => true): GraphNode[] {
  const hit = new Set([name]);
  const out: GraphNode[] = [];
  for (const n of ordered) {
    if (n.name === name || !candidates(n)) continue;
    if (edges(n).some((d) => hit.has(d))) {
      hit.add(n.name);
      out.push(n);
    }
  }
  return out;
}

/**
 * Why a new version of the running plugin `next.name` cannot replace the old one now: a dependency on
 * itself or on one of its own dependents (a cycle), one not installed, or one not running.
 */
export function swapProblems(next: GraphNode, dependents: ReadonlySet<string>, installed: (name: string) => boolean, running: (name: string) => boolean): GraphProblem[] {
  return next.dependsOn.flatMap((dep): GraphProblem[] => {
    if (dep === next.name || dependents.has(dep)) return [{ kind: 'cycle', plugin: next.name, cycle: dep === next.name ? [dep, dep] : [next.name, dep, next.name] }];
    if (!installed(dep)) return [{ kind: 'missing', plugin: next.name, dependency: dep }];
    if (!running(dep)) return [{ kind: 'not-running', plugin: next.name, dependency: dep }];
    return [];
  });
}
