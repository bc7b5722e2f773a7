// Signing in: a demo person of the local stack (its local-only token endpoint) or a pasted access token; then the
// operator's profile and the typed client connected with single-use connect codes.
import { connect, type SwitchboardClient } from '../../shared/protocol/client';
import { type Team, teamOf } from './team';

export interface LocalConfig {
  webSocketUrl: string;
  /** The demo tenant's people; only the local stack serves them. */
  demoPeople: Array<{ key: string; name: string; role: string }>;
}

export interface Me {
  operatorId: string;
  name: string;
  role: 'admin' | 'supervisor' | 'operator';
  groups: Array<{ groupId: string; name: string }>;
}

/** Any action name of the protocol. */
export type Action = Parameters<SwitchboardClient['request']>[0];

/**
 * Names for ids: the caller's own groups, and for admins every operator and group (the admin lists). Colleagues to
 * assign to, with their presence, are the team (`operators.list`).
 */
export interface Directory {
  groups: Array<{ groupId: string; name: string }>;
  operators: Array<{ operatorId: string; name: string }>;
}

export interface Session {
  token: string;
  me: Me;
  directory: Directory;
  client: SwitchboardClient;
  /** O3/T5: the colleagues the caller may assign to, live; read once the socket opens. */
  team: Team;
  /** An HTTP API call with the access token; refusals throw with the server's message. */
  api<T>(path: string, init?: RequestInit): Promise<T>;
}

const TOKEN_KEY = 'switchboard.console.token';

export async function localConfig(): Promise<LocalConfig> {
  const response = await fetch('/console/local.json');
  return (await response.json()) as LocalConfig;
}

export async function demoToken(key: string): Promise<string> {
  const response = await fetch('/console/demo-token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ person: key }),
  });
  if (!response.ok) throw new Error(`The demo sign-in was refused (${response.status}).`);
  return ((await response.json()) as { accessToken: string }).accessToken;
}

export const rememberedToken = () => sessionStorage.getItem(TOKEN_KEY);
export const forgetToken = () => sessionStorage.removeItem(TOKEN_KEY);

export async function signIn(token: string, config: LocalConfig): Promise<Session> {
  const api = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
    const response = await fetch(path, {
      ...init,
      headers: { authorization: `Bearer ${token}`, ...(init.body ? { 'content-type': 'application/json' } : {}) },
    });
    const body = (await response.json().catch(() => ({}))) as { error?: { message?: string }; message?: string };
    if (!response.ok) throw new Error(body.error?.message ?? body.message ?? `HTTP ${response.status}`);
    return body as T;
  };
  const me = await api<Me>('/me');
  const directory: Directory = { groups: me.groups, operators: [{ operatorId: me.operatorId, name: me.name }] };
  if (me.role === 'admin') {
    const [groups, operators] = await Promise.all([
      api<{ items: Directory['groups'] }>('/admin/groups?limit=100'),
      api<{ items: Directory['operators'] }>('/admin/operators?limit=100'),
    ]);
    directory.groups = groups.items;
    directory.operators = operators.items;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  const client = connect({
    url: config.webSocketUrl,
    getConnectCode: async () => (await api<{ code: string }>('/auth/connect-code', { method: 'POST' })).code,
    backoff: { initialMs: 300, maxMs: 10_000 },
  });
  return { token, me, directory, client, team: teamOf(client), api };
}
