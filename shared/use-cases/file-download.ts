// GET /files/{token} (M9): a transcript's file link, checked (signature, expiry) and answered with a fresh presigned
// URL valid for minutes — the link itself carries no AWS credentials, so it outlives any role session.
import { DOWNLOAD_URL_SECONDS } from '../domain/attachments';
import { notFound } from '../domain/errors';
import { presignDownload } from '../platform/object-store';
import { readFileLinkToken } from '../store/file-links';

/** Where to send the browser; `not_found` for a forged, altered or expired link (nothing tells which). */
export async function redeemFileLink(token: string, now = new Date()): Promise<string> {
  const link = await readFileLinkToken(token, now);
  if (!link) throw notFound('This file link is not valid or has expired; ask for a new transcript.');
  return presignDownload(link.key, link.name, DOWNLOAD_URL_SECONDS);
}
