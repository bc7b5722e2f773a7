import { beforeAll, describe, expect, it } from 'vitest';
import type { OperatorActor } from '../../shared/domain/actors';
import { actorOf, insertOperator, type Operator } from '../../shared/store/operators';
import { createGroup } from '../../shared/use-cases/admin/groups';
import { updateClient } from '../../shared/use-cases/client-profile';
import { ingestClientMessage } from '../../shared/use-cases/ingest';
import { runOperatorAction } from '../../shared/use-cases/operator-actions';
import { createApiChannel } from '../support/channels';
import { useTestTable } from '../support/table';

const admin: OperatorActor = { kind: 'operator', operatorId: 'op-root', role: 'admin', groupIds: [] };
let anna: Operator;
let boris: Operator;
let channelId: string;
let groupId: string;

const run = (actor: OperatorActor, name: Parameters<typeof runOperatorAction>[1], input: Record<string, unknown>) =>
  runOperatorAction(actor, name, input, new Date()) as Promise<Record<string, unknown>>;

beforeAll(async () => {
  await useTestTable();
  groupId = (await createGroup(admin, { name: 'Front', strategy: 'manual' })).groupId;
  channelId = await createApiChannel(admin, 'CRM', groupId);
  const person = (name: string) =>
    insertOperator({
      name,
      email: `${name}@tpl.example.com`,
      role: 'operator',
      groupIds: [groupId],
      capacity: 5,
      enabled: true,
    });
  anna = await person('Anna');
  boris = await person('Boris');
});

describe('Q1–Q4 quick replies', () => {
  it('Q3/Q4: "/hel" finds the greeting and renders it with the client\'s name, e-mail and the operator\'s name', async () => {
    const { ticket, clientId } = await ingestClientMessage({
      channelId,
      externalUserId: 'ivan-1',
      name: 'Ivan',
      clientType: 'channel',
      kind: 'text',
      text: 'hi',
      receivedAt: new Date(),
    });
    await updateClient(actorOf(anna), { clientId, email: 'ivan@example.com' });
    await run(admin, 'template.create', {
      scope: 'global',
      title: 'Greeting',
      category: 'Openers',
      command: '/hello',
      language: 'en',
      text: 'Hello {{client.name}}! I am {{ operator.name }}; we will write to {{client.email}} ({{client.phone}}).',
    });
    await run(admin, 'template.create', { scope: 'global', title: 'Bye', command: 'bye', text: 'Goodbye!' });
    const found = await run(actorOf(anna), 'template.lookup', { command: '/hel' });
    const items = found.items as Array<{ templateId: string; title: string }>;
    expect(items.map((item) => item.title)).toEqual(['Greeting']);
    const rendered = await run(actorOf(anna), 'template.render', {
      templateId: items[0]?.templateId,
      ticketId: ticket?.ticketId,
    });
    expect(rendered.text).toBe('Hello Ivan! I am Anna; we will write to ivan@example.com ().');
    // "\" works like "/", and case does not matter.
    const backslash = await run(actorOf(anna), 'template.lookup', { command: '\\HEL' });
    expect((backslash.items as unknown[]).length).toBe(1);
  });

  it('Q3: a template with {{client.nme}} is refused on save, naming the variable; nothing is stored', async () => {
    const attempt = run(actorOf(anna), 'template.create', {
      title: 'Typo',
      command: 'typo',
      text: 'Dear {{client.nme}}, thanks',
    });
    await expect(attempt).rejects.toMatchObject({ code: 'invalid', details: { variables: ['client.nme'] } });
    await expect(attempt).rejects.toThrow(/unknown variable \{\{client\.nme\}\}/);
    const found = await run(actorOf(anna), 'template.lookup', { command: 'typo' });
    expect(found.items).toEqual([]);
  });

  it('Q1: text over 2000 characters and a command with spaces are refused with the field named', async () => {
    await expect(
      run(actorOf(anna), 'template.create', { title: 'Long', command: 'long', text: 'x'.repeat(2001) }),
    ).rejects.toThrow(/text: must be at most 2000 characters/);
    await expect(
      run(actorOf(anna), 'template.create', { title: 'Spaced', command: 'two words', text: 'hi' }),
    ).rejects.toThrow(/command:/);
  });

  it("Q2: personal templates are their owner's alone; global ones are created and changed by admins only", async () => {
    const mine = await run(actorOf(anna), 'template.create', {
      title: 'My sign-off',
      category: 'Closers',
      command: 'sig',
      language: 'ru',
      text: 'С уважением, {{operator.name}}',
    });
    expect(mine).toMatchObject({ scope: 'personal', owner: anna.operatorId });
    // Boris neither finds nor edits nor deletes it.
    expect((await run(actorOf(boris), 'template.lookup', { command: 'sig' })).items).toEqual([]);
    await expect(
      run(actorOf(boris), 'template.update', { templateId: mine.templateId, text: 'mine now' }),
    ).rejects.toMatchObject({ code: 'not_found' });
    await expect(run(actorOf(boris), 'template.delete', { templateId: mine.templateId })).rejects.toMatchObject({
      code: 'not_found',
    });
    // An operator may not create or change a global one.
    await expect(
      run(actorOf(anna), 'template.create', { scope: 'global', title: 'Global', command: 'glob', text: 'hi' }),
    ).rejects.toMatchObject({ code: 'forbidden', details: { reason: 'admin_only' } });
    const bye = (await run(actorOf(anna), 'template.lookup', { command: 'bye' })).items as Array<{
      templateId: string;
    }>;
    await expect(
      run(actorOf(anna), 'template.update', { templateId: bye[0]?.templateId, text: 'changed' }),
    ).rejects.toMatchObject({ code: 'forbidden', details: { reason: 'admin_only' } });
    // The owner edits (an unknown variable is refused there too) and deletes.
    await expect(
      run(actorOf(anna), 'template.update', { templateId: mine.templateId, text: '{{agent.name}}' }),
    ).rejects.toThrow(/\{\{agent\.name\}\}/);
    const edited = await run(actorOf(anna), 'template.update', {
      templateId: mine.templateId,
      command: 'sign',
      category: null,
    });
    expect(edited).toMatchObject({ command: 'sign', text: 'С уважением, {{operator.name}}' });
    expect(edited.category).toBeUndefined();
    expect((await run(actorOf(anna), 'template.lookup', { command: 'sig' })).items).toEqual([
      expect.objectContaining({ templateId: mine.templateId, command: 'sign' }),
    ]);
    await run(actorOf(anna), 'template.delete', { templateId: mine.templateId });
    expect((await run(actorOf(anna), 'template.lookup', { command: 'sig' })).items).toEqual([]);
  });

  it('Q4: lookup by text, category and language; personal templates come before global ones', async () => {
    await run(admin, 'template.create', {
      scope: 'global',
      title: 'Refund',
      category: 'Billing',
      command: 'refund',
      language: 'en',
      text: 'Your refund is on its way.',
    });
    await run(admin, 'template.create', {
      scope: 'global',
      title: 'Возврат',
      category: 'Billing',
      command: 'refund-ru',
      language: 'ru',
      text: 'Возврат уже в пути.',
    });
    await run(actorOf(boris), 'template.create', {
      title: 'My refund',
      category: 'billing',
      command: 'refund-me',
      text: 'I am checking your REFUND now.',
    });
    const titles = async (input: Record<string, unknown>) =>
      ((await run(actorOf(boris), 'template.lookup', input)).items as Array<{ title: string }>).map((t) => t.title);
    expect(await titles({ text: 'refund' })).toEqual(['My refund', 'Refund']);
    expect(await titles({ category: 'BILLING' })).toEqual(['My refund', 'Refund', 'Возврат']);
    expect(await titles({ category: 'billing', language: 'ru' })).toEqual(['Возврат']);
    expect(await titles({ command: '/ref', language: 'en' })).toEqual(['My refund', 'Refund']);
    expect(await titles({ text: 'в пути' })).toEqual(['Возврат']);
  });
});
