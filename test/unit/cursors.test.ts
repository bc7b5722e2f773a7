import { describe, expect, it } from 'vitest';
import {
  decodeFrontierCursor,
  decodeMergedCursor,
  encodeFrontierCursor,
  encodeMergedCursor,
} from '../../shared/store/pagination';

const refused = expect.objectContaining({ code: 'invalid', message: 'cursor: is not a cursor this list returned' });

describe('L2 merged list cursors', () => {
  it('round-trip their per-partition positions', () => {
    const cursor = encodeMergedCursor('list-a', ['2026-01-01T00:00:00Z#cl_x.1', null, true]);
    expect(decodeMergedCursor(cursor, 'list-a', 3)).toEqual(['2026-01-01T00:00:00Z#cl_x.1', null, true]);
  });

  it.each([
    ['another list', encodeMergedCursor('list-b', [null, null]), 'list-a', 2],
    ['another number of partitions', encodeMergedCursor('list-a', [null]), 'list-a', 2],
    ['a position longer than a sort key may be', encodeMergedCursor('list-a', ['x'.repeat(1025), null]), 'list-a', 2],
    ['not base64 JSON', '%%%', 'list-a', 2],
  ])('refuse a cursor of %s with invalid', (_label, cursor, list, partitions) => {
    expect(() => decodeMergedCursor(cursor, list, partitions)).toThrow(refused);
  });
});

describe('L1/L2 frontier cursors (staff views over many partitions)', () => {
  const partitions = Array.from({ length: 12 }, (_, i) => `Q#closed#g${String(i).padStart(2, '0')}`);
  const before = '2026-01-01T00:00:00.000Z#cl_x.1';
  const done = partitions.map((_, i) => i % 5 === 0);

  it('L2 round-trip the point they stopped at and the partitions found used up', () => {
    const cursor = encodeFrontierCursor('list-a', partitions, { before, done });
    expect(decodeFrontierCursor(cursor, 'list-a', partitions)).toEqual({ before, done });
  });

  it('L1/L2 stay valid when a partition joins the list (a new group), reading every partition again from the point', () => {
    const cursor = encodeFrontierCursor('list-a', partitions, { before, done });
    const grown = [...partitions.slice(0, 4), 'Q#closed#g03b', ...partitions.slice(4)];
    expect(decodeFrontierCursor(cursor, 'list-a', grown)).toEqual({ before, done: grown.map(() => false) });
  });

  it('L2 stay one short string whatever the number of partitions (one bit each)', () => {
    const many = Array.from({ length: 150 }, (_, i) => `Q#closed#grp_${String(i).padStart(24, '0')}`);
    const cursor = encodeFrontierCursor('AAAAAAAAAAAAAAAA', many, { before, done: many.map((_, i) => i % 2 === 0) });
    expect(cursor.length).toBeLessThanOrEqual(200);
  });

  it.each([
    ['another list', encodeFrontierCursor('list-b', partitions, { before, done }), 'list-a'],
    ['the format before (one position per partition)', encodeMergedCursor('list-a', [before, null]), 'list-a'],
    [
      'a point longer than a sort key may be',
      encodeFrontierCursor('list-a', partitions, { before: 'x'.repeat(1025), done }),
      'list-a',
    ],
    [
      'used-up marks without the partitions they index',
      Buffer.from(JSON.stringify({ list: 'list-a', done: 'AQ' })).toString('base64url'),
      'list-a',
    ],
    ['a mask of another length', tamperedMask('AQAAAA'), 'list-a'],
    ['a mask with bits past the last partition', tamperedMask('AfA'), 'list-a'],
    ['an extra field', Buffer.from(JSON.stringify({ list: 'list-a', at: [] })).toString('base64url'), 'list-a'],
    ['not base64 JSON', '%%%', 'list-a'],
  ])('L2 refuse a cursor of %s with invalid', (_label, cursor, list) => {
    expect(() => decodeFrontierCursor(cursor, list, partitions)).toThrow(refused);
  });

  /** A real cursor of these partitions with its used-up mask replaced. */
  function tamperedMask(mask: string): string {
    const real = JSON.parse(
      Buffer.from(encodeFrontierCursor('list-a', partitions, { before, done }), 'base64url').toString(),
    ) as Record<string, string>;
    return Buffer.from(JSON.stringify({ ...real, done: mask })).toString('base64url');
  }
});
