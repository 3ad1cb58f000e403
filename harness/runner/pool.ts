/**
 * Runs `worker` over `items` with at most `concurrency` in flight, in order of start.
 * Stops handing out new items once `signal` aborts; items already started finish.
 * (Twelve lines do not justify a dependency such as p-limit.)
 */
export async function runPool<T>(
  items: readonly T[],
  concurrency: number,
  worker: (item: T) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, async () => {
    while (next < items.length && !signal?.aborted) {
      const item = items[next++] as T;
      await worker(item);
    }
  });
  await Promise.all(lanes);
}
