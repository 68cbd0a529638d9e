// A binary min-heap of values by due time, first pushed first among equals. The scheduler
// keeps its waiting messages here so that finding what is due costs O(log n) per message,
// not a sort of the whole queue each time a delivery ends (a queue of 100,000 deferred
// messages would sort them all for every message delivered).

interface Node<T> {
  due: number;
  seq: number;
  value: T;
}

export class DueHeap<T> {
  #a: Node<T>[] = [];
  #seq = 0;

  get size(): number {
    return this.#a.length;
  }

  push(value: T, due: number): void {
    const a = this.#a;
    a.push({ due, seq: this.#seq++, value });
    let i = a.length - 1;
    const node = a[i] as Node<T>;
    while (i > 0) {
      const up = (i - 1) >> 1;
      const parent = a[up] as Node<T>;
      if (!before(node, parent)) break;
      a[i] = parent;
      i = up;
    }
    a[i] = node;
  }

  /** The value due first, and when; undefined when empty. */
  peek(): { value: T; due: number } | undefined {
    const top = this.#a[0];
    return top && { value: top.value, due: top.due };
  }

  pop(): T | undefined {
    const a = this.#a;
    const top = a[0];
    const last = a.pop();
    if (!top || last === undefined || a.length === 0) return top?.value;
    let i = 0;
    const n = a.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && before(a[r] as Node<T>, a[l] as Node<T>) ? r : l;
      if (!before(a[c] as Node<T>, last)) break;
      a[i] = a[c] as Node<T>;
      i = c;
    }
    a[i] = last;
    return top.value;
  }

  clear(): void {
    this.#a = [];
  }
}

function before<T>(x: Node<T>, y: Node<T>): boolean {
  return x.due < y.due || (x.due === y.due && x.seq < y.seq);
}
