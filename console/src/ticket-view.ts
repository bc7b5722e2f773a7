// One ticket: its history (grouped, system notes in italics, delivery marks, attachments), the commands (take,
// assign to a colleague from the team, transfer, return, close, category), the transcript by e-mail, the reply box
// with attachments and "/" quick replies, typing.
import { bytes, clock, fill, h } from './dom';
import { deliveryMark, type Message, type Ticket } from './model';
import { renderProfile } from './profile-view';
import type { Action, Session } from './session';
import { assignPicker } from './team';

export interface TicketView {
  ticketId: string;
  dispose(): void;
}

/** M5: a message sits under the previous one's header when the same author wrote within five minutes. */
const GROUP_MS = 5 * 60_000;
const TYPING_EVERY_MS = 3_000;
const DRAFT_AFTER_MS = 1_000;

export async function openTicket(
  session: Session,
  ticketId: string,
  pane: HTMLElement,
  profilePane: HTMLElement,
  /** Opens another ticket (one the operator just started with the client). */
  onOpen: (ticketId: string) => void,
): Promise<TicketView> {
  const { client, me, directory, team } = session;
  const operatorName = (operatorId: string) =>
    operatorId === me.operatorId
      ? 'you'
      : (directory.operators.find((operator) => operator.operatorId === operatorId)?.name ??
        team.nameOf(operatorId) ??
        operatorId);
  const opened = await client.request('ticket.get', { ticketId });
  let ticket = opened.ticket as Ticket;
  const history = await client.request('history', { ticketId, limit: 50 });
  const messages = new Map<string, Message>();
  for (const message of history.items as Message[]) messages.set(message.messageId, message);
  client.watchTicket(ticketId, ticket.seq);
  const staff = me.role !== 'operator';
  // Read once per opened ticket, not on every change of it.
  const categories = client.request('categories', {}).then(
    (reply) => reply.items as Array<{ categoryId: string; name: string }>,
    () => [],
  );
  let profile: Awaited<ReturnType<typeof renderProfile>> | undefined;

  const header = h('div', { class: 'ticket-head' });
  const actions = h('div', { class: 'actions' });
  const log = h('ol', { class: 'history', id: 'history' });
  const typing = h('p', { class: 'typing', id: 'typing' });
  const text = h('textarea', {
    id: 'reply',
    rows: 3,
    placeholder: 'Reply… ("/" for quick replies)',
    value: opened.draft?.text ?? '',
  });
  const suggestions = h('ul', { class: 'suggestions', id: 'quick-replies' });
  const chips = h('div', { class: 'chips' });
  const file = h('input', { type: 'file', id: 'attach', multiple: true, hidden: true });
  const problem = h('p', { class: 'error', id: 'ticket-error' });
  const uploads: Array<{ key: string; name: string }> = [];

  const fail = (error: unknown) => {
    problem.textContent = (error as Error).message;
  };
  // Every ticket command takes the ticketId and at most one field of its own.
  const run = (action: Action, input: Record<string, unknown> = {}) =>
    client.request(action, { ticketId, ...input } as never).then(() => {
      problem.textContent = '';
    }, fail);

  let picker: ReturnType<typeof assignPicker> | undefined;
  /** The category picked but not yet set, kept across re-renders. */
  let categoryChoice: string | undefined;
  const renderHeader = () => {
    // A change pushed while the operator is choosing (an SLA mark, a colleague's action) keeps the choice made so far.
    const chosen = new Map(
      [...actions.querySelectorAll<HTMLInputElement | HTMLSelectElement>('input[id], select[id]')].map((field) => [
        field.id,
        field.value,
      ]),
    );
    const assignee = ticket.assigneeId ? operatorName(ticket.assigneeId) : 'nobody';
    const sla = ticket.sla ? (ticket.sla.mark ?? 'ok') : 'none';
    fill(
      header,
      h('h2', {}, `#${ticket.number} ${ticket.clientName}`),
      h('span', { class: `status ${ticket.status}`, id: 'ticket-status' }, ticket.status.replace('_', ' ')),
      h(
        'span',
        { class: `sla-mark sla-${sla}`, id: 'ticket-sla', 'data-sla': sla },
        ticket.sla ? `SLA ${sla}` : 'no SLA clock',
      ),
      h('span', { class: 'assignee' }, `assigned to ${assignee}`),
    );
    const mine = ticket.assigneeId === me.operatorId;
    const open = ticket.status !== 'closed';
    // T5: colleagues by name with an online dot (supervisors and admins: everyone; operators: their groups).
    picker?.dispose();
    picker = assignPicker(team);
    const operatorInput = picker.element;
    const groupSelect = h(
      'select',
      { id: 'transfer-to' },
      h('option', { value: '' }, 'Transfer to…'),
      directory.groups.map((group) => h('option', { value: group.groupId }, group.name)),
    );
    const categorySelect = h(
      'select',
      { id: 'category', onchange: () => (categoryChoice = categorySelect.value) },
      h('option', { value: '' }, 'No category'),
    );
    void categories.then((items) => {
      for (const category of items)
        categorySelect.append(
          h(
            'option',
            { value: category.categoryId, selected: ticket.categoryId === category.categoryId },
            category.name,
          ),
        );
      if (categoryChoice !== undefined) categorySelect.value = categoryChoice;
    });
    fill(
      actions,
      ticket.status === 'unassigned' && h('button', { id: 'take', onclick: () => run('take') }, 'Take'),
      open && (mine || staff) && h('button', { id: 'return', onclick: () => run('unassign') }, 'Return'),
      open && h('button', { id: 'close', onclick: () => run('close') }, 'Close'),
      open &&
        h(
          'span',
          { class: 'inline' },
          operatorInput,
          h(
            'button',
            { onclick: () => operatorInput.value && run('assign', { operatorId: operatorInput.value }) },
            'Assign',
          ),
        ),
      open &&
        h(
          'span',
          { class: 'inline' },
          groupSelect,
          h(
            'button',
            { onclick: () => groupSelect.value && run('transfer', { groupId: groupSelect.value }) },
            'Transfer',
          ),
        ),
      h(
        'span',
        { class: 'inline' },
        categorySelect,
        h(
          'button',
          {
            onclick: () => {
              categoryChoice = undefined;
              void run('setCategory', { categoryId: categorySelect.value || null });
            },
          },
          'Set category',
        ),
      ),
    );
    for (const id of ['assign-to', 'transfer-to']) {
      const field = actions.querySelector<HTMLInputElement | HTMLSelectElement>(`#${id}`);
      const value = chosen.get(id);
      if (field && value !== undefined) field.value = value;
    }
  };

  const attachmentElement = (attachment: NonNullable<Message['attachments']>[number]) =>
    h(
      'div',
      { class: 'attachment' },
      attachment.url && attachment.mimeType.startsWith('image/')
        ? h('img', {
            src: attachment.url,
            alt: attachment.name,
            loading: 'lazy',
            width: attachment.width && Math.min(attachment.width, 240),
          })
        : null,
      attachment.url
        ? h(
            'a',
            { href: attachment.url, download: attachment.name, target: '_blank', rel: 'noopener' },
            `⬇ ${attachment.name}`,
          )
        : h('span', {}, attachment.name),
      h('small', {}, bytes(attachment.size)),
    );

  const operatorOf = (author: Message['author']) => ('operatorId' in author ? author.operatorId : undefined);

  const authorName = (message: Message) =>
    message.author.kind === 'client'
      ? ticket.clientName
      : message.author.kind === 'operator'
        ? message.author.operatorId === me.operatorId
          ? 'You'
          : operatorName(message.author.operatorId ?? '')
        : message.author.kind === 'bot'
          ? (message.author.name ?? 'Bot')
          : 'System';

  const renderHistory = () => {
    const ordered = [...messages.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.seq - b.seq);
    let previous: Message | undefined;
    const items = ordered.map((message) => {
      const grouped =
        previous !== undefined &&
        message.kind !== 'system' &&
        previous.kind !== 'system' &&
        previous.author.kind === message.author.kind &&
        operatorOf(previous.author) === operatorOf(message.author) &&
        Date.parse(message.createdAt) - Date.parse(previous.createdAt) < GROUP_MS;
      previous = message;
      if (message.kind === 'system') {
        return h(
          'li',
          { class: 'note', 'data-message': message.messageId },
          h('em', {}, message.note?.text ?? message.text ?? ''),
          h('time', {}, clock(message.createdAt)),
        );
      }
      return h(
        'li',
        {
          class: `message ${message.author.kind}${grouped ? ' grouped' : ''}`,
          'data-message': message.messageId,
          'data-status': message.status,
        },
        grouped ? null : h('div', { class: 'author' }, authorName(message)),
        message.text ? h('div', { class: 'text' }, message.text) : null,
        (message.attachments ?? []).map(attachmentElement),
        message.tags?.length
          ? h(
              'div',
              { class: 'tags' },
              message.tags.map((tag) => h('span', { class: 'tag' }, `#${tag}`)),
            )
          : null,
        h(
          'div',
          { class: 'meta' },
          h('input', {
            type: 'checkbox',
            class: 'pick',
            title: 'Select for the transcript',
            checked: picked.has(message.messageId),
            onchange: (event: Event) => {
              if ((event.target as HTMLInputElement).checked) picked.add(message.messageId);
              else picked.delete(message.messageId);
              renderScope();
            },
          }),
          h('time', {}, clock(message.createdAt)),
          message.author.kind === 'operator'
            ? h(
                'span',
                { class: `mark ${message.status}`, title: message.failureReason ?? message.status ?? '' },
                deliveryMark(message.status),
              )
            : null,
          h(
            'button',
            {
              class: 'tag-button',
              title: 'Tag this message',
              onclick: () => {
                const tag = prompt('Tag');
                if (tag) void run('tag', { messageIds: [message.messageId], tag });
              },
            },
            '#',
          ),
        ),
      );
    });
    fill(log, items);
    log.scrollTop = log.scrollHeight;
  };

  // Events carry attachments without download URLs; `sync` from just before the message hands them over.
  const withUrls = async (message: Message) => {
    if (!message.attachments?.some((attachment) => !attachment.url)) return;
    const page = await client.request('sync', { ticketId, afterSeq: message.seq - 1 });
    for (const synced of page.messages as Message[])
      messages.set(synced.messageId, { ...messages.get(synced.messageId), ...synced });
    renderHistory();
  };

  const onMessage = (event: { data: unknown }) => {
    // Operators receive `{ticketId, seq, message}` (widget visitors get another shape on the same event name).
    const data = event.data as { ticketId?: string; message?: Message };
    if (data.ticketId !== ticketId || !data.message) return;
    const known = messages.get(data.message.messageId);
    const message: Message = { ...known, ...data.message };
    // A URL fetched earlier stays until the event's copy (which has none) would drop it.
    if (known?.attachments?.every((attachment) => attachment.url) && !message.attachments?.every((a) => a.url)) {
      message.attachments = known.attachments;
    }
    messages.set(message.messageId, message);
    renderHistory();
    void withUrls(message);
    if (message.author.kind === 'client' && ticket.assigneeId === me.operatorId)
      void client.request('markRead', { ticketId }).catch(() => undefined);
  };

  // M9: the transcript by e-mail — the whole ticket, or the messages ticked in the history.
  const picked = new Set<string>();
  const transcriptTo = h('input', {
    id: 'transcript-to',
    type: 'email',
    required: true,
    placeholder: 'client@example.com',
    size: 24,
  });
  const transcriptSubject = h('input', {
    id: 'transcript-subject',
    required: true,
    maxlength: 200,
    size: 30,
    value: `Our conversation (#${ticket.number})`,
  });
  const transcriptScope = h('span', { class: 'scope', id: 'transcript-scope' });
  const transcriptResult = h('p', { class: 'result', id: 'transcript-result' });
  const transcriptSend = h('button', { id: 'transcript-send', type: 'submit' }, 'Send transcript');
  const renderScope = () => {
    transcriptScope.textContent =
      picked.size === 0 ? 'the whole ticket' : `${picked.size} selected message${picked.size === 1 ? '' : 's'}`;
  };
  const sendTranscript = async () => {
    transcriptSend.disabled = true;
    transcriptResult.className = 'result';
    transcriptResult.textContent = 'Sending…';
    try {
      const reply = await client.request('ticket.transcript', {
        ticketId,
        to: transcriptTo.value,
        subject: transcriptSubject.value,
        ...(picked.size ? { messageIds: [...picked] } : {}),
      });
      transcriptResult.className = 'result sent';
      transcriptResult.textContent = `Sent ${reply.messages} message${reply.messages === 1 ? '' : 's'} to ${reply.to}.`;
    } catch (error) {
      transcriptResult.className = 'result error';
      transcriptResult.textContent = (error as Error).message;
    } finally {
      transcriptSend.disabled = false;
    }
  };
  const transcript = h(
    'details',
    { class: 'transcript', id: 'transcript' },
    h('summary', {}, '✉ E-mail transcript'),
    h(
      'form',
      {
        // The server's own refusal (a stable code and a clear message) is what is shown, not the browser's.
        novalidate: true,
        onsubmit: (event: Event) => {
          event.preventDefault();
          void sendTranscript();
        },
      },
      h('label', {}, 'To ', transcriptTo),
      h('label', {}, 'Subject ', transcriptSubject),
      h('span', {}, 'Sends ', transcriptScope),
      transcriptSend,
    ),
    transcriptResult,
  );
  renderScope();

  let typingTimer: ReturnType<typeof setTimeout> | undefined;
  const showTyping = (who: string, on: boolean) => {
    typing.textContent = on ? `${who} is typing…` : '';
    clearTimeout(typingTimer);
    if (on) typingTimer = setTimeout(() => (typing.textContent = ''), 6_000);
  };

  const offs = [
    client.on('message.created', onMessage),
    client.on('message.updated', onMessage),
    client.on('message.status', (event) => {
      const message = messages.get(event.data.messageId);
      if (event.data.ticketId !== ticketId || !message) return;
      messages.set(message.messageId, { ...message, status: event.data.status, seq: event.data.seq });
      renderHistory();
    }),
    client.on('message.tagged', (event) => {
      if (event.data.ticketId !== ticketId) return;
      for (const id of event.data.messageIds as string[]) {
        const message = messages.get(id);
        if (message) messages.set(id, { ...message, tags: [...new Set([...(message.tags ?? []), event.data.tag])] });
      }
      renderHistory();
    }),
    client.on('ticket.updated', (event) => {
      if (event.data.ticketId !== ticketId) return;
      const before = ticket;
      ticket = event.data.ticket as Ticket;
      renderHeader();
      // The client's ticket list shows this ticket's status too.
      if (before.status !== ticket.status) void profile?.reload();
    }),
    client.on('client.typing', (event) => {
      if (event.data.ticketId === ticketId) showTyping(ticket.clientName, event.data.typing);
    }),
    client.on('typing', (event) => {
      const data = event.data as { ticketId?: string; operatorId?: string; typing: boolean };
      if (data.ticketId === ticketId && data.operatorId !== me.operatorId) showTyping('A colleague', data.typing);
    }),
  ];

  // Q4: "/" looks quick replies up by command as typed; picking one renders it for this ticket.
  let lastTyping = 0;
  const lookUp = async () => {
    const value = text.value;
    const now = Date.now();
    if (now - lastTyping > TYPING_EVERY_MS && value) {
      lastTyping = now;
      void client.request('typing', { ticketId, typing: true }).catch(() => undefined);
    }
    if (!/^[/\\]\S*$/.test(value)) {
      fill(suggestions);
      return;
    }
    const found = await client.request('template.lookup', { command: value, limit: 8 });
    if (text.value !== value) return;
    fill(
      suggestions,
      (found.items as Array<{ templateId: string; command: string; title: string }>).map((template) =>
        h(
          'li',
          {
            'data-template': template.command,
            onclick: async () => {
              const rendered = await client.request('template.render', { templateId: template.templateId, ticketId });
              text.value = rendered.text;
              fill(suggestions);
              text.focus();
            },
          },
          h('b', {}, `/${template.command}`),
          ` ${template.title}`,
        ),
      ),
    );
  };
  text.addEventListener('input', () => void lookUp().catch(fail));
  // M10: what is typed is kept as the operator's draft for this ticket, a second after the typing stops.
  let draftTimer: ReturnType<typeof setTimeout> | undefined;
  let draftKept = Boolean(opened.draft);
  text.addEventListener('input', () => {
    clearTimeout(draftTimer);
    draftTimer = setTimeout(() => {
      if (text.value.startsWith('/')) return;
      draftKept = text.value.trim() !== '';
      void client.request('draft.save', { ticketId, text: text.value }).catch(() => undefined);
    }, DRAFT_AFTER_MS);
  });

  file.addEventListener('change', async () => {
    for (const chosen of file.files ?? []) {
      try {
        const slot = await client.request('upload.create', {
          ticketId,
          fileName: chosen.name,
          contentType: chosen.type || 'application/octet-stream',
          size: chosen.size,
        });
        const form = new FormData();
        for (const [name, value] of Object.entries(slot.fields as Record<string, string>)) form.append(name, value);
        form.append('file', chosen);
        const response = await fetch(slot.url, { method: 'POST', body: form });
        if (!response.ok) throw new Error(`The upload of ${chosen.name} was refused (${response.status}).`);
        uploads.push({ key: slot.key, name: chosen.name });
      } catch (error) {
        fail(error);
      }
    }
    file.value = '';
    renderChips();
  });
  const renderChips = () =>
    fill(
      chips,
      uploads.map((upload, index) =>
        h(
          'span',
          { class: 'chip', 'data-upload': upload.name },
          upload.name,
          h(
            'button',
            {
              onclick: () => {
                uploads.splice(index, 1);
                renderChips();
              },
            },
            '×',
          ),
        ),
      ),
    );

  const send = async () => {
    if (!text.value.trim() && uploads.length === 0) return;
    try {
      const attachments = uploads.map((upload) => upload.key);
      const sent = (await client.request('message.send', {
        ticketId,
        text: text.value,
        ...(attachments.length ? { attachments } : {}),
      })) as unknown as Message;
      messages.set(sent.messageId, { ...messages.get(sent.messageId), ...sent });
      clearTimeout(draftTimer);
      // A sent reply leaves no draft behind.
      if (draftKept) void client.request('draft.clear', { ticketId }).catch(() => undefined);
      draftKept = false;
      text.value = '';
      uploads.length = 0;
      renderChips();
      renderHistory();
      void withUrls(sent);
      problem.textContent = '';
    } catch (error) {
      fail(error);
    }
  };
  text.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      const first = suggestions.querySelector('li');
      if (first) (first as HTMLElement).click();
      else void send();
    }
  });

  fill(
    pane,
    header,
    actions,
    transcript,
    problem,
    log,
    typing,
    h(
      'div',
      { class: 'composer' },
      suggestions,
      text,
      chips,
      h(
        'div',
        { class: 'composer-buttons' },
        h('button', { id: 'attach-button', onclick: () => file.click() }, '📎 Attach'),
        file,
        h('button', { id: 'send', onclick: () => void send() }, 'Send'),
      ),
    ),
  );
  renderHeader();
  renderHistory();
  if (ticket.unreadCount > 0 && ticket.assigneeId === me.operatorId)
    void client.request('markRead', { ticketId }).catch(() => undefined);
  profile = await renderProfile(session, ticket.clientId, profilePane, onOpen);

  return {
    ticketId,
    dispose() {
      for (const off of offs) off();
      picker?.dispose();
      clearTimeout(draftTimer);
      profile?.dispose();
    },
  };
}
