// GET /files/{token}: a transcript's file link → 302 to a fresh short-lived download URL (M9).
import * as z from 'zod';
import { redeemFileLink } from '../../shared/use-cases/file-download';
import { httpRoute, noBody } from '../adapters/http';

const token = z.string().min(10).max(4096);

export const handler = httpRoute(
  noBody.optional(),
  async ({ pathParameters }) => {
    const given = token.safeParse(pathParameters.token);
    const location = await redeemFileLink(given.success ? given.data : '');
    return { status: 302, headers: { location, 'cache-control': 'no-store' } };
  },
  { auth: 'none' },
);
