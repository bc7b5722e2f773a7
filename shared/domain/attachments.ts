// Attachment rules (M1, M4, A1, X3): which declared types may be uploaded and what their bytes must turn out to be,
// how many and how large, file names made safe to show and to store, and image sizes read from the bytes.
import { DomainError, forbidden, invalid, notFound } from './errors';

export type AttachmentFamily = 'image' | 'video' | 'audio' | 'document';

/** M4: at most this many files in one send. */
export const MAX_ATTACHMENTS_PER_SEND = 10;
/** An upload slot is good for this long (A1: short-lived). */
export const UPLOAD_SLOT_SECONDS = 300;
/** Download links in history and events (A1: short-lived). */
export const DOWNLOAD_URL_SECONDS = 900;
/** Enough of a file to tell its type and, for common images, its width and height. */
export const SNIFF_BYTES = 64 * 1024;

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const PPTX = 'application/vnd.openxmlformats-officedocument.presentationml.presentation';
const OLE = 'application/x-ole-storage';

/**
 * M1: the declared types an upload may have, each with the detected types (shared/channels/media.ts) its bytes may
 * turn out to be. Media only has to stay in its family (a HEIC declared as HEIF is still a photo); documents must be
 * what they claim, since their family says nothing about what a viewer will do with them.
 */
const IMAGE = [
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/tiff',
  'image/bmp',
  'image/webp',
  'image/heic',
  'image/heif',
];
const VIDEO = ['video/mp4', 'video/quicktime', 'video/3gpp', 'video/webm', 'video/ogg', 'video/x-msvideo'];
const AUDIO = ['audio/mpeg', 'audio/mp4', 'audio/ogg', 'audio/wav', 'audio/aac', 'audio/amr', 'audio/webm'];
const DOCUMENTS: Record<string, readonly string[]> = {
  'application/pdf': ['application/pdf'],
  'application/msword': ['application/msword', OLE],
  'application/vnd.ms-excel': ['application/vnd.ms-excel', OLE],
  'application/vnd.ms-powerpoint': ['application/vnd.ms-powerpoint', OLE],
  [DOCX]: [DOCX],
  [XLSX]: [XLSX],
  [PPTX]: [PPTX],
  'text/plain': ['text/plain'],
  'application/rtf': ['application/rtf'],
  'text/rtf': ['application/rtf'],
};

const rejected = (error: DomainError, reason: string, extra: Record<string, unknown> = {}) =>
  new DomainError(error.code, error.message, { reason, ...extra });

/** The family a declared type uploads as; other types only when the tenant allows any file (setting). */
export function familyOfDeclared(declared: string, allowAnyFile: boolean): AttachmentFamily {
  const type = declared.toLowerCase();
  if (IMAGE.includes(type)) return 'image';
  if (VIDEO.includes(type)) return 'video';
  if (AUDIO.includes(type)) return 'audio';
  if (DOCUMENTS[type] || allowAnyFile) return 'document';
  throw rejected(
    invalid(`contentType: ${declared} is not an allowed file type (images, video, audio, PDF, Office, TXT, RTF).`),
    'unsupported_type',
  );
}

/** M1: the message kind of a message with these files (the first decides), `text` without any. */
export function messageKindOf(attachments: ReadonlyArray<{ mimeType: string }>): AttachmentFamily | 'text' {
  const first = attachments[0];
  return first ? familyOfDetected(first.mimeType) : 'text';
}

const familyOfDetected = (detected: string): AttachmentFamily =>
  detected.startsWith('image/')
    ? 'image'
    : detected.startsWith('video/')
      ? 'video'
      : detected.startsWith('audio/')
        ? 'audio'
        : 'document';

/** A1: whether a file declared `declared` may really be `detected` (its first bytes). */
export function bytesMatchDeclared(declared: string, detected: string, allowAnyFile: boolean): boolean {
  const type = declared.toLowerCase();
  const documents = DOCUMENTS[type];
  if (documents) return documents.includes(detected);
  const family = familyOfDeclared(type, allowAnyFile);
  // WebM and Ogg containers carry sound or pictures alike; the bytes cannot tell a voice note from a clip.
  if ((family === 'audio' || family === 'video') && /^(audio|video)\/(webm|ogg)$/.test(detected)) return true;
  if (family === 'document') return allowAnyFile;
  return familyOfDetected(detected) === family;
}

export const typeMismatch = (name: string, declared: string, detected: string) =>
  rejected(
    invalid(`${name}: the file was declared ${declared} but its contents are ${detected}; it was not accepted.`),
    'type_mismatch',
    { declared, detected },
  );

export const tooManyAttachments = () =>
  rejected(invalid(`attachments: at most ${MAX_ATTACHMENTS_PER_SEND} files in one message.`), 'too_many_attachments');

export const attachmentsTooLarge = (limit: number) =>
  rejected(
    new DomainError('payload_too_large', `Attachments of one message may be at most ${formatBytes(limit)} together.`),
    'attachments_too_large',
    { limitBytes: limit },
  );

export const notYourUpload = (key: string) =>
  rejected(forbidden(`${key} is not a file you uploaded for this ticket.`), 'not_your_upload');

export const uploadMissing = (key: string) =>
  rejected(
    notFound(`${key} was not uploaded, or its upload slot expired before the file arrived; upload it again.`),
    'upload_missing',
  );

export const formatBytes = (bytes: number) =>
  bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MB` : `${bytes} bytes`;

/** Control characters, and bidi overrides and isolates that would make "exe.pdf" display as "fdp.exe". */
const UNSHOWABLE = /[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]/gu;
const MAX_NAME_LENGTH = 255;

/**
 * X3: the name shown for a file: NFC, without control and bidi characters, path separators turned into `_`, at most
 * 255 characters (keeping the extension). Throws `invalid` for a name with nothing left.
 */
export function displayFileName(name: string): string {
  const cleaned = name.normalize('NFC').replace(UNSHOWABLE, '').replace(/[/\\]/g, '_').trim();
  if (!cleaned || /^\.+$/.test(cleaned)) {
    throw rejected(invalid('fileName: must name a file.'), 'bad_file_name');
  }
  if (cleaned.length <= MAX_NAME_LENGTH) return cleaned;
  const dot = cleaned.lastIndexOf('.');
  const extension = dot > 0 && cleaned.length - dot <= 10 ? cleaned.slice(dot) : '';
  return cleaned.slice(0, MAX_NAME_LENGTH - extension.length) + extension;
}

/** Width and height of a PNG, GIF, JPEG, BMP or WebP from its first bytes; undefined when they do not tell. */
export function imageDimensions(bytes: Uint8Array): { width: number; height: number } | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ascii = (offset: number, length: number) =>
    String.fromCharCode(...bytes.subarray(offset, Math.min(bytes.length, offset + length)));
  const sized = (width: number, height: number) => (width > 0 && height > 0 ? { width, height } : undefined);
  try {
    if (bytes[0] === 0x89 && ascii(1, 3) === 'PNG' && ascii(12, 4) === 'IHDR') {
      return sized(view.getUint32(16), view.getUint32(20));
    }
    if (ascii(0, 4) === 'GIF8') return sized(view.getUint16(6, true), view.getUint16(8, true));
    if (ascii(0, 2) === 'BM' && bytes.length >= 26) {
      return sized(Math.abs(view.getInt32(18, true)), Math.abs(view.getInt32(22, true)));
    }
    if (ascii(0, 4) === 'RIFF' && ascii(8, 4) === 'WEBP') return webpDimensions(bytes, view, ascii);
    if (bytes[0] === 0xff && bytes[1] === 0xd8) return jpegDimensions(bytes, view);
  } catch {
    // A header cut short by the sniffed length: the size is simply unknown.
  }
  return undefined;
}

function webpDimensions(
  bytes: Uint8Array,
  view: DataView,
  ascii: (offset: number, length: number) => string,
): { width: number; height: number } | undefined {
  const chunk = ascii(12, 4);
  const u24 = (offset: number) =>
    (bytes[offset] ?? 0) | ((bytes[offset + 1] ?? 0) << 8) | ((bytes[offset + 2] ?? 0) << 16);
  if (chunk === 'VP8X') return { width: u24(24) + 1, height: u24(27) + 1 };
  if (chunk === 'VP8L') {
    const bits = view.getUint32(21, true);
    return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8 ') return { width: view.getUint16(26, true) & 0x3fff, height: view.getUint16(28, true) & 0x3fff };
  return undefined;
}

/** Walks the JPEG markers to the first start-of-frame, which holds the size. */
function jpegDimensions(bytes: Uint8Array, view: DataView): { width: number; height: number } | undefined {
  let offset = 2;
  while (offset + 9 < bytes.length) {
    if (bytes[offset] !== 0xff) return undefined;
    const marker = bytes[offset + 1] ?? 0;
    if (marker === 0xff) {
      offset += 1;
      continue;
    }
    const length = view.getUint16(offset + 2);
    const startOfFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (startOfFrame) {
      const height = view.getUint16(offset + 5);
      const width = view.getUint16(offset + 7);
      return width > 0 && height > 0 ? { width, height } : undefined;
    }
    offset += 2 + length;
  }
  return undefined;
}
