import { describe, expect, it } from 'vitest';
import { BoundedMap } from '../../subgraphs/shared/bounded-map.ts';

describe('BoundedMap', () => {
  it('keeps at most its size, dropping the earliest set; a key set again moves to the end', () => {
    const map = new BoundedMap<string, number>(2);
    map.set('a', 1).set('b', 2);
    map.set('b', 3); // an existing key: nothing dropped
    expect([...map]).toEqual([['a', 1], ['b', 3]]);
    map.delete('a');
    map.set('a', 4); // used again: now the latest
    map.set('c', 5);
    expect([...map]).toEqual([['a', 4], ['c', 5]]);
  });
});
