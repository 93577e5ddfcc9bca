// Mocha root hooks (loaded by .mocharc.json): mocha runs without `exit: true`, so a handle, timer or socket
// left open by any test would keep the run from ending. After all tests, this lists what is still open
// beyond what was open before the first, and fails the run with that list instead of hanging.
import { eventually } from './eventually.ts';
import { leftoverResources, resourceCounts } from './resources.ts';

let before = new Map<string, number>();

export const mochaHooks = {
  beforeAll(): void {
    before = resourceCounts();
  },
  async afterAll(this: { timeout(ms: number): void }): Promise<void> {
    // `eventually` bounds the wait. Mocha keeps one timer for an async hook even without a timeout: allowed.
    this.timeout(0);
    await new Promise((r) => setImmediate(r)); // mocha's timer is set once this hook returned its promise
    const allowed = new Map(before).set('Timeout', (before.get('Timeout') ?? 0) + 1);
    let left: string[] = [];
    try {
      await eventually(() => (left = leftoverResources(allowed)).length === 0, { timeout: 5000, what: 'open handles to close' });
    } catch {
      // What is left open would keep the process alive after mocha reports the failure: end it then (an
      // unref'd timer fires only while something else still holds the process).
      setTimeout(() => process.exit(1), 1000).unref();
      throw new Error(`the tests left open (the run would not end): ${left.join(', ')}`);
    }
  },
};
