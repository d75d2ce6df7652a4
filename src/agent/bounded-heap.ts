/**
 * The `capacity` smallest items offered, by `cmp`, in O(capacity) memory: a max-heap
 * whose top is the largest item kept, so an item no smaller than it is dropped with one
 * comparison. Used to page through a directory of any size without holding it.
 */
export class BoundedHeap<T> {
  readonly #a: T[] = [];
  constructor(readonly capacity: number, private readonly cmp: (x: T, y: T) => number) {}

  get size(): number { return this.#a.length; }

  offer(x: T): void {
    const a = this.#a;
    if (this.capacity <= 0) return;
    if (a.length < this.capacity) {
      a.push(x);
      this.#up(a.length - 1);
    } else if (this.cmp(x, a[0]!) < 0) {
      a[0] = x;
      this.#down(0);
    }
  }

  /** The items kept, smallest first. */
  sorted(): T[] {
    return [...this.#a].sort(this.cmp);
  }

  #up(i: number): void {
    const a = this.#a;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.cmp(a[i]!, a[p]!) <= 0) return;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }

  #down(i: number): void {
    const a = this.#a;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && this.cmp(a[l]!, a[m]!) > 0) m = l;
      if (r < a.length && this.cmp(a[r]!, a[m]!) > 0) m = r;
      if (m === i) return;
      [a[i], a[m]] = [a[m]!, a[i]!];
      i = m;
    }
  }
}
