// One task at a time: each starts when the previous one has settled (whether it resolved or threw).
// The host serializes plugin lifecycle operations with it, the storage its migrations.
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/**
 * The database writer's turns: one task at a time, and when one ends, a waiting interactive task (a viewer's
 * command, a game's payout) goes before the waiting background ones (the batched chat log, chat XP,
 * sightings), which are written in small parts so none holds the writer long.
 */
export class WriteQueue {
  private busy = false;
  private readonly urgent: (() => void)[] = [];
  private readonly background: (() => void)[] = [];

  run<T>(task: () => Promise<T>, options: { readonly background?: boolean } = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        this.busy = true;
        let running: Promise<T>;
        try {
          running = task();
        } catch (err) {
          running = Promise.reject(err);
        }
        running.then(resolve, reject).finally(() => this.next());
      };
      if (!this.busy) start();
      else (options.background ? this.background : this.urgent).push(start);
    });
  }

  /** Whether an interactive task waits for its turn (a background one then ends its turn early). */
  get urgentWaiting(): boolean {
    return this.urgent.length > 0;
  }

  private next(): void {
    this.busy = false;
    (this.urgent.shift() ?? this.background.shift())?.();
  }
}
