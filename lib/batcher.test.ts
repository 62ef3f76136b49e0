import { describe, expect, it } from 'vitest';
import { Batcher } from './batcher';

describe('Batcher', () => {
  it('writes an idle call at once, and the calls that arrive meanwhile together, in order', async () => {
    const batches: number[][] = [];
    let release = () => {};
    const batcher = new Batcher<number, string>(async (items) => {
      batches.push(items);
      if (batches.length === 1) await new Promise<void>((resolve) => (release = resolve));
      return items.map((item) => `#${item}`);
    });
    const first = batcher.add(1);
    const rest = [batcher.add(2), batcher.add(3), batcher.add(4)];
    await Promise.resolve();
    expect(batches).toEqual([[1]]);
    release();
    expect(await Promise.all([first, ...rest])).toEqual(['#1', '#2', '#3', '#4']);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('keeps batches to the maximum size', async () => {
    const sizes: number[] = [];
    const batcher = new Batcher<number, number>(async (items) => {
      sizes.push(items.length);
      return items;
    }, 2);
    expect(await Promise.all([1, 2, 3, 4, 5].map((item) => batcher.add(item)))).toEqual([1, 2, 3, 4, 5]);
    expect(sizes).toEqual([1, 2, 2]);
  });

  it('rejects every call of a failed batch, and goes on with the next', async () => {
    let calls = 0;
    const batcher = new Batcher<number, number>(async (items) => {
      calls++;
      if (calls === 2) throw new Error('the write failed');
      return items;
    });
    const first = batcher.add(1);
    const failing = [batcher.add(2), batcher.add(3)];
    await expect(first).resolves.toBe(1);
    for (const call of failing) await expect(call).rejects.toThrow('the write failed');
    await expect(batcher.add(4)).resolves.toBe(4);
  });
});
