/**
 * The simulation's clock: events in time order, in the order they were scheduled when two fall
 * at the same time (so a run never depends on how a heap happens to break ties). A binary heap:
 * O(log n) per event, for runs of hundreds of thousands of requests.
 */
export class EventQueue<E> {
  private readonly heap: { at: number; seq: number; event: E }[] = [];
  private seq = 0;

  /** Events not yet taken. */
  get size(): number {
    return this.heap.length;
  }

  /** The time of the earliest event, or undefined when none is left. */
  peekTime(): number | undefined {
    return this.heap[0]?.at;
  }

  /** Schedules `event` at time `at`. */
  push(at: number, event: E): void {
    if (Number.isNaN(at)) throw new RangeError('an event needs a time');
    const heap = this.heap;
    heap.push({ at, seq: this.seq++, event });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  /** Takes the earliest event, or undefined when none is left. */
  pop(): { at: number; event: E } | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined) return undefined;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let first = i;
        if (left < heap.length && this.before(left, first)) first = left;
        if (right < heap.length && this.before(right, first)) first = right;
        if (first === i) break;
        this.swap(i, first);
        i = first;
      }
    }
    return { at: top.at, event: top.event };
  }

  private swap(i: number, j: number): void {
    const item = this.heap[i]!;
    this.heap[i] = this.heap[j]!;
    this.heap[j] = item;
  }

  private before(i: number, j: number): boolean {
    const a = this.heap[i]!;
    const b = this.heap[j]!;
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }
}
