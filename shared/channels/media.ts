// Attachments in S3 (A1, M1): channel media is copied into the bucket on arrival and typed by its bytes (magic
// numbers), never by what the channel or the file name claims, so a file is always served as what it really is.
import { randomUUID } from 'node:crypto';
import { DOWNLOAD_URL_SECONDS } from '../domain/attachments';
import type { Attachment, MediaKind } from '../domain/messages';
import { presignDownload, putObject } from '../platform/object-store';
import type { MediaReference } from './driver';
import { ResponseTooLarge } from './outbound-http';

/** M4: attachments of one send at most 20 MB. */
export const MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024;

/** Channel media that was not stored, and why; the message is stored without it. */
export class MediaNotStored extends Error {
  constructor(
    readonly fileName: string,
    readonly reason: string,
  ) {
    super(`${fileName}: ${reason}`);
    this.name = 'MediaNotStored';
  }
}

/**
 * Downloads one piece of channel media and stores it under `attachments/<clientId>/<uuid>/<safe file name>` with its
 * detected type. Throws MediaNotStored when the channel's file cannot be had or is too large; S3 errors propagate, so
 * the webhook fails and the channel redelivers.
 */
export async function storeInboundMedia(clientId: string, media: MediaReference): Promise<Attachment> {
  const declaredName = media.fileName ?? media.kind;
  let fetched: Awaited<ReturnType<MediaReference['fetch']>>;
  try {
    fetched = await media.fetch();
  } catch (error) {
    if (error instanceof ResponseTooLarge) throw new MediaNotStored(declaredName, 'larger than 20 MB');
    throw new MediaNotStored(declaredName, `could not be downloaded from the channel: ${(error as Error).message}`);
  }
  const size = fetched.bytes.byteLength;
  if (size > MAX_ATTACHMENT_BYTES) throw new MediaNotStored(declaredName, 'larger than 20 MB');
  const givenName = fetched.fileName ?? media.fileName;
  const mimeType = detectMimeType(fetched.bytes, givenName);
  const name = givenName ? safeFileName(givenName) : `${media.kind}${EXTENSIONS[mimeType] ?? ''}`;
  const key = `attachments/${clientId}/${randomUUID()}/${name}`;
  await putObject(key, fetched.bytes, mimeType);
  return { name, mimeType, size, key };
}

/** M1: the message kind a stored type belongs to. */
export function kindOfMimeType(mimeType: string): MediaKind {
  if (mimeType.startsWith('image/')) return 'image';
  if (mimeType.startsWith('video/')) return 'video';
  if (mimeType.startsWith('audio/')) return 'audio';
  return 'document';
}

/** Keeps letters, digits, dot, dash and underscore; no path parts, no leading dots; at most 120 characters. */
export function safeFileName(name: string): string {
  const base = name.normalize('NFC').split(/[/\\]/).pop() ?? '';
  const cleaned = base
    .replace(/[^\p{L}\p{N}._-]+/gu, '_')
    .replace(/^[._]+/, '')
    .replace(/_+/g, '_');
  if (!cleaned) return 'file';
  if (cleaned.length <= 120) return cleaned;
  const dot = cleaned.lastIndexOf('.');
  const extension = dot > 0 && cleaned.length - dot <= 10 ? cleaned.slice(dot) : '';
  return cleaned.slice(0, 120 - extension.length) + extension;
}

const OCTET_STREAM = 'application/octet-stream';

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const PPTX = 'application/vnd.openxmlformats-officedocument.presentationml.presentation';

const EXTENSIONS: Record<string, string> = {
  'image/jpeg': '.jpg',
  'image/png': '.png',
  'image/gif': '.gif',
  'image/tiff': '.tiff',
  'image/bmp': '.bmp',
  'image/webp': '.webp',
  'image/heic': '.heic',
  'image/heif': '.heif',
  'image/avif': '.avif',
  'application/pdf': '.pdf',
  'application/rtf': '.rtf',
  'application/zip': '.zip',
  'application/msword': '.doc',
  'application/vnd.ms-excel': '.xls',
  'application/vnd.ms-powerpoint': '.ppt',
  [DOCX]: '.docx',
  [XLSX]: '.xlsx',
  [PPTX]: '.pptx',
  'video/mp4': '.mp4',
  'video/quicktime': '.mov',
  'video/3gpp': '.3gp',
  'video/webm': '.webm',
  'audio/mp4': '.m4a',
  'audio/mpeg': '.mp3',
  'audio/ogg': '.ogg',
  'audio/wav': '.wav',
  'audio/aac': '.aac',
  'audio/amr': '.amr',
  'text/plain': '.txt',
};

const ascii = (bytes: Uint8Array, offset: number, length: number) =>
  offset >= bytes.length ? '' : Buffer.from(bytes.subarray(offset, offset + length)).toString('latin1');

const startsWith = (bytes: Uint8Array, signature: readonly number[], offset = 0) =>
  bytes.length >= offset + signature.length && signature.every((byte, index) => bytes[offset + index] === byte);

const extensionOf = (fileName: string | undefined) => /\.([a-z0-9]+)$/i.exec(fileName ?? '')?.[1]?.toLowerCase();

/**
 * The real type of a file from its first bytes (A1). The file name only tells apart containers whose bytes do not
 * (an Office file inside a ZIP or OLE container); anything unrecognised is application/octet-stream.
 */
export function detectMimeType(bytes: Uint8Array, fileName?: string): string {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  const head6 = ascii(bytes, 0, 6);
  if (head6 === 'GIF87a' || head6 === 'GIF89a') return 'image/gif';
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) return 'image/tiff';
  // "BM" alone is too weak: the BMP header's reserved bytes 6–9 are zero.
  if (ascii(bytes, 0, 2) === 'BM' && bytes.length >= 14 && startsWith(bytes, [0, 0, 0, 0], 6)) return 'image/bmp';
  if (ascii(bytes, 0, 4) === 'RIFF') {
    const form = ascii(bytes, 8, 4);
    if (form === 'WEBP') return 'image/webp';
    if (form === 'WAVE') return 'audio/wav';
    if (form === 'AVI ') return 'video/x-msvideo';
  }
  if (ascii(bytes, 4, 4) === 'ftyp') return isoMediaType(bytes);
  // QuickTime files older than the ftyp box start with one of these atoms.
  if (['moov', 'mdat', 'wide', 'free', 'skip'].includes(ascii(bytes, 4, 4)) && bytes.length >= 8) {
    return 'video/quicktime';
  }
  if (ascii(bytes, 0, 5) === '%PDF-') return 'application/pdf';
  if (ascii(bytes, 0, 5) === '{\\rtf') return 'application/rtf';
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) return zipType(bytes, fileName);
  if (startsWith(bytes, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) return oleType(bytes, fileName);
  if (ascii(bytes, 0, 4) === 'OggS') {
    return ascii(bytes, 28, 7) === '\u0080theora' ? 'video/ogg' : 'audio/ogg';
  }
  if (startsWith(bytes, [0x1a, 0x45, 0xdf, 0xa3])) return 'video/webm';
  if (ascii(bytes, 0, 5) === '#!AMR') return 'audio/amr';
  if (ascii(bytes, 0, 3) === 'ID3' || isMpegAudioFrame(bytes)) return 'audio/mpeg';
  if (isAdtsFrame(bytes)) return 'audio/aac';
  if (isPlainText(bytes)) return 'text/plain';
  return OCTET_STREAM;
}

/** ISO base media (ftyp box): HEIF/HEIC images, AVIF, MP4/M4A, QuickTime, 3GP — told apart by the brands. */
function isoMediaType(bytes: Uint8Array): string {
  const boxSize = Math.min(bytes.length, Math.max(16, new DataView(bytes.buffer, bytes.byteOffset).getUint32(0)));
  const brands = [ascii(bytes, 8, 4)];
  for (let offset = 16; offset + 4 <= boxSize; offset += 4) brands.push(ascii(bytes, offset, 4));
  const major = brands[0] ?? '';
  const has = (...names: string[]) => names.some((name) => brands.includes(name));
  if (['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis'].includes(major)) return 'image/heic';
  if (major === 'avif' || major === 'avis') return 'image/avif';
  if (['mif1', 'msf1', 'heif'].includes(major)) {
    if (has('heic', 'heix')) return 'image/heic';
    return has('avif') ? 'image/avif' : 'image/heif';
  }
  if (major === 'qt  ') return 'video/quicktime';
  if (major === 'M4A ' || major === 'M4B ') return 'audio/mp4';
  if (major.startsWith('3g')) return 'video/3gpp';
  return 'video/mp4';
}

/** A ZIP: Office Open XML when its entry names say so (names are stored uncompressed), else by the file name. */
function zipType(bytes: Uint8Array, fileName: string | undefined): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (buffer.includes('word/document.xml')) return DOCX;
  if (buffer.includes('xl/workbook.xml')) return XLSX;
  if (buffer.includes('ppt/presentation.xml')) return PPTX;
  const byName: Record<string, string> = { docx: DOCX, xlsx: XLSX, pptx: PPTX };
  return byName[extensionOf(fileName) ?? ''] ?? 'application/zip';
}

/** An OLE compound file: the legacy Office formats, by their stream names (UTF-16) or else the file name. */
function oleType(bytes: Uint8Array, fileName: string | undefined): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const stream = (name: string) => buffer.includes(Buffer.from(name, 'utf16le'));
  if (stream('WordDocument')) return 'application/msword';
  if (stream('Workbook') || stream('Book')) return 'application/vnd.ms-excel';
  if (stream('PowerPoint Document')) return 'application/vnd.ms-powerpoint';
  const byName: Record<string, string> = {
    doc: 'application/msword',
    xls: 'application/vnd.ms-excel',
    ppt: 'application/vnd.ms-powerpoint',
  };
  return byName[extensionOf(fileName) ?? ''] ?? 'application/x-ole-storage';
}

/** An MPEG-1/2 Layer III frame header: 11 sync bits, a valid version, layer III, a valid bitrate and sample rate. */
function isMpegAudioFrame(bytes: Uint8Array): boolean {
  const [b0, b1, b2] = [bytes[0], bytes[1], bytes[2]];
  if (b0 !== 0xff || b1 === undefined || b2 === undefined || (b1 & 0xe0) !== 0xe0) return false;
  const version = (b1 >> 3) & 0x03;
  const layer = (b1 >> 1) & 0x03;
  const bitrate = b2 >> 4;
  const sampleRate = (b2 >> 2) & 0x03;
  return version !== 0x01 && layer === 0x01 && bitrate !== 0x0f && bitrate !== 0 && sampleRate !== 0x03;
}

/** An AAC ADTS frame header: sync 0xFFF and layer 00. */
function isAdtsFrame(bytes: Uint8Array): boolean {
  const b1 = bytes[1];
  return bytes[0] === 0xff && b1 !== undefined && (b1 & 0xf6) === 0xf0;
}

/** Valid UTF-8 without control characters other than tab, line breaks and form feed (TXT, CSV, logs). */
function isPlainText(bytes: Uint8Array): boolean {
  if (bytes.length === 0) return false;
  const sample = bytes.subarray(0, 64 * 1024);
  for (const byte of sample) {
    if (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d && byte !== 0x0c) return false;
    if (byte === 0x7f) return false;
  }
  try {
    // A multi-byte character cut at the sample's end is not an error.
    new TextDecoder('utf-8', { fatal: true }).decode(sample.length < bytes.length ? trimPartial(sample) : sample);
    return true;
  } catch {
    return false;
  }
}

function trimPartial(sample: Uint8Array): Uint8Array {
  const end = sample.length;
  for (let back = 1; back <= 3 && end - back >= 0; back++) {
    const byte = sample[end - back] ?? 0;
    if ((byte & 0xc0) === 0xc0) return sample.subarray(0, end - back);
    if ((byte & 0x80) === 0) break;
  }
  return sample.subarray(0, end);
}

export interface DownloadableAttachment extends Attachment {
  /** A1: a presigned GET, valid for DOWNLOAD_URL_SECONDS, saving the file under its original name. */
  url: string;
  urlExpiresAt: string;
}

/** Messages with a fresh download URL on each attachment (history, sync, the widget's history). */
export async function withDownloadUrls<M extends { attachments?: Attachment[] | undefined }>(
  messages: readonly M[],
  now = new Date(),
): Promise<M[]> {
  const urlExpiresAt = new Date(now.getTime() + DOWNLOAD_URL_SECONDS * 1000).toISOString();
  return Promise.all(
    messages.map(async (message) => {
      if (!message.attachments?.length) return message;
      const attachments: DownloadableAttachment[] = await Promise.all(
        message.attachments.map(async (attachment) => ({
          ...attachment,
          url: await presignDownload(attachment.key, attachment.name, DOWNLOAD_URL_SECONDS),
          urlExpiresAt,
        })),
      );
      return { ...message, attachments };
    }),
  );
}
