/** fn over every item, at most `limit` at a time; the results in the items' order. */
export async function mapConcurrently<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  const indexes = items.keys();
  const worker = async () => {
    for (const index of indexes) results[index] = await fn(items[index]!, index);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** fn over every item, at most `limit` at a time, for its effect; rejects with the first failure. */
export async function forEachConcurrently<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<unknown>,
): Promise<void> {
  await mapConcurrently(items, limit, fn);
}
