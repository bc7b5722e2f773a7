// The team directory (O3, T5): the colleagues the signed-in person may assign to, read with `operators.list` and kept
// live by `operator.presence` events; the header's "Team" list and the ticket view's assign picker show it.

import type { SwitchboardClient } from '../../shared/protocol/client';
import type { TeamMember } from '../../shared/protocol/entities';
import { fill, h } from './dom';

/** A directory past this many pages is cut (100 operators a page). */
const MAX_PAGES = 10;

export interface Team {
  /** Everyone listed, by name. */
  members(): TeamMember[];
  nameOf(operatorId: string): string | undefined;
  /** Called after every change (a load, a presence event); returns its unsubscribe. */
  onChange(listener: () => void): () => void;
  /** Reads the directory afresh (after a reconnect: presence events were missed while away). */
  reload(): Promise<void>;
}

export function teamOf(client: SwitchboardClient): Team {
  let members = new Map<string, TeamMember>();
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const listener of listeners) listener();
  };
  // Presence that arrives while a read is in flight is newer than what the read may return: applied after it.
  let loading = 0;
  let pending: Array<{ operatorId: string; online: boolean }> = [];
  const apply = (operatorId: string, online: boolean) => {
    const member = members.get(operatorId);
    if (member) members.set(operatorId, { ...member, online });
  };
  client.on('operator.presence', ({ data }) => {
    if (loading > 0) pending.push({ operatorId: data.operatorId, online: data.online });
    apply(data.operatorId, data.online);
    changed();
  });

  const reload = async () => {
    loading += 1;
    try {
      const read = new Map<string, TeamMember>();
      let cursor: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const reply = await client.request('operators.list', cursor ? { cursor } : {});
        for (const member of reply.items) read.set(member.operatorId, member);
        cursor = reply.nextCursor;
        if (!cursor) break;
      }
      members = read;
    } finally {
      loading -= 1;
    }
    if (loading === 0) {
      for (const { operatorId, online } of pending) apply(operatorId, online);
      pending = [];
    }
    changed();
  };

  return {
    members: () => [...members.values()].sort((a, b) => a.name.localeCompare(b.name)),
    nameOf: (operatorId) => members.get(operatorId)?.name,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    reload,
  };
}

const dot = (online: boolean) => (online ? '●' : '○');

/** The header's team list: who is online first, then the rest; the summary counts who is online. */
export function teamList(team: Team): HTMLElement {
  const summary = h('summary', {});
  const list = h('ul', {});
  const element = h('details', { class: 'team', id: 'team' }, summary, list);
  const render = () => {
    const members = team.members().sort((a, b) => Number(b.online) - Number(a.online));
    summary.textContent = `Team · ${members.filter((member) => member.online).length} online`;
    fill(
      list,
      members.map((member) =>
        h(
          'li',
          { 'data-operator': member.operatorId, 'data-name': member.name, 'data-online': String(member.online) },
          h('span', { class: `dot ${member.online ? 'online' : 'offline'}` }, dot(member.online)),
          ` ${member.name}`,
          h('small', {}, member.online ? 'online' : 'offline'),
        ),
      ),
    );
  };
  team.onChange(render);
  render();
  return element;
}

/**
 * T5: the assign picker, an option per colleague with an online dot. Presence repaints the options in place, so a
 * choice being made (or an open drop-down) is kept.
 */
export function assignPicker(team: Team): { element: HTMLSelectElement; dispose(): void } {
  const element = h('select', { id: 'assign-to' }, h('option', { value: '' }, 'Assign to…'));
  const paint = () => {
    const chosen = element.value;
    const members = team.members();
    for (const option of [...element.options].slice(1)) {
      if (!members.some((member) => member.operatorId === option.value)) option.remove();
    }
    for (const member of members) {
      const option =
        [...element.options].find((candidate) => candidate.value === member.operatorId) ??
        element.appendChild(h('option', { value: member.operatorId }));
      option.textContent = `${dot(member.online)} ${member.name}`;
      option.dataset.online = String(member.online);
      option.dataset.name = member.name;
    }
    element.value = chosen;
  };
  const off = team.onChange(paint);
  paint();
  return { element, dispose: off };
}
