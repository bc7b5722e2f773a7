// The admin API's routes (O4): one function per resource, each route named by the use case it runs. The route table
// (infra/routes.ts) builds its rows from these, and each admin handler builds its router from them
// (functions/adapters/http-resource.ts `adminResource`), so a route key is written here only.

export interface AdminResource {
  readonly entry: string;
  /** Use case name → `METHOD /path` route key. */
  readonly routes: Readonly<Record<string, string>>;
}

export const adminResources = {
  operators: {
    entry: 'functions/http/admin/operators.ts',
    routes: {
      list: 'GET /admin/operators',
      create: 'POST /admin/operators',
      show: 'GET /admin/operators/{operatorId}',
      update: 'PATCH /admin/operators/{operatorId}',
    },
  },
  groups: {
    entry: 'functions/http/admin/groups.ts',
    routes: {
      list: 'GET /admin/groups',
      create: 'POST /admin/groups',
      show: 'GET /admin/groups/{groupId}',
      update: 'PATCH /admin/groups/{groupId}',
      remove: 'DELETE /admin/groups/{groupId}',
    },
  },
  channels: {
    entry: 'functions/http/admin/channels.ts',
    routes: {
      list: 'GET /admin/channels',
      create: 'POST /admin/channels',
      show: 'GET /admin/channels/{channelId}',
      update: 'PATCH /admin/channels/{channelId}',
      rotateSecret: 'POST /admin/channels/{channelId}/secret',
    },
  },
  categories: {
    entry: 'functions/http/admin/categories.ts',
    routes: {
      list: 'GET /admin/categories',
      create: 'POST /admin/categories',
      rename: 'PATCH /admin/categories/{categoryId}',
      remove: 'DELETE /admin/categories/{categoryId}',
    },
  },
  settings: {
    entry: 'functions/http/admin/settings.ts',
    routes: { show: 'GET /admin/settings', replace: 'PUT /admin/settings' },
  },
  // Outgoing webhooks (W1, W2): endpoints, secret rotation, attempt log, event replay.
  webhooks: {
    entry: 'functions/http/admin/webhooks.ts',
    routes: {
      list: 'GET /admin/webhooks',
      create: 'POST /admin/webhooks',
      show: 'GET /admin/webhooks/{webhookId}',
      update: 'PATCH /admin/webhooks/{webhookId}',
      remove: 'DELETE /admin/webhooks/{webhookId}',
      disable: 'POST /admin/webhooks/{webhookId}/disable',
      rotateSecret: 'POST /admin/webhooks/{webhookId}/secret',
      attempts: 'GET /admin/webhooks/{webhookId}/attempts',
      showEvent: 'GET /admin/webhooks/{webhookId}/events/{eventId}',
      replayEvent: 'POST /admin/webhooks/{webhookId}/events/{eventId}/replay',
    },
  },
} as const satisfies Record<string, AdminResource>;

export type AdminResourceName = keyof typeof adminResources;
