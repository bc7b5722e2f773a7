// M8 search words and X1 search scopes: folding, word cutting, the query rule, and which scopes a searcher reads.
import { describe, expect, it } from 'vitest';
import type { OperatorActor } from '../../shared/domain/actors';
import { DomainError } from '../../shared/domain/errors';
import { messageScopesOf, searcherScopesOf, ticketScopeOf } from '../../shared/domain/search-scopes';
import { foldText, matchesTerm, searchTermOf, wordsOf } from '../../shared/domain/search-terms';

const matches = (query: string, text: string) => wordsOf(text).some((word) => matchesTerm(word, searchTermOf(query)));

describe('M8 search words', () => {
  it('M8: "при" matches "Привет", "вет" does not (word beginnings only)', () => {
    expect(matches('при', 'Привет, мир')).toBe(true);
    expect(matches('вет', 'Привет, мир')).toBe(false);
  });

  it('M8: "Hel" matches "hello" and "HELLO" (case-folded)', () => {
    expect(matches('Hel', 'hello there')).toBe(true);
    expect(matches('hel', 'Say HELLO')).toBe(true);
  });

  it('M8: ё = е both ways, й stays its own letter', () => {
    expect(matches('елк', 'Ёлка стоит')).toBe(true);
    expect(matches('ёлк', 'елка')).toBe(true);
    expect(foldText('Йогурт')).toBe('йогурт');
    expect(matches('иог', 'йогурт')).toBe(false);
  });

  it('M8: Latin accents fold (café = cafe) and digits are words too', () => {
    expect(matches('caf', 'Café au lait')).toBe(true);
    expect(matches('123', 'order 12345 late')).toBe(true);
  });

  it('M8: words under 3 letters are not indexed and repeats are indexed once', () => {
    expect(wordsOf('я и ты, ok, привет привет')).toEqual(['привет']);
  });

  it('M8: a query without a 3-letter word is refused with reason query_too_short', () => {
    for (const query of ['пр', 'hi', '  a b  ', '!!']) {
      const error = (() => {
        try {
          searchTermOf(query);
        } catch (caught) {
          return caught;
        }
      })();
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).code).toBe('invalid');
      expect((error as DomainError).details).toEqual({ reason: 'query_too_short' });
    }
  });

  it('M8: of a several-word query the longest word is the key', () => {
    expect(searchTermOf('my printer').prefix).toBe('printer');
    expect(searchTermOf('Ёлки').bucket).toBe('е');
  });
});

describe('X1 search scopes', () => {
  const ticket = { status: 'unassigned' as const, groupId: 'g1', clientId: 'c1' };

  it('X1: a message is filed under all and its ticket scope at the time (a client history is read directly)', () => {
    expect(messageScopesOf(ticket)).toEqual(['all', 'group#g1']);
    expect(ticketScopeOf({ ...ticket, status: 'in_progress', assigneeId: 'op1' })).toBe('operator#op1');
    expect(ticketScopeOf({ ...ticket, status: 'closed', assigneeId: 'op1', closedBy: 'op1' })).toBe('operator#op1');
  });

  it('X1: staff read all; an operator reads its own and its groups (watched clients through client search)', () => {
    const operator: OperatorActor = {
      kind: 'operator',
      operatorId: 'op1',
      role: 'operator',
      groupIds: ['g1', 'g2'],
      watchedClientIds: ['c9'],
    };
    expect(searcherScopesOf({ ...operator, role: 'supervisor' })).toEqual(['all']);
    expect(searcherScopesOf(operator)).toEqual(['operator#op1', 'group#g1', 'group#g2']);
    expect(searcherScopesOf({ ...operator, groupIds: [], watchedClientIds: [] })).toEqual(['operator#op1', 'all']);
    expect(searcherScopesOf({ kind: 'visitor', clientId: 'c1', channelId: 'ch' })).toEqual([]);
  });
});
