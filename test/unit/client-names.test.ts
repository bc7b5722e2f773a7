import { describe, expect, it } from 'vitest';
import { MAX_CLIENT_NAME_LENGTH, normalizeClientName } from '../../shared/domain/client-names';

describe('X3 client names are normalized on arrival', () => {
  it('X3: control and bidi-override characters are removed, whitespace collapsed', () => {
    expect(normalizeClientName('Ivan\u0000\u0007 \u202EnaVI\u202C\n\tPetrov')).toBe('Ivan naVI Petrov');
  });

  it('X3: a 420 KB name is capped at 256 characters, counted as the reader sees them', () => {
    expect([...normalizeClientName('😀'.repeat(210_000))]).toHaveLength(MAX_CLIENT_NAME_LENGTH);
  });

  it('X3: a name of nothing but unsafe characters reads as "Client"', () => {
    expect(normalizeClientName('\u202E\u0001 ')).toBe('Client');
    expect(normalizeClientName(undefined)).toBe('Client');
  });
});

describe('X3 ticket ids', () => {
  it('X3: only the canonical ticket id is accepted; padded, spaced or signed numbers are refused', async () => {
    const { parseTicketId } = await import('../../shared/store/tickets');
    expect(parseTicketId('cl_abc.4')).toEqual({ clientId: 'cl_abc', number: 4 });
    for (const odd of ['cl_abc.04', 'cl_abc.4 ', 'cl_abc.+4', 'cl_abc.4.0', 'cl_abc.4e0', 'cl_abc. 4']) {
      expect(() => parseTicketId(odd), odd).toThrow(expect.objectContaining({ code: 'invalid' }));
    }
  });
});
