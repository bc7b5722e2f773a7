import { describe, expect, it } from 'vitest';
import { DomainError } from '../../shared/domain/errors';
import { tagDisplayName, tagKeyOf } from '../../shared/domain/tag-names';
import {
  assertKnownVariables,
  normalizeCommand,
  renderTemplate,
  unknownVariables,
} from '../../shared/domain/template-variables';

describe('Q3 template variables', () => {
  it('Q3: {{client.nme}} is unknown and named; known variables, with or without inner spaces, pass', () => {
    expect(unknownVariables('Hi {{client.nme}} and {{ client.name }} and {{client.nme}}')).toEqual(['client.nme']);
    expect(() => assertKnownVariables('Hi {{client.nme}}')).toThrow(/unknown variable \{\{client\.nme\}\}/);
    let refused: unknown;
    try {
      assertKnownVariables('{{x}} {{y.z}}');
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(DomainError);
    expect((refused as DomainError).details).toEqual({ variables: ['x', 'y.z'] });
    expect(() =>
      assertKnownVariables('{{client.name}} {{client.email}} {{client.phone}} {{ operator.name }}'),
    ).not.toThrow();
  });

  it('Q3: rendering fills every known variable; a value the client lacks renders as nothing', () => {
    expect(
      renderTemplate('Hello {{client.name}} ({{client.phone}}), {{ operator.name }} here. {a} {{', {
        'client.name': 'Ivan',
        'operator.name': 'Anna',
      }),
    ).toBe('Hello Ivan (), Anna here. {a} {{');
  });

  it('Q1/Q4: a command as typed after "/" or "\\" is case-folded without its slash', () => {
    expect(normalizeCommand('/Hel')).toBe('hel');
    expect(normalizeCommand('\\HELLO')).toBe('hello');
    expect(normalizeCommand('привет')).toBe('привет');
  });
});

describe('M7 tag names', () => {
  it('M7: "Complaint", " complaint " and "COMPLAINT" are one tag; empty and overlong names are refused', () => {
    expect(tagKeyOf('Complaint')).toBe(tagKeyOf('  complaint '));
    expect(tagKeyOf('COMPLAINT')).toBe('complaint');
    expect(tagDisplayName('  late   delivery ')).toBe('late delivery');
    expect(() => tagDisplayName('   ')).toThrow(/tag: must not be empty/);
    expect(() => tagDisplayName('x'.repeat(51))).toThrow(/at most 50/);
    expect(() => tagDisplayName('a\u0000b')).toThrow(/control characters/);
  });
});
