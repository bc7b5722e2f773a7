// Transcripts by e-mail (M9): the whole ticket or selected messages, sent through SES from the configured sender as
// readable HTML and plain text — author, time, text; files as links to GET /files/{token}, which stay valid for days —
// without system notes and with every client-supplied string escaped. The send is a note in the ticket's timeline.
import type { OperatorActor } from '../domain/actors';
import { DomainError, invalid, notFound } from '../domain/errors';
import { timelineEntry } from '../domain/messages';
import { authorizeTicket } from '../domain/policy';
import { ticketChange } from '../domain/ticket-change';
import type { SystemNote } from '../domain/ticket-rules';
import { readConfig } from '../platform/config';
import { sendEmail } from '../platform/mail';
import { transcriptInput } from '../protocol/actions';
import { getClient } from '../store/clients';
import { FILE_LINK_DAYS, fileLinkToken } from '../store/file-links';
import { type Message, ticketMessages } from '../store/messages';
import { getOperator } from '../store/operators';
import { getTicket } from '../store/tickets';
import { changeTicket } from './ticket-change';

export { transcriptInput };

export interface TranscriptRequest {
  to: string;
  subject: string;
  messageIds?: string[] | undefined;
}

export async function sendTranscript(
  actor: OperatorActor,
  ticketId: string,
  request: TranscriptRequest,
  now = new Date(),
): Promise<{ sent: true; to: string; messages: number }> {
  const ticket = await getTicket(ticketId);
  authorizeTicket(actor, 'ticket.view', ticket);
  const { sesFrom } = readConfig();
  if (!sesFrom) throw new DomainError('conflict', 'No sender address is configured for e-mail (SES_FROM).');
  const all = await ticketMessages(ticket.clientId, ticket.number);
  const chosen = selected(all, request.messageIds).filter((message) => message.kind !== 'system');
  if (chosen.length === 0) throw invalid('messageIds: the transcript would be empty (system notes are left out).');
  const [client, names] = await Promise.all([getClient(ticket.clientId), operatorNames(chosen)]);
  const entries = await Promise.all(
    chosen.map(async (message) => ({
      author:
        message.author.kind === 'client'
          ? (client?.name ?? 'Client')
          : message.author.kind === 'operator'
            ? (names.get(message.author.operatorId) ?? 'Operator')
            : message.author.kind === 'bot'
              ? message.author.name
              : 'System',
      at: message.createdAt,
      text: message.text ?? '',
      files: await Promise.all(
        (message.attachments ?? []).map(async (file) => ({ name: file.name, url: await linkTo(file, now) })),
      ),
    })),
  );
  const title = `Ticket #${ticket.number} — ${client?.name ?? 'Client'}`;
  await sendEmail({
    from: sesFrom,
    to: request.to,
    subject: request.subject,
    html: transcriptHtml(title, entries),
    text: transcriptText(title, entries),
  });
  await noteTranscript(actor, ticketId, request.to, chosen.length, now);
  return { sent: true, to: request.to, messages: chosen.length };
}

function selected(messages: readonly Message[], ids: readonly string[] | undefined): Message[] {
  if (!ids) return [...messages];
  const byId = new Map(messages.map((message) => [message.messageId, message]));
  const missing = ids.filter((id) => !byId.has(id));
  if (missing.length > 0) throw notFound(`Message ${missing.slice(0, 5).join(', ')} is not in this ticket.`);
  const wanted = new Set(ids);
  return messages.filter((message) => wanted.has(message.messageId));
}

async function operatorNames(messages: readonly Message[]): Promise<Map<string, string>> {
  const ids = [...new Set(messages.flatMap((m) => (m.author.kind === 'operator' ? [m.author.operatorId] : [])))];
  const operators = await Promise.all(ids.map(getOperator));
  return new Map(operators.flatMap((operator) => (operator ? [[operator.operatorId, operator.name] as const] : [])));
}

async function linkTo(file: { key: string; name: string }, now: Date): Promise<string> {
  const base = readConfig().publicHttpUrl;
  if (!base) throw new Error('PUBLIC_HTTP_URL is not configured: transcript file links need the API address.');
  const expiresAt = Math.floor(now.getTime() / 1000) + FILE_LINK_DAYS * 86_400;
  const token = await fileLinkToken({ key: file.key, name: file.name, expiresAt });
  return `${base.replace(/\/$/, '')}/files/${token}`;
}

interface Entry {
  author: string;
  at: string;
  text: string;
  files: Array<{ name: string; url: string }>;
}

/** Every string from a client, an operator or a file name goes through here before it touches HTML. */
export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const timeOf = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

export function transcriptHtml(title: string, entries: readonly Entry[]): string {
  const rows = entries
    .map((entry) => {
      const files = entry.files
        .map((file) => `<li><a href="${escapeHtml(file.url)}">${escapeHtml(file.name)}</a></li>`)
        .join('');
      const text = escapeHtml(entry.text).replace(/\r?\n/g, '<br>');
      return (
        `<tr><td style="padding:6px 12px 6px 0;vertical-align:top;white-space:nowrap;color:#555">` +
        `<strong>${escapeHtml(entry.author)}</strong><br><small>${timeOf(entry.at)}</small></td>` +
        `<td style="padding:6px 0;vertical-align:top">${text}${files ? `<ul>${files}</ul>` : ''}</td></tr>`
      );
    })
    .join('\n');
  return (
    `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>` +
    `<body style="font-family:sans-serif"><h2>${escapeHtml(title)}</h2>\n<table>\n${rows}\n</table>` +
    `<p><small>File links work for ${FILE_LINK_DAYS} days.</small></p></body></html>`
  );
}

export function transcriptText(title: string, entries: readonly Entry[]): string {
  const blocks = entries.map((entry) => {
    const files = entry.files.map((file) => `  [file] ${file.name}: ${file.url}`);
    return [`${entry.author}, ${timeOf(entry.at)}:`, ...(entry.text ? [entry.text] : []), ...files].join('\n');
  });
  return `${title}\n\n${blocks.join('\n\n')}\n\nFile links work for ${FILE_LINK_DAYS} days.\n`;
}

/** T10: the send, as a note in the timeline (operators only). */
async function noteTranscript(actor: OperatorActor, ticketId: string, to: string, count: number, now: Date) {
  const note: SystemNote = {
    code: 'transcript_sent',
    text: `Transcript of ${count} message${count === 1 ? '' : 's'} e-mailed to ${to}`,
    params: { to, messages: String(count) },
  };
  await changeTicket(async () => {
    const before = await getTicket(ticketId);
    return { change: ticketChange(before, before, [timelineEntry(note, actor, now)]), result: undefined };
  });
}
