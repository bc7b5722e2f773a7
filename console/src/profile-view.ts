// The client beside a ticket: profile (name, VIP and "bad" marks, contacts), notes, pin, favourite (watch),
// blacklist, and the client's earlier tickets (C1, C4–C9).
import { dateTime, fill, h } from './dom';
import type { Client } from './model';
import type { Action, Session } from './session';

export async function renderProfile(
  session: Session,
  clientId: string,
  pane: HTMLElement,
  onStarted: (ticketId: string) => void,
) {
  const { client, me } = session;
  let profile: Client;
  let watched = false;
  const problem = h('p', { class: 'error' });
  const notesList = h('ul', { class: 'notes', id: 'notes' });
  const ticketsList = h('ul', { class: 'client-tickets' });

  // The fields outlive re-renders, so a change pushed while the operator types (a colleague's note, a new ticket)
  // keeps what is typed; the profile's own values fill them only while they are not being edited.
  const name = h('input', { id: 'client-name' });
  const email = h('input', { id: 'client-email', placeholder: 'e-mail' });
  const phone = h('input', { id: 'client-phone', placeholder: 'phone' });
  const note = h('input', { id: 'note-text', placeholder: 'A note for colleagues' });
  let edited = false;
  for (const field of [name, email, phone]) field.addEventListener('input', () => (edited = true));

  // Every client action takes the clientId and a few fields of its own; `done` runs once it is accepted.
  const act = (action: Action, input: Record<string, unknown> = {}, done?: () => void) =>
    client.request(action, { clientId, ...input } as never).then(
      () => {
        problem.textContent = '';
        done?.();
        return load();
      },
      (error: Error) => {
        problem.textContent = error.message;
        // A refusal changes nothing, but a reply that timed out may still have been applied: show what is held now.
        return load().catch(() => undefined);
      },
    );

  const showNotes = (notes: { items: unknown[] }) => {
    fill(
      notesList,
      (notes.items as Array<{ noteId: string; text: string; authorId: string; createdAt: string }>).map((note) =>
        h(
          'li',
          {},
          h('span', {}, note.text),
          h('small', {}, ` ${dateTime(note.createdAt)}`),
          note.authorId === me.operatorId &&
            h('button', { class: 'link', onclick: () => act('note.delete', { noteId: note.noteId }) }, 'delete'),
        ),
      ),
    );
  };

  let latestTicketId: string | null = null;
  let latestClosed = false;

  /** Loads started: only the latest one shows, so an earlier read that answers late cannot hide a newer change. */
  let loads = 0;

  async function load() {
    const started = ++loads;
    const [view, tickets, notes] = await Promise.all([
      client.request('client.get', { clientId }),
      client.request('client.tickets', { clientId, limit: 5 }),
      client.request('client.notes', { clientId, limit: 20 }),
    ]);
    if (started !== loads) return;
    profile = view.client as Client;
    watched = Boolean(view.watched);
    latestTicketId = view.latestTicketId ?? null;
    latestClosed = tickets.items[0]?.ticketId === latestTicketId && tickets.items[0]?.status === 'closed';
    fill(
      ticketsList,
      (tickets.items as Array<{ number: number; status: string; openedAt: string; messageCount: number }>).map((row) =>
        h(
          'li',
          {},
          `#${row.number} ${row.status.replace('_', ' ')} · ${dateTime(row.openedAt)} · ${row.messageCount} messages`,
        ),
      ),
    );
    render();
    showNotes(notes);
  }

  const render = () => {
    if (!edited) {
      name.value = profile.name;
      email.value = profile.email ?? '';
      phone.value = profile.phone ?? '';
    }
    const pinnedTo = profile.pinnedTo ?? null;
    fill(
      pane,
      h('h3', {}, `${profile.vip ? '★ ' : ''}${profile.name}`, profile.bad ? h('span', { class: 'bad' }, ' ⚠') : null),
      profile.originalName &&
        profile.originalName !== profile.name &&
        h('p', { class: 'muted' }, `on the channel: ${profile.originalName}`),
      problem,
      h(
        'form',
        {
          class: 'profile-form',
          onsubmit: (event: Event) => {
            event.preventDefault();
            void act(
              'client.update',
              { name: name.value, email: email.value || null, phone: phone.value || null },
              () => {
                edited = false;
              },
            );
          },
        },
        name,
        email,
        phone,
        h('button', {}, 'Save'),
      ),
      h(
        'div',
        { class: 'marks' },
        h(
          'button',
          { id: 'vip', onclick: () => act('client.update', { vip: !profile.vip }) },
          profile.vip ? 'Unmark VIP' : 'Mark VIP',
        ),
        h(
          'button',
          { onclick: () => act('client.update', { bad: !profile.bad }) },
          profile.bad ? 'Unmark bad' : 'Mark bad',
        ),
        pinnedTo
          ? h(
              'button',
              { id: 'unpin', onclick: () => act('client.unpin') },
              pinnedTo === me.operatorId ? 'Unpin from me' : 'Unpin',
            )
          : h('button', { id: 'pin', onclick: () => act('client.pin', { operatorId: me.operatorId }) }, 'Pin to me'),
        h(
          'button',
          { id: 'watch', onclick: () => act(watched ? 'client.unwatch' : 'client.watch') },
          watched ? '★ Favourite' : '☆ Add to favourites',
        ),
        profile.blacklisted
          ? h('button', { onclick: () => act('client.unblock') }, 'Unblock')
          : h(
              'button',
              { class: 'danger', onclick: () => confirm('Blacklist this client?') && act('client.blacklist') },
              'Blacklist',
            ),
      ),
      // T9: write first to a client whose latest ticket is closed.
      latestClosed &&
        h(
          'button',
          {
            id: 'start',
            onclick: async () => {
              try {
                const ticket = await client.request('start', { clientId });
                onStarted(ticket.ticketId);
              } catch (error) {
                problem.textContent = (error as Error).message;
              }
            },
          },
          'Start a new dialog',
        ),
      h('h4', {}, 'Notes'),
      notesList,
      h(
        'form',
        {
          onsubmit: (event: Event) => {
            event.preventDefault();
            if (note.value.trim()) void act('note.add', { text: note.value }, () => (note.value = ''));
          },
        },
        note,
        h('button', {}, 'Add note'),
      ),
      h('h4', {}, 'Tickets'),
      ticketsList,
    );
  };

  const off = client.on('client.updated', (event) => {
    if (event.data.clientId === clientId) void load();
  });
  await load();
  return { dispose: off, reload: load };
}
