// The scheduler's heap against a model: a list sorted by due time, first pushed first.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DueHeap } from '../../src/queue/due-heap.js';

describe('DueHeap', () => {
  it('pops by due time, first pushed first among equals, whatever the order of operations', () => {
    const op = fc.oneof(
      fc.record({ push: fc.integer({ min: 0, max: 20 }) }),
      fc.constant({ pop: true as const }),
      fc.constant({ clear: true as const }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const heap = new DueHeap<number>();
        let model: { due: number; id: number }[] = [];
        let id = 0;
        for (const o of ops) {
          if ('push' in o) {
            heap.push(id, o.push);
            model.push({ due: o.push, id: id++ });
            model.sort((a, b) => a.due - b.due || a.id - b.id);
          } else if ('pop' in o) {
            expect(heap.peek()).toEqual(model[0] && { value: model[0].id, due: model[0].due });
            expect(heap.pop()).toBe(model.shift()?.id);
          } else {
            heap.clear();
            model = [];
          }
          expect(heap.size).toBe(model.length);
        }
      }),
    );
  });
});
