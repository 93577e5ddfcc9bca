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
