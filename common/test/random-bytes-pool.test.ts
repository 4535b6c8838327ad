import { describe, expect, it } from 'vitest';
import { createRandomBytesPool } from '../random-bytes-pool';

describe('createRandomBytesPool', () => {
  it('hands out each byte once, across refills, and earlier views keep their bytes', () => {
    const take = createRandomBytesPool(64);
    const views = Array.from({ length: 100 }, () => take(10)); // 10 bytes from a 64-byte pool: many refills
    const copies = views.map((view) => Buffer.from(view).toString('hex'));
    take(64);
    expect(views.map((view) => view.toString('hex'))).toEqual(copies);
    expect(views.every((view) => view.length === 10)).toBe(true);
    expect(new Set(copies).size).toBe(100);
  });

  it('gives a request longer than the pool in one piece', () => {
    expect(createRandomBytesPool(8)(32)).toHaveLength(32);
  });
});
