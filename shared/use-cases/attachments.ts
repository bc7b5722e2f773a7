// Attachments from operators and widget visitors (A1, M1, M4, X3): an upload slot is a presigned POST for one exact
// key under the uploader's own prefix; a send then accepts its uploaded keys only after checking each stored object —
// it exists, it is the sender's own upload for this ticket, its bytes are what was declared, all fit the limit — and
// copies it out of the uploader's reach (an upload key stays writable until its slot expires). Downloads are
// short-lived presigned GETs that carry the original file name.
import { randomUUID } from 'node:crypto';
import type * as z from 'zod';
import { detectMimeType, kindOfMimeType, safeFileName } from '../channels/media';
import type { OperatorActor } from '../domain/actors';
import {
  attachmentsTooLarge,
  bytesMatchDeclared,
  displayFileName,
  familyOfDeclared,
  imageDimensions,
  MAX_ATTACHMENTS_PER_SEND,
  notYourUpload,
  SNIFF_BYTES,
  tooManyAttachments,
  typeMismatch,
  UPLOAD_SLOT_SECONDS,
  uploadMissing,
} from '../domain/attachments';
import { conflict, invalid } from '../domain/errors';
import { authorizeTicket } from '../domain/policy';
import { copyObject, deleteObject, headObject, readObjectStart } from '../platform/object-store';
import { type PresignedPost, presignUpload } from '../platform/upload-policy';
import { uploadRequest } from '../protocol/actions';
import type { Attachment } from '../store/messages';
import { readSettings, type Settings } from '../store/settings';
import { getTicket } from '../store/tickets';

/** Who uploads: an operator for one ticket, or a widget visitor for its one continuous chat. */
export type Uploader =
  | { kind: 'operator'; operatorId: string; ticketId: string }
  | { kind: 'visitor'; clientId: string };

/** A1: everything an uploader may write, and nothing anyone else may. */
export function uploadPrefix(uploader: Uploader): string {
  return uploader.kind === 'operator'
    ? `uploads/operator/${uploader.operatorId}/${uploader.ticketId}/`
    : `uploads/visitor/${uploader.clientId}/`;
}

export { uploadRequest };
export type UploadRequest = z.output<z.ZodObject<typeof uploadRequest>>;

export interface UploadSlot extends PresignedPost {
  /** Name this key in `attachments` when sending. */
  key: string;
  expiresAt: string;
  maxBytes: number;
}

/** An operator's slot: the operator must be able to reply on the ticket (X1 before anything else). */
export async function createOperatorUploadSlot(
  actor: OperatorActor,
  ticketId: string,
  request: UploadRequest,
  now = new Date(),
): Promise<UploadSlot> {
  const ticket = await getTicket(ticketId);
  authorizeTicket(actor, 'ticket.reply', ticket);
  if (ticket.status === 'closed') throw conflict('The ticket is closed; start a new dialog to send files.');
  return createUploadSlot({ kind: 'operator', operatorId: actor.operatorId, ticketId }, request, now);
}

export async function createUploadSlot(
  uploader: Uploader,
  request: UploadRequest,
  now = new Date(),
): Promise<UploadSlot> {
  const settings = await readSettings();
  const name = displayFileName(request.fileName);
  const contentType = request.contentType.trim().toLowerCase();
  familyOfDeclared(contentType, settings.attachments.allowAnyFile);
  const limit = settings.limits.maxAttachmentBytes;
  if (request.size > limit) throw attachmentsTooLarge(limit);
  const key = `${uploadPrefix(uploader)}${randomUUID()}/${safeFileName(name)}`;
  const expiresAt = new Date(now.getTime() + UPLOAD_SLOT_SECONDS * 1000);
  const post = await presignUpload(
    {
      key,
      contentType,
      minBytes: 1,
      maxBytes: request.size,
      expiresAt,
      // Header values are ASCII: the display name travels percent-encoded.
      metadata: { name: encodeURIComponent(name) },
    },
    now,
  );
  return { ...post, key, expiresAt: expiresAt.toISOString(), maxBytes: request.size };
}

/** The shape of a key this uploader's slot could have made: its prefix, a uuid, one file name. */
const UPLOAD_KEY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/[^/]+$/;

/**
 * Accepts the uploaded keys of one send as attachments of a message to `clientId`'s ticket, or throws the first
 * problem with nothing stored: another uploader's (or another ticket's) key is refused and left alone; an upload of
 * the sender's whose bytes are not what was declared is deleted. Accepted uploads are moved under
 * `attachments/<clientId>/` (copy, then delete), where no upload slot can overwrite them.
 */
export async function acceptUploads(
  uploader: Uploader,
  uploadKeys: readonly string[],
  clientId: string,
  settings?: Settings,
): Promise<Attachment[]> {
  if (uploadKeys.length === 0) return [];
  if (uploadKeys.length > MAX_ATTACHMENTS_PER_SEND) throw tooManyAttachments();
  if (new Set(uploadKeys).size !== uploadKeys.length) throw invalid('attachments: the same file is named twice.');
  const prefix = uploadPrefix(uploader);
  for (const key of uploadKeys) {
    if (!key.startsWith(prefix) || !UPLOAD_KEY.test(key.slice(prefix.length))) throw notYourUpload(key);
  }
  const { limits, attachments: rules } = settings ?? (await readSettings());
  const stored = await Promise.all(uploadKeys.map((key) => headObject(key)));
  const missing = stored.indexOf(undefined);
  if (missing >= 0) throw uploadMissing(uploadKeys[missing] as string);
  const total = stored.reduce((sum, object) => sum + (object?.size ?? 0), 0);
  if (total > limits.maxAttachmentBytes) throw attachmentsTooLarge(limits.maxAttachmentBytes);

  const accepted: Attachment[] = [];
  try {
    for (const [index, key] of uploadKeys.entries()) {
      const object = stored[index] as NonNullable<(typeof stored)[number]>;
      const declared = (object.contentType ?? 'application/octet-stream').toLowerCase();
      const name = nameOf(object.metadata.name, key);
      const finalKey = `attachments/${clientId}/${randomUUID()}/${safeFileName(name)}`;
      await copyObject(key, finalKey, declared);
      // The copy is what will be served, so the copy is what is checked: the upload may change until its slot ends.
      const head = await readObjectStart(finalKey, SNIFF_BYTES);
      if (!head) throw uploadMissing(key);
      const detected = detectMimeType(head.bytes, name);
      if (!bytesMatchDeclared(declared, detected, rules.allowAnyFile)) {
        await Promise.all([deleteObject(finalKey), deleteObject(key)]);
        throw typeMismatch(name, declared, detected);
      }
      const size = head.size;
      const dimensions = detected.startsWith('image/') ? imageDimensions(head.bytes) : undefined;
      accepted.push({ name, mimeType: detected, size, key: finalKey, ...(dimensions ?? {}) });
    }
    const copied = accepted.reduce((sum, attachment) => sum + attachment.size, 0);
    if (copied > limits.maxAttachmentBytes) throw attachmentsTooLarge(limits.maxAttachmentBytes);
  } catch (error) {
    await discardAttachments(accepted);
    throw error;
  }
  // The uploads are spent: their copies are what the message carries. One at a time, and a failed delete costs only
  // storage — the send has succeeded.
  for (const key of uploadKeys) await deleteObject(key).catch(() => undefined);
  return accepted;
}

/** Removes accepted copies whose message was never stored (its send failed after the files were checked). */
export async function discardAttachments(attachments: readonly Attachment[]): Promise<void> {
  await Promise.all(attachments.map((attachment) => deleteObject(attachment.key).catch(() => undefined)));
}

function nameOf(encoded: string | undefined, key: string): string {
  if (encoded) {
    try {
      return displayFileName(decodeURIComponent(encoded));
    } catch {
      // Not our encoding: fall back to the key's file name.
    }
  }
  return key.split('/').pop() ?? 'file';
}

/** M1: the message kind of a send, from its first attachment. */
export const kindOfAttachments = (attachments: readonly Attachment[]) =>
  attachments[0] ? kindOfMimeType(attachments[0].mimeType) : 'text';
