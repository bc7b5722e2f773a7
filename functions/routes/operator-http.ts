// The operator protocol over HTTP (the routes functions/http/operator-api.ts serves): route key → the action it runs
// (shared/use-cases/operator-actions.ts), where its input comes from and its success status. The route table
// (infra/routes.ts) builds its rows from these.
import type { OperatorActionName } from '../../shared/use-cases/operator-actions';

/** Where an HTTP operator route takes its action's input from, beyond the path parameters. */
export type ActionInput = 'query' | 'body' | 'none';

export const operatorHttpActions = {
  'GET /tickets': ['list', 'query'],
  'GET /tickets/{ticketId}': ['ticket.get', 'none'],
  'GET /tickets/{ticketId}/messages': ['history', 'query'],
  'POST /tickets/{ticketId}/messages': ['message.send', 'body', 201],
  'POST /tickets/{ticketId}/uploads': ['upload.create', 'body', 201],
  'POST /tickets/{ticketId}/transcript': ['ticket.transcript', 'body'],
  'GET /tickets/{ticketId}/sync': ['sync', 'query'],
  'POST /tickets/{ticketId}/take': ['take', 'none'],
  'POST /tickets/{ticketId}/assign': ['assign', 'body'],
  'POST /tickets/{ticketId}/transfer': ['transfer', 'body'],
  'POST /tickets/{ticketId}/unassign': ['unassign', 'none'],
  'POST /tickets/{ticketId}/close': ['close', 'none'],
  'POST /tickets/{ticketId}/category': ['setCategory', 'body'],
  'POST /tickets/{ticketId}/read': ['markRead', 'none'],
  'POST /tickets/{ticketId}/typing': ['typing', 'body'],
  'POST /clients/{clientId}/start': ['start', 'none', 201],
  'POST /channels/{channelId}/start': ['start.phone', 'body', 201],
  'POST /clients/{clientId}/blacklist': ['client.blacklist', 'none'],
  'POST /clients/{clientId}/unblock': ['client.unblock', 'none'],
  'POST /clients/{clientId}/pin': ['client.pin', 'body'],
  'POST /clients/{clientId}/unpin': ['client.unpin', 'none'],
  'GET /search': ['search', 'query'],
  'GET /clients/{clientId}/search': ['client.search', 'query'],
  'GET /clients/{clientId}': ['client.get', 'none'],
  'PATCH /clients/{clientId}': ['client.update', 'body'],
  'GET /clients/{clientId}/tickets': ['client.tickets', 'query'],
  'POST /clients/{clientId}/watch': ['client.watch', 'none'],
  'POST /clients/{clientId}/unwatch': ['client.unwatch', 'none'],
  'GET /me/favourites': ['favourites', 'none'],
  'GET /clients/{clientId}/notes': ['client.notes', 'query'],
  'POST /clients/{clientId}/notes': ['note.add', 'body', 201],
  'PATCH /clients/{clientId}/notes/{noteId}': ['note.edit', 'body'],
  'DELETE /clients/{clientId}/notes/{noteId}': ['note.delete', 'none'],
  'GET /templates': ['template.lookup', 'query'],
  'POST /templates': ['template.create', 'body', 201],
  'PATCH /templates/{templateId}': ['template.update', 'body'],
  'DELETE /templates/{templateId}': ['template.delete', 'none'],
  'GET /templates/{templateId}/render': ['template.render', 'query'],
  'POST /tickets/{ticketId}/tags': ['tag', 'body'],
  // M7: tags are never renamed or deleted, so /tags has no PATCH or DELETE.
  'GET /tags': ['tags', 'query'],
  'GET /tags/{tag}/messages': ['tag.messages', 'query'],
  'GET /tickets/{ticketId}/draft': ['draft.get', 'none'],
  'PUT /tickets/{ticketId}/draft': ['draft.save', 'body'],
  'DELETE /tickets/{ticketId}/draft': ['draft.clear', 'none'],
  'GET /me/counters': ['counters', 'none'],
  'GET /categories': ['categories', 'none'],
} as const satisfies Record<string, readonly [OperatorActionName, ActionInput, number?]>;
