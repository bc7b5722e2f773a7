import { describe, expect, it } from 'vitest';
import { type Author, groupsWithPrevious, type Message } from '../../shared/store/messages';

const message = (author: Author, createdAt: string): Message => ({
  messageId: createdAt,
  ticketId: 'cl_1.1',
  ticketNumber: 1,
  clientId: 'cl_1',
  author,
  kind: 'text',
  text: 'x',
  createdAt,
  seq: 1,
});
const client: Author = { kind: 'client' };
const anna: Author = { kind: 'operator', operatorId: 'op-anna' };
const boris: Author = { kind: 'operator', operatorId: 'op-boris' };

describe('M5 grouping with the previous message', () => {
  it.each([
    ['same client, 59 s apart', client, '10:00:00', client, '10:00:59', true],
    ['same client, exactly a minute apart', client, '10:00:00', client, '10:01:00', false],
    ['same operator, 10 s apart', anna, '10:00:00', anna, '10:00:10', true],
    ['two operators, 10 s apart', anna, '10:00:00', boris, '10:00:10', false],
    ['client then operator', client, '10:00:00', anna, '10:00:05', false],
  ] as const)('%s → %s', (_label, firstAuthor, firstAt, secondAuthor, secondAt, grouped) => {
    const first = message(firstAuthor, `2026-05-01T${firstAt}Z`);
    const second = message(secondAuthor, `2026-05-01T${secondAt}Z`);
    expect(groupsWithPrevious(second, first)).toBe(grouped);
  });

  it('the first message of a history groups with nothing', () => {
    expect(groupsWithPrevious(message(client, '2026-05-01T10:00:00Z'), undefined)).toBe(false);
  });
});
