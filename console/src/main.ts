// The operator console: sign in, then the ticket tabs with live updates, the ticket view, the client profile,
// search, favourites and the supervisors' reports — all through the public protocol and the typed client.
import { type ConnectionState, ProtocolError } from '../../shared/protocol/client';
import { countdown, fill, h } from './dom';
import { belongsIn, type Filters, rowOf, TABS, type Tab, type Ticket, type TicketRow } from './model';
import { renderReports } from './reports-view';
import {
  demoToken,
  forgetToken,
  type LocalConfig,
  localConfig,
  rememberedToken,
  type Session,
  signIn,
} from './session';
import { teamList } from './team';
import { openTicket, type TicketView } from './ticket-view';

const TAB_TITLES: Record<Tab, string> = {
  unassigned: 'Unassigned',
  mine: 'Mine',
  closed: 'Closed',
  all: 'All',
  blacklist: 'Blacklist',
};

const app = document.getElementById('app') as HTMLElement;

async function boot() {
  const config = await localConfig();
  const remembered = rememberedToken();
  if (remembered) {
    try {
      start(await signIn(remembered, config));
      return;
    } catch {
      forgetToken();
    }
  }
  showSignIn(config);
}

function showSignIn(config: LocalConfig, problem?: string) {
  const pasted = h('textarea', { id: 'token', rows: 3, placeholder: 'Access token (Bearer)' });
  const enter = async (token: string) => {
    try {
      start(await signIn(token.trim(), config));
    } catch (error) {
      showSignIn(config, (error as Error).message);
    }
  };
  fill(
    app,
    h(
      'section',
      { class: 'sign-in' },
      h('h1', {}, 'Switchboard console'),
      problem && h('p', { class: 'error' }, problem),
      config.demoPeople.length > 0 && h('h2', {}, 'Sign in as a demo person'),
      h(
        'ul',
        { class: 'people' },
        config.demoPeople.map((person) =>
          h(
            'li',
            {},
            h(
              'button',
              {
                'data-person': person.key,
                onclick: () => demoToken(person.key).then(enter, (error: Error) => showSignIn(config, error.message)),
              },
              `${person.name}`,
              h('small', {}, person.role),
            ),
          ),
        ),
      ),
      h('h2', {}, 'or paste an access token'),
      pasted,
      h('button', { onclick: () => enter(pasted.value) }, 'Sign in'),
    ),
  );
}

/** M7: a tagged message with its ticket. */
interface TaggedItem {
  message: { text?: string };
  ticket: { ticketId: string; number: number; clientName: string };
}

/** M8: a message or client hit, with the ticket to open. */
interface SearchHit {
  ticket: { ticketId: string; number?: number; clientName?: string };
  word: string;
  name?: string;
}

interface ListState {
  tab: Tab;
  filters: Filters;
  rows: TicketRow[];
  blacklist: Array<{ clientId: string; name: string; blacklistedAt: string }>;
  nextCursor?: string | undefined;
}

function start(session: Session) {
  const { client, me } = session;
  const staff = me.role !== 'operator';
  const list: ListState = { tab: 'unassigned', filters: {}, rows: [], blacklist: [] };
  const counters = { inProgress: 0, unreadTickets: 0 };
  let view: TicketView | undefined;
  let mode: 'tickets' | 'reports' | 'favourites' | 'tags' | 'search' = 'tickets';

  const stateBadge = h('span', { class: 'state', id: 'connection' }, 'connecting');
  const search = h('input', { type: 'search', id: 'search', placeholder: 'Search messages or clients (3+ letters)' });
  const tabs = h('nav', { class: 'tabs' });
  const filters = h('div', { class: 'filters' });
  const rows = h('ul', { class: 'rows', id: 'rows' });
  const more = h('button', { class: 'more', onclick: () => void loadList(true) }, 'More');
  const ticketPane = h('section', { class: 'ticket', id: 'ticket' }, h('p', { class: 'empty' }, 'Pick a ticket.'));
  const profilePane = h('aside', { class: 'profile', id: 'profile' });
  const listPane = h('section', { class: 'list' }, filters, rows, more);
  const body = h('main', {}, listPane, ticketPane, profilePane);

  fill(
    app,
    h(
      'header',
      {},
      h('strong', {}, 'Switchboard'),
      h(
        'form',
        {
          onsubmit: (event: Event) => {
            event.preventDefault();
            void runSearch();
          },
        },
        search,
      ),
      teamList(session.team),
      stateBadge,
      h('span', { class: 'me', id: 'me' }, `${me.name} · ${me.role}`),
      h(
        'button',
        {
          onclick: () => {
            client.close();
            forgetToken();
            location.reload();
          },
        },
        'Sign out',
      ),
    ),
    tabs,
    body,
  );

  const renderTabs = () => {
    const unassignedUnread = list.tab === 'unassigned' ? list.rows.filter((row) => row.unreadCount > 0).length : 0;
    const badge: Partial<Record<Tab, number>> = { mine: counters.unreadTickets, unassigned: unassignedUnread };
    fill(
      tabs,
      TABS.map((tab) =>
        h(
          'button',
          {
            'data-tab': tab,
            class: mode === 'tickets' && list.tab === tab ? 'active' : '',
            onclick: () => {
              mode = 'tickets';
              list.tab = tab;
              list.filters = {};
              void loadList();
            },
          },
          TAB_TITLES[tab],
          badge[tab] ? h('span', { class: 'badge' }, badge[tab]) : null,
        ),
      ),
      h(
        'button',
        {
          'data-tab': 'favourites',
          class: mode === 'favourites' ? 'active' : '',
          onclick: () => void showFavourites(),
        },
        'Favourites',
      ),
      h(
        'button',
        { 'data-tab': 'tags', class: mode === 'tags' ? 'active' : '', onclick: () => void showTags() },
        'Tags',
      ),
      staff &&
        h(
          'button',
          {
            'data-tab': 'reports',
            class: mode === 'reports' ? 'active' : '',
            onclick: () => {
              mode = 'reports';
              renderTabs();
              void renderReports(session, listPane);
            },
          },
          'Reports',
        ),
    );
  };

  const renderFilters = () => {
    const groupSelect = h(
      'select',
      {
        id: 'filter-group',
        onchange: (event: Event) => {
          const value = (event.target as HTMLSelectElement).value;
          list.filters.groupId = value || undefined;
          void loadList();
        },
      },
      h('option', { value: '' }, 'Every group'),
      session.directory.groups.map((group) =>
        h('option', { value: group.groupId, selected: list.filters.groupId === group.groupId }, group.name),
      ),
    );
    const statusSelect =
      list.tab === 'all'
        ? h(
            'select',
            {
              id: 'filter-status',
              onchange: (event: Event) => {
                const value = (event.target as HTMLSelectElement).value as Filters['status'] | '';
                list.filters.status = value || undefined;
                void loadList();
              },
            },
            ['', 'unassigned', 'in_progress', 'closed'].map((status) =>
              h('option', { value: status, selected: (list.filters.status ?? '') === status }, status || 'Any status'),
            ),
          )
        : null;
    // Supervisors and admins: the team directory lists every enabled operator (O3), so both can filter by one.
    const operators = session.team.members();
    const operatorSelect =
      staff && operators.length > 1 && list.tab === 'all'
        ? h(
            'select',
            {
              id: 'filter-operator',
              onchange: (event: Event) => {
                list.filters.operatorId = (event.target as HTMLSelectElement).value || undefined;
                // With an operator, All lists that operator's tickets in progress only.
                list.filters.status = undefined;
                void loadList();
              },
            },
            h('option', { value: '' }, 'Every operator'),
            operators.map((operator) =>
              h(
                'option',
                { value: operator.operatorId, selected: list.filters.operatorId === operator.operatorId },
                operator.name,
              ),
            ),
          )
        : null;
    fill(filters, list.tab === 'blacklist' ? null : groupSelect, statusSelect, operatorSelect);
  };

  const rowElement = (row: TicketRow) =>
    h(
      'li',
      {
        'data-ticket': row.ticketId,
        class: `row sla-${row.sla ?? 'none'}${view?.ticketId === row.ticketId ? ' selected' : ''}`,
        onclick: () => void select(row.ticketId),
      },
      h('span', { class: 'who' }, `#${row.number} ${row.clientName}`),
      row.unreadCount > 0 ? h('span', { class: 'badge unread' }, row.unreadCount) : null,
      row.sla
        ? h('span', {
            class: 'sla',
            'data-sla': row.sla,
            'data-warn': row.slaWarnAt ?? '',
            'data-due': row.slaDueAt ?? '',
          })
        : null,
      h('span', { class: 'preview' }, row.lastMessagePreview),
    );

  const renderRows = () => {
    renderTabs();
    renderFilters();
    if (mode !== 'tickets') return;
    if (list.tab === 'blacklist') {
      fill(
        rows,
        list.blacklist.map((row) =>
          h(
            'li',
            { class: 'row', 'data-client': row.clientId },
            h('span', { class: 'who' }, row.name),
            h(
              'button',
              {
                onclick: async () => {
                  await client.request('client.unblock', { clientId: row.clientId });
                  void loadList();
                },
              },
              'Unblock',
            ),
          ),
        ),
      );
    } else {
      fill(rows, list.rows.length ? list.rows.map(rowElement) : h('li', { class: 'empty' }, 'No tickets here.'));
    }
    more.hidden = !list.nextCursor;
    tickCountdowns();
  };

  /** List reads started: only the latest one shows (a slow page of the previous tab must not land in this one). */
  let listReads = 0;
  const loadList = async (append = false) => {
    const started = ++listReads;
    mode = 'tickets';
    if (!listPane.contains(rows)) fill(listPane, filters, rows, more);
    let page: Awaited<ReturnType<typeof client.request<'list'>>>;
    try {
      page = await client.request('list', {
        tab: list.tab,
        ...(list.filters.groupId ? { groupId: list.filters.groupId } : {}),
        ...(list.filters.status ? { status: list.filters.status } : {}),
        ...(list.filters.operatorId ? { operatorId: list.filters.operatorId } : {}),
        ...(append && list.nextCursor ? { cursor: list.nextCursor } : {}),
      });
    } catch (error) {
      if (started !== listReads) return;
      // A cursor the list no longer takes (issued before an upgrade, say): start again from the first page.
      if (append && error instanceof ProtocolError && error.code === 'invalid') return loadList(false);
      fill(rows, h('li', { class: 'error' }, (error as Error).message));
      return;
    }
    if (started !== listReads) return;
    // The Blacklist tab lists clients, the others tickets (L3, C6).
    if (list.tab === 'blacklist') {
      const items = page.items as unknown as ListState['blacklist'];
      list.blacklist = append ? [...list.blacklist, ...items] : items;
    } else {
      const items = page.items as unknown as TicketRow[];
      list.rows = append ? [...list.rows, ...items] : items;
    }
    list.nextCursor = page.nextCursor ?? undefined;
    renderRows();
  };

  const runSearch = async () => {
    const query = search.value.trim();
    if (query.length < 3) return;
    mode = 'search';
    renderTabs();
    const [messages, clients] = await Promise.all([
      client.request('search', { query, in: 'messages' }),
      client.request('search', { query, in: 'clients' }),
    ]);
    fill(
      listPane,
      h('h3', {}, `Found for “${query}”`),
      h(
        'ul',
        { class: 'rows', id: 'search-results' },
        ([...messages.items, ...clients.items] as unknown as SearchHit[]).map((hit) =>
          h(
            'li',
            { class: 'row', 'data-ticket': hit.ticket.ticketId, onclick: () => void select(hit.ticket.ticketId) },
            h('span', { class: 'who' }, `#${hit.ticket.number ?? ''} ${hit.name ?? hit.ticket.clientName ?? ''}`),
            h('span', { class: 'preview' }, `matched “${hit.word}”`),
          ),
        ),
      ),
    );
  };

  // M7: every tag with its count; a tag lists its messages on tickets the caller may see.
  const showTags = async () => {
    mode = 'tags';
    renderTabs();
    const tags = await client.request('tags', { limit: 50 });
    const messagesOf = async (tag: string) => {
      const page = await client.request('tag.messages', { tag, limit: 25 });
      fill(
        listPane,
        h('h3', {}, `#${tag}`),
        h(
          'ul',
          { class: 'rows', id: 'tagged' },
          (page.items as unknown as TaggedItem[]).map((item) =>
            h(
              'li',
              { class: 'row', 'data-ticket': item.ticket.ticketId, onclick: () => void select(item.ticket.ticketId) },
              h('span', { class: 'who' }, `#${item.ticket.number} ${item.ticket.clientName}`),
              h('span', { class: 'preview' }, item.message.text ?? ''),
            ),
          ),
        ),
      );
    };
    fill(
      listPane,
      h('h3', {}, 'Tags'),
      h(
        'ul',
        { class: 'rows', id: 'tags' },
        tags.items.length
          ? tags.items.map((tag) =>
              h(
                'li',
                { class: 'row', 'data-tag': tag.name, onclick: () => void messagesOf(tag.name) },
                h('span', { class: 'who' }, `#${tag.name}`),
                h('span', { class: 'badge' }, tag.count),
              ),
            )
          : h('li', { class: 'empty' }, 'No tags yet: # on a message tags it.'),
      ),
    );
  };

  const showFavourites = async () => {
    mode = 'favourites';
    renderTabs();
    const favourites = await client.request('favourites', {});
    fill(
      listPane,
      h('h3', {}, 'Favourite clients'),
      h(
        'ul',
        { class: 'rows' },
        (favourites.items ?? []).map((item: { clientId: string; name: string; vip?: boolean }) =>
          h(
            'li',
            {
              class: 'row',
              onclick: async () => {
                const profile = await client.request('client.get', { clientId: item.clientId });
                if (profile.latestTicketId) void select(profile.latestTicketId);
              },
            },
            h('span', { class: 'who' }, `${item.vip ? '★ ' : ''}${item.name}`),
          ),
        ),
      ),
    );
  };

  const select = async (ticketId: string) => {
    view?.dispose();
    view = await openTicket(session, ticketId, ticketPane, profilePane, (started) => void select(started));
    for (const element of rows.querySelectorAll('.row')) {
      element.classList.toggle('selected', element.getAttribute('data-ticket') === ticketId);
    }
  };

  // Live: a pushed ticket joins, moves within or leaves the current tab.
  const onTicket = (ticket: Ticket) => {
    if (mode !== 'tickets' || list.tab === 'blacklist') return;
    const index = list.rows.findIndex((row) => row.ticketId === ticket.ticketId);
    const belongs = belongsIn(list.tab, ticket, me.operatorId, list.filters);
    if (index >= 0) list.rows.splice(index, 1);
    if (belongs) list.rows.push(rowOf(ticket));
    list.rows.sort((a, b) => b.lastMessageAt.localeCompare(a.lastMessageAt));
    renderRows();
  };
  client.on('ticket.created', (event) => onTicket(event.data.ticket as Ticket));
  client.on('ticket.updated', (event) => onTicket(event.data.ticket as Ticket));
  client.on('counters', (event) => {
    if (event.data.operatorId !== me.operatorId) return;
    counters.inProgress = event.data.inProgress;
    counters.unreadTickets = event.data.unreadTickets;
    renderTabs();
  });
  // The operator filter is drawn from the team directory: drawn again when who is listed changes (a load), not on
  // every presence change, so an open drop-down is not replaced under the pointer.
  let listedOperators = session.team.members().length;
  session.team.onChange(() => {
    const count = session.team.members().length;
    if (count === listedOperators) return;
    listedOperators = count;
    if (mode === 'tickets') renderFilters();
  });
  client.onState((state: ConnectionState) => {
    stateBadge.textContent = state;
    stateBadge.className = `state ${state}`;
    if (state !== 'open') return;
    // O3: presence changed while away was pushed to nobody either.
    void session.team.reload().catch(() => undefined);
    // After a (re)connect, the lists are read afresh: tickets created while away were pushed to nobody.
    void client.request('counters', {}).then((value) => {
      Object.assign(counters, value);
      renderTabs();
    });
    if (mode === 'tickets') void loadList();
  });

  // S4: the SLA countdowns tick every second without re-rendering the rows.
  function tickCountdowns() {
    const now = Date.now();
    for (const element of document.querySelectorAll<HTMLElement>('.sla[data-sla]')) {
      const sla = element.dataset.sla;
      const warn = element.dataset.warn ? Date.parse(element.dataset.warn) : undefined;
      const due = Date.parse(element.dataset.due ?? '');
      if (sla === 'breached') element.textContent = `overdue ${countdown(now - due)}`;
      else if (sla === 'ok' && warn) element.textContent = `warns in ${countdown(warn - now)}`;
      else element.textContent = `due in ${countdown(due - now)}`;
    }
  }
  setInterval(tickCountdowns, 1000);
  renderTabs();
}

void boot().catch((error: unknown) =>
  fill(app, h('p', { class: 'error' }, `The console could not start: ${String(error)}`)),
);
