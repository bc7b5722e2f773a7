// A1, M1: a file's real type from its bytes (magic numbers), whatever its name or the channel claims.
import { describe, expect, it } from 'vitest';
import { detectMimeType, kindOfMimeType, safeFileName } from '../../shared/channels/media';

const bytes = (...parts: Array<string | number[]>) =>
  Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'latin1') : Buffer.from(part))));
const zeros = (n: number) => new Array<number>(n).fill(0);
const u32be = (n: number) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];

/** An ISO base media file: an ftyp box with a major brand and compatible brands. */
const ftyp = (major: string, ...compatible: string[]) =>
  bytes(u32be(16 + 4 * compatible.length), 'ftyp', major, zeros(4), ...compatible, u32be(8), 'mdat');

/** A ZIP local file header naming one entry (the names are what tells Office formats apart). */
const zipEntry = (name: string) =>
  bytes([0x50, 0x4b, 0x03, 0x04], zeros(22), [name.length, 0], [0, 0], name, 'compressed-bytes');

const OLE = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
const oleWithStream = (stream: string) =>
  Buffer.concat([Buffer.from(OLE), Buffer.alloc(504), Buffer.from(stream, 'utf16le')]);

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const PPTX = 'application/vnd.openxmlformats-officedocument.presentationml.presentation';

describe('A1/M1 detectMimeType: images', () => {
  it.each([
    ['JPEG', bytes([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10], 'JFIF', [0]), 'image/jpeg'],
    ['PNG', bytes([0x89], 'PNG', [0x0d, 0x0a, 0x1a, 0x0a], u32be(13), 'IHDR'), 'image/png'],
    ['GIF87a', bytes('GIF87a', [1, 0, 1, 0]), 'image/gif'],
    ['GIF89a', bytes('GIF89a', [1, 0, 1, 0]), 'image/gif'],
    ['TIFF little-endian', bytes('II', [0x2a, 0x00, 8, 0, 0, 0]), 'image/tiff'],
    ['TIFF big-endian', bytes('MM', [0x00, 0x2a, 0, 0, 0, 8]), 'image/tiff'],
    ['BMP', bytes('BM', [0x46, 0, 0, 0], zeros(4), [0x36, 0, 0, 0], [0x28, 0, 0, 0]), 'image/bmp'],
    ['WEBP', bytes('RIFF', [0x24, 0, 0, 0], 'WEBPVP8 '), 'image/webp'],
    ['HEIC', ftyp('heic', 'mif1', 'heic'), 'image/heic'],
    ['HEIC (mif1 major, heic compatible)', ftyp('mif1', 'mif1', 'heic'), 'image/heic'],
    ['HEIF', ftyp('mif1', 'mif1'), 'image/heif'],
  ])('A1: %s', (_, file, expected) => {
    expect(detectMimeType(file)).toBe(expected);
    expect(kindOfMimeType(detectMimeType(file))).toBe('image');
  });
});

describe('A1/M1 detectMimeType: video and audio', () => {
  it.each([
    ['MP4', ftyp('isom', 'isom', 'iso2', 'avc1', 'mp41'), 'video/mp4', 'video'],
    ['MP4 (mp42)', ftyp('mp42', 'mp42', 'isom'), 'video/mp4', 'video'],
    ['MOV', ftyp('qt  ', 'qt  '), 'video/quicktime', 'video'],
    ['MOV without ftyp', bytes(u32be(8), 'wide', u32be(16), 'mdat'), 'video/quicktime', 'video'],
    ['M4A', ftyp('M4A ', 'M4A ', 'mp42', 'isom'), 'audio/mp4', 'audio'],
    ['MP3 with ID3 tag', bytes('ID3', [4, 0, 0], zeros(4)), 'audio/mpeg', 'audio'],
    ['MP3 frame', bytes([0xff, 0xfb, 0x90, 0x64], zeros(8)), 'audio/mpeg', 'audio'],
    ['OGG/OPUS voice note', bytes('OggS', [0, 2], zeros(22), [1, 19], 'OpusHead'), 'audio/ogg', 'audio'],
    ['OGG/Vorbis', bytes('OggS', [0, 2], zeros(22), [1, 30], [1], 'vorbis'), 'audio/ogg', 'audio'],
    ['WAV', bytes('RIFF', [0x24, 0, 0, 0], 'WAVEfmt '), 'audio/wav', 'audio'],
    ['AAC (ADTS), not taken for MP3', bytes([0xff, 0xf1, 0x50, 0x80], zeros(8)), 'audio/aac', 'audio'],
  ])('A1: %s', (_, file, expected, kind) => {
    expect(detectMimeType(file)).toBe(expected);
    expect(kindOfMimeType(expected)).toBe(kind);
  });
});

describe('A1/M1 detectMimeType: documents', () => {
  it('A1: PDF and RTF', () => {
    expect(detectMimeType(bytes('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n'))).toBe('application/pdf');
    expect(detectMimeType(bytes('{\\rtf1\\ansi\\deff0 Hello}'))).toBe('application/rtf');
  });

  it('A1: DOCX, XLSX, PPTX by the entry names inside the ZIP, whatever the file is called', () => {
    expect(detectMimeType(zipEntry('word/document.xml'), 'upload.bin')).toBe(DOCX);
    expect(detectMimeType(zipEntry('xl/workbook.xml'))).toBe(XLSX);
    expect(detectMimeType(zipEntry('ppt/presentation.xml'), 'x.docx')).toBe(PPTX);
  });

  it('A1: a ZIP whose entries say nothing is typed by its name, else stays a ZIP', () => {
    expect(detectMimeType(zipEntry('[Content_Types].xml'), 'report.xlsx')).toBe(XLSX);
    expect(detectMimeType(zipEntry('[Content_Types].xml'), 'Letter.DOCX')).toBe(DOCX);
    expect(detectMimeType(zipEntry('photos/1.jpg'), 'photos.zip')).toBe('application/zip');
    // A "password/" folder is not Word.
    expect(detectMimeType(zipEntry('password/word.txt'))).toBe('application/zip');
  });

  it('A1: DOC, XLS, PPT (OLE) by their stream names, or by the file name', () => {
    expect(detectMimeType(oleWithStream('WordDocument'))).toBe('application/msword');
    expect(detectMimeType(oleWithStream('Workbook'))).toBe('application/vnd.ms-excel');
    expect(detectMimeType(oleWithStream('PowerPoint Document'))).toBe('application/vnd.ms-powerpoint');
    expect(detectMimeType(Buffer.from(OLE), 'legacy.xls')).toBe('application/vnd.ms-excel');
    expect(detectMimeType(Buffer.from(OLE), 'deck.ppt')).toBe('application/vnd.ms-powerpoint');
    expect(detectMimeType(Buffer.from(OLE), 'letter.doc')).toBe('application/msword');
    expect(detectMimeType(Buffer.from(OLE))).toBe('application/x-ole-storage');
  });

  it('A1: UTF-8 text (TXT, CSV) is text/plain; HTML is not trusted as HTML', () => {
    expect(detectMimeType(Buffer.from('Order 2291;paid\nOrder 2292;pending\n'), 'orders.csv')).toBe('text/plain');
    expect(detectMimeType(Buffer.from('Привет, мир\r\n'))).toBe('text/plain');
    expect(detectMimeType(Buffer.from('<html><script>alert(1)</script></html>'), 'page.html')).toBe('text/plain');
    expect(kindOfMimeType('text/plain')).toBe('document');
  });
});

describe('A1 detectMimeType: the bytes win over names and claims', () => {
  it('A1: a PDF named like a photo is a PDF; a JPEG named like a PDF is a JPEG', () => {
    expect(detectMimeType(bytes('%PDF-1.4\n'), 'holiday.jpg')).toBe('application/pdf');
    expect(detectMimeType(bytes([0xff, 0xd8, 0xff, 0xdb], zeros(4)), 'invoice.pdf')).toBe('image/jpeg');
  });

  it('A1: "BM" text is not a bitmap; unknown or empty bytes are application/octet-stream', () => {
    expect(detectMimeType(Buffer.from('BMW is a car brand'))).toBe('text/plain');
    expect(detectMimeType(bytes([0x00, 0x01, 0x02, 0x03, 0xfe, 0x80]))).toBe('application/octet-stream');
    expect(detectMimeType(Buffer.alloc(0))).toBe('application/octet-stream');
    expect(detectMimeType(bytes([0xff]))).toBe('application/octet-stream');
    expect(detectMimeType(bytes('RIFF', zeros(4), 'JUNK'))).toBe('application/octet-stream');
  });

  it('A1: a file name never turns unknown bytes into a known type', () => {
    expect(detectMimeType(bytes([0x00, 0x9f, 0x92, 0x96]), 'photo.png')).toBe('application/octet-stream');
  });
});

describe('A1 safeFileName', () => {
  it('A1: keeps letters (any script), digits, dot, dash and underscore; drops paths and leading dots', () => {
    expect(safeFileName('Счёт № 5 (копия).pdf')).toBe('Счёт_5_копия_.pdf');
    expect(safeFileName('../../etc/passwd')).toBe('passwd');
    expect(safeFileName('C:\\Users\\me\\.bashrc')).toBe('bashrc');
    expect(safeFileName('...')).toBe('file');
    expect(safeFileName(`${'a'.repeat(300)}.docx`)).toMatch(/^a{115}\.docx$/);
  });
});
