import { describe, expect, it } from 'vitest';
import { decodeMergedCursor, encodeMergedCursor } from '../../shared/store/pagination';

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
    expect(() => decodeMergedCursor(cursor, list, partitions)).toThrow(
      expect.objectContaining({ code: 'invalid', message: 'cursor: is not a cursor this list returned' }),
    );
  });
});
