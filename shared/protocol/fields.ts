// Field schemas the protocol's inputs share (ids, pages, texts), with the limits they enforce. Browser-safe: zod only.
import * as z from 'zod';

/** The largest page any list, history or search returns (R5: every page fits one WebSocket frame). */
export const MAX_PAGE_SIZE = 100;
/** The page size when a request names none. */
export const DEFAULT_PAGE_SIZE = 25;

export const ticketId = z.string().min(3, 'must be a ticket id').max(200, 'must be a ticket id');
export const clientId = z.string().min(1).max(100);
export const operatorId = z.string().min(1).max(100);
export const groupId = z.string().min(1).max(100);
export const messageId = z.string().min(1).max(100);
export const templateId = z.string().min(1).max(200);
export const uploadKey = z.string().min(1).max(1024, 'is not an upload key');
export const pageLimit = z.coerce.number().int('must be a whole number').min(1).max(MAX_PAGE_SIZE);
export const cursor = z.string().min(1).max(2048);

/** `limit?` and `cursor?` of every paged action. */
export const pageOf = {
  limit: pageLimit.default(DEFAULT_PAGE_SIZE),
  cursor: cursor.optional(),
};
