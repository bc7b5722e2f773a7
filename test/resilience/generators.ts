// fast-check generators shared by the fuzzers: near-miss ids, tampered cursors, odd values, mutated examples.
import * as fc from 'fast-check';
import { keys } from '../../shared/store/keys';
import { LIST_TABS } from '../../shared/use-cases/ticket-lists';

/** Real ids of a seeded world; read lazily, since generators are built before the world is seeded. */
export interface KnownIds {
  tickets: string[];
  clients: string[];
  operators: string[];
  groups: string[];
  other: string[];
}

export const emptyKnownIds = (): KnownIds => ({ tickets: [], clients: [], operators: [], groups: [], other: [] });

/** One of a list that is filled later (fc.constantFrom needs its values when it is built). */
export const lazyPick = (list: () => readonly string[]): fc.Arbitrary<string> =>
  fc.constant(null).chain(() => {
    const values = list();
    return values.length ? fc.constantFrom(...values) : fc.string({ maxLength: 20 });
  });

/** Strings up to ~24 KB, in characters whose JSON encodings differ in size. */
export const hugeString = fc
  .tuple(fc.integer({ min: 500, max: 24_000 }), fc.constantFrom('x', 'é', ' ', '\u0000', '😀', '\n', '"'))
  .map(([bytes, unit]) => unit.repeat(Math.max(1, Math.floor(bytes / (Buffer.byteLength(JSON.stringify(unit)) - 2)))));

export function generatorsFor(known: KnownIds) {
  const allIds = () => [known.tickets, known.clients, known.operators, known.groups, known.other].flat();

  /** Ids that look right but may not be: other numbers of real clients, separators, path tricks, lengths. */
  const idLike = fc.oneof(
    { weight: 4, arbitrary: lazyPick(allIds) },
    { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          lazyPick(() => known.clients),
          fc.integer({ min: -5, max: 1e6 }),
        )
        .map(([clientId, n]) => `${clientId}.${n}`),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom('', ' ', '.', 'cl_x.0', 'cl_x.1e3', '..', '../..', '%00', 'a'.repeat(250), 'op_', '#'),
    },
  );

  /** Cursors: garbage, and tampered ones that name a real partition with wrong or extra key attributes. */
  const cursorLike = fc.oneof(
    fc.string({ maxLength: 60 }),
    fc.jsonValue({ maxDepth: 2 }).map((value) => Buffer.from(JSON.stringify(value)).toString('base64url')),
    fc
      .tuple(
        lazyPick(() => known.clients),
        fc.dictionary(fc.constantFrom('sk', 'gsi1pk', 'gsi1sk', 'x', 'pk'), fc.string({ maxLength: 30 }), {
          maxKeys: 3,
        }),
      )
      .map(([clientId, rest]) =>
        Buffer.from(JSON.stringify({ pk: keys.client(clientId).pk, ...rest })).toString('base64url'),
      ),
  );

  const domainWords = fc.constantFrom(...LIST_TABS, 'unassigned', 'in_progress', 'closed', 'true', '1', '-1', '0');

  const anyValue: fc.Arbitrary<unknown> = fc.oneof(
    { weight: 5, arbitrary: idLike },
    { weight: 2, arbitrary: domainWords },
    { weight: 2, arbitrary: cursorLike },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
    { weight: 1, arbitrary: hugeString },
    { weight: 2, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null)) },
    { weight: 1, arbitrary: fc.array(idLike, { maxLength: 3 }) },
  );

  /** Plausible values per field name, so a good share of inputs gets past validation into the use cases. */
  function plausible(field: string): fc.Arbitrary<unknown> {
    switch (field) {
      case 'ticketId':
        return fc.oneof({ weight: 4, arbitrary: lazyPick(() => known.tickets) }, idLike);
      case 'clientId':
        return fc.oneof({ weight: 4, arbitrary: lazyPick(() => known.clients) }, idLike);
      case 'operatorId':
        return fc.oneof({ weight: 4, arbitrary: lazyPick(() => known.operators) }, idLike);
      case 'groupId':
        return fc.oneof({ weight: 4, arbitrary: lazyPick(() => known.groups) }, idLike);
      case 'categoryId':
        return fc.oneof({ weight: 3, arbitrary: lazyPick(() => known.other) }, fc.constant(null), idLike);
      case 'text':
        return fc.oneof(
          { weight: 3, arbitrary: fc.string({ maxLength: 80 }) },
          fc.constantFrom('   ', '\n\t', 'x'.repeat(2000), `${'x'.repeat(2000)}y`, ' é'.repeat(1500)),
          hugeString,
        );
      case 'typing':
        return fc.oneof({ weight: 3, arbitrary: fc.boolean() }, anyValue);
      case 'limit':
      case 'afterSeq':
        return fc.oneof(
          fc.integer({ min: -3, max: 120 }),
          fc.constantFrom('5', '1e2', '0x10', ' 7 ', '', 'NaN', 'Infinity', 1.5, -0, 1e308),
        );
      case 'cursor':
        return cursorLike;
      case 'tab':
        return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...LIST_TABS) }, fc.string({ maxLength: 12 }));
      case 'status':
        return fc.constantFrom('unassigned', 'in_progress', 'closed', 'open', '');
      default:
        return anyValue;
    }
  }

  return { idLike, cursorLike, anyValue, plausible };
}

/** Every path into a JSON value (object keys and array indexes), the root included. */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const paths = [prefix];
  if (Array.isArray(value)) {
    for (const [index, child] of value.entries()) paths.push(...pathsOf(child, [...prefix, index]));
  } else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) paths.push(...pathsOf(child, [...prefix, key]));
  }
  return paths;
}

type Change = { kind: 'replace' | 'remove' | 'add'; key: string; value: unknown };

/** The value with one change at `path` (copies along the path; the example itself is never modified). */
function applyAt(value: unknown, path: readonly (string | number)[], change: Change): unknown {
  if (path.length === 0) {
    if (change.kind === 'replace') return change.value;
    if (change.kind === 'add' && value && typeof value === 'object' && !Array.isArray(value)) {
      return { ...value, [change.key]: change.value };
    }
    return change.kind === 'remove' ? undefined : value;
  }
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  if (Array.isArray(value)) {
    const copy = [...value];
    if (rest.length === 0 && change.kind === 'remove') copy.splice(head as number, 1);
    else copy[head as number] = applyAt(copy[head as number], rest, change);
    return copy;
  }
  if (value && typeof value === 'object') {
    const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    if (rest.length === 0 && change.kind === 'remove') delete copy[head];
    else copy[head] = applyAt(copy[head], rest, change);
    return copy;
  }
  return value;
}

/**
 * A valid example, left alone or changed in one to three places: a value replaced (by a wrong type, a huge string, an
 * empty one…), a key removed, or a stranger key added.
 */
export function mutationsOf(example: unknown, values: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  const paths = pathsOf(example);
  const mutation = fc.record({
    path: fc.constantFrom(...paths),
    kind: fc.constantFrom('replace', 'replace', 'remove', 'add'),
    key: fc.string({ minLength: 1, maxLength: 12 }),
    value: values,
  });
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant(example) },
    {
      weight: 4,
      arbitrary: fc
        .array(mutation, { minLength: 1, maxLength: 3 })
        .map((changes) => changes.reduce<unknown>((body, { path, ...change }) => applyAt(body, path, change), example)),
    },
  );
}
