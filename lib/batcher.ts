/**
 * Group commit for writes that many concurrent callers make one at a time: while one batch is being
 * written, the calls that arrive wait and go together in the next. An idle batcher writes a call at
 * once (no timer, no added latency); a busy one writes as many per statement as arrived meanwhile,
 * up to `maxBatch`. `write` gets the items in arrival order and returns one result per item, in the
 * same order; if it throws, every call of that batch rejects with its error.
 */
export class Batcher<In, Out> {
  private queue: { item: In; resolve(value: Out): void; reject(error: unknown): void }[] = [];
  private writing = false;

  constructor(
    private readonly write: (items: In[]) => Promise<Out[]>,
    private readonly maxBatch = 100,
  ) {}

  add(item: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        const results = await this.write(batch.map((entry) => entry.item));
        batch.forEach((entry, index) => entry.resolve(results[index]!));
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
    this.writing = false;
  }
}
