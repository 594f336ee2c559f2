import { describe, expect, test } from '@jest/globals';
import { bigCoreList } from './big-cores.js';

describe('bigCoreList', () => {
  test('takes the cluster with the highest top frequency', () => {
    expect(bigCoreList([1800, 1800, 1800, 1800, 2400, 2400, 2400, 3000])).toBe('7');
    expect(bigCoreList([1800, 1800, 2400, 2400])).toBe('2,3');
  });

  test('adds slower clusters until the threads fit', () => {
    expect(bigCoreList([1800, 1800, 1800, 1800, 2400, 2400, 2400, 3000], 4)).toBe('4,5,6,7');
    expect(bigCoreList([1800, 1800, 2400, 2400], 3)).toBe('0,1,2,3');
  });

  test('no frequencies known: no pinning', () => {
    expect(bigCoreList(undefined)).toBeNull();
    expect(bigCoreList([])).toBeNull();
    expect(bigCoreList([0, 0])).toBeNull();
  });
});
