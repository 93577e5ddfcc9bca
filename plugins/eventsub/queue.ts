// Events that arrive together are acted on together: the first one waits for the end of the current turn of
// the event loop (setImmediate: everything read from the socket in this turn joins it), and while a batch is
// being written, the events arriving meanwhile gather for the next one. One write transaction per batch
// instead of one per event is what lets the bot keep up with a storm; a lone event waits for nothing.
// setImmediate rather than ctx.timers: it must not wait for a test's fake clock, and it leaves nothing
// behind at unload, where the plugin awaits drained().

interface Waiting<T, R> {
  readonly item: T;
  resolve(result: R): void;
  reject(err: unknown): void;
}

export interface BatchQueue<T, R> {
  /** Resolves with this item's result once its batch was acted on. */
  push(item: T): Promise<R>;
  /** Resolves once nothing waits and no batch runs (at unload). */
  drained(): Promise<void>;
}

export function batchQueue<T, R>(work: (items: readonly T[]) => Promise<readonly R[]>, maxBatch = 500): BatchQueue<T, R> {
  const waiting: Waiting<T, R>[] = [];
  let running: Promise<void> | undefined;

  async function drain(): Promise<void> {
    while (waiting.length) {
      const now = waiting.splice(0, maxBatch);
      try {
        const results = await work(now.map((w) => w.item));
        now.forEach((w, i) => w.resolve(results[i] as R));
      } catch (err) {
        for (const w of now) w.reject(err);
      }
    }
  }

  function start(): void {
    running = new Promise<void>((resolve) => setImmediate(resolve))
      .then(drain)
      .finally(() => {
        running = undefined;
        // Pushed between the last batch and this line: start again.
        if (waiting.length) start();
      });
  }

  return {
    push(item) {
      const result = new Promise<R>((resolve, reject) => waiting.push({ item, resolve, reject }));
      if (!running) start();
      return result;
    },
    async drained() {
      while (running) await running;
    },
  };
}
