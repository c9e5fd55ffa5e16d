// Bounded top-N selection: O(items * log n) with a heap of n, so picking the worst parents never sorts them all.

/**
 * Returns the n items that sort first under `before` (before(a, b) true when a ranks ahead of b), in that order.
 * The heap keeps the current n best with the worst at its root, so each further item costs one comparison unless
 * it displaces the root.
 */
export function topN<T>(items: Iterable<T>, n: number, before: (a: T, b: T) => boolean): T[] {
  if (n <= 0) return [];
  const heap: T[] = [];
  // In this heap, a parent ranks after (is worse than) its children.
  const worse = (i: number, j: number): boolean => before(heap[j]!, heap[i]!);
  const swap = (i: number, j: number): void => {
    const t = heap[i]!;
    heap[i] = heap[j]!;
    heap[j] = t;
  };
  const down = (start: number): void => {
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let w = i;
      if (l < heap.length && worse(l, w)) w = l;
      if (r < heap.length && worse(r, w)) w = r;
      if (w === i) return;
      swap(i, w);
      i = w;
    }
  };
  for (const item of items) {
    if (heap.length < n) {
      heap.push(item);
      for (let i = heap.length - 1; i > 0;) {
        const p = (i - 1) >> 1;
        if (!worse(i, p)) break;
        swap(i, p);
        i = p;
      }
    } else if (before(item, heap[0]!)) {
      heap[0] = item;
      down(0);
    }
  }
  return heap.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
}
