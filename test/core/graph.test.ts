// The dependency graph as pure functions: order, cycles, missing dependencies, dependents, and why a new
// version cannot replace a running one. No bot needed.
import { expect } from 'chai';
import { dependencyOrder, dependentsOf, describeProblem, missingDependencies, swapProblems, type GraphNode } from '../../core/graph.ts';

const n = (name: string, dependsOn: string[] = [], optionalDependsOn: string[] = []): GraphNode => ({ name, dependsOn, optionalDependsOn });

describe('core: dependency graph', () => {
  it('orders dependencies first, optional ones too, ties by name', () => {
    const { order, cycles } = dependencyOrder([n('aaa', ['zzz']), n('mmm', ['aaa']), n('zzz'), n('bbb', [], ['mmm']), n('ccc')]);
    expect(order).to.deep.equal(['zzz', 'aaa', 'mmm', 'bbb', 'ccc']);
    expect(cycles).to.deep.equal([]);
  });

  it('reports each member of a cycle with the loop, and still lists every node', () => {
    const { order, cycles } = dependencyOrder([n('c1', ['c2']), n('c2', ['c3']), n('c3', ['c1']), n('free')]);
    expect(order).to.have.members(['c1', 'c2', 'c3', 'free']);
    expect(cycles.map((p) => p.plugin).sort()).to.deep.equal(['c1', 'c2', 'c3']);
    expect(cycles.every((p) => p.kind === 'cycle')).to.equal(true);
    expect(describeProblem(cycles[0]!)).to.equal('dependency cycle: c1 → c2 → c3 → c1');
  });

  it('ignores dependencies that are not installed when ordering, and names them as missing', () => {
    const needy = n('needy', ['ghost', 'base'], ['maybe']);
    expect(dependencyOrder([needy, n('base')]).order).to.deep.equal(['base', 'needy']);
    const missing = missingDependencies(needy, new Set(['base', 'needy']));
    expect(missing).to.deep.equal([{ kind: 'missing', plugin: 'needy', dependency: 'ghost' }]);
    expect(describeProblem(missing[0]!)).to.equal('needs plugin "ghost", which is not installed');
  });

  it('finds dependents transitively (optional edges count), in order, among the candidates given', () => {
    const ordered = [n('base'), n('mid', ['base']), n('top', [], ['mid']), n('other')];
    expect(dependentsOf(ordered, 'base').map((x) => x.name)).to.deep.equal(['mid', 'top']);
    expect(dependentsOf(ordered, 'base', (x) => x.name !== 'mid').map((x) => x.name)).to.deep.equal([]);
    expect(dependentsOf(ordered, 'other')).to.deep.equal([]);
  });

  it('says why a new version cannot replace the running one: a cycle, not installed, not running', () => {
    const installed = (x: string) => ['base', 'stopped', 'dep'].includes(x);
    const running = (x: string) => x === 'base' || x === 'dep';
    const problems = swapProblems(n('me', ['base', 'dep', 'ghost', 'stopped', 'me']), new Set(['dep']), installed, running);
    expect(problems.map(describeProblem)).to.deep.equal([
      'dependency cycle: me → dep → me',
      'needs plugin "ghost", which is not installed',
      'needs plugin "stopped", which is not running',
      'dependency cycle: me → me',
    ]);
  });
});
