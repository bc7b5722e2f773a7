// A widget visitor's side of the chat (CH1 widget, C3, M11): send into its own continuous chat, read it back (no
// system notes, no tickets), and tell operators it is typing.
import { withDownloadUrls } from '../channels/media';
import type { VisitorActor } from '../domain/actors';
import { describeIssues, invalid, notFound, unauthorized } from '../domain/errors';
import { MAX_CLIENT_TEXT_LENGTH, validateText } from '../domain/ticket-rules';
import { addLogContext } from '../platform/log';
import { countMetric, METRIC } from '../platform/metrics';
import { VISITOR_ACTION_NAMES, type VisitorActionName, visitorActionInputs } from '../protocol/actions';
import { isTypingNews } from '../realtime/action-limits';
import { pushToAudiences } from '../realtime/fanout';
import { ticketAudiences, visitorView } from '../realtime/ticket-events';
import { endVisitorSession, isLiveVisitorClient } from '../realtime/visitors';
import { getClient } from '../store/clients';
import { historyPage } from '../store/messages';
import { readClientHead } from '../store/tickets';
import {
  acceptUploads,
  createUploadSlot,
  discardAttachments,
  kindOfAttachments,
  type UploadRequest,
} from './attachments';
import { ingestClientMessage } from './ingest';

export const visitorActions = visitorActionInputs;
export { VISITOR_ACTION_NAMES, type VisitorActionName };

export async function runVisitorAction(
  visitor: VisitorActor,
  name: VisitorActionName,
  input: Record<string, unknown>,
  now: Date,
  /** R5: counts the action against the visitor's rate; called once the input is known good, so bad input costs nothing. */
  admit: () => Promise<void> = async () => {},
): Promise<unknown> {
  const parsed = visitorActions[name].safeParse(input);
  if (!parsed.success) throw invalid(describeIssues(parsed.error.issues));
  const client = await getClient(visitor.clientId);
  if (client?.sessionEndedAt) throw unauthorized('This chat session has ended; start a new one.');
  if (!client || !isLiveVisitorClient(client, now)) throw notFound('This chat no longer exists; start a new session.');
  if (name !== 'chat.send') await admit();
  switch (name) {
    case 'chat.send': {
      const input = parsed.data as { text: string; attachments?: string[] };
      const uploads = input.attachments ?? [];
      const text =
        uploads.length > 0 && !input.text.trim() ? undefined : validateText(input.text, MAX_CLIENT_TEXT_LENGTH);
      // Counted before the files are copied, so a refusal for speed leaves the visitor's uploads where they are.
      await admit();
      const uploader = { kind: 'visitor' as const, clientId: client.clientId };
      const attachments = await acceptUploads(uploader, uploads, client.clientId);
      const result = await ingestClientMessage({
        channelId: client.channelId,
        externalUserId: client.externalId,
        name: client.originalName,
        clientType: client.type,
        kind: kindOfAttachments(attachments),
        ...(text ? { text } : {}),
        ...(attachments.length ? { attachments } : {}),
        receivedAt: now,
      }).catch(async (error: unknown) => {
        await discardAttachments(attachments);
        throw error;
      });
      if (!result.duplicate) countMetric(METRIC.messagesIn, 1, 'widget');
      addLogContext({ ticketId: result.ticket?.ticketId });
      if (!result.message) return { duplicate: true };
      const [message] = await withDownloadUrls([visitorView(result.message)], now);
      return message;
    }
    case 'chat.upload': {
      const request = parsed.data as UploadRequest;
      return createUploadSlot({ kind: 'visitor', clientId: client.clientId }, request, now);
    }
    case 'chat.history': {
      const page = parsed.data as { limit: number; cursor?: string };
      const history = await historyPage(client.clientId, 'M#', { ...page, viewer: 'visitor' });
      return { ...history, items: await withDownloadUrls(history.items.map(visitorView), now) };
    }
    case 'chat.end': {
      await endVisitorSession(client.clientId, now);
      return { ended: true };
    }
    case 'chat.typing': {
      const { typing } = parsed.data as { typing: boolean };
      // R5: a visitor's repeated typing frames are coalesced into one push.
      if (!isTypingNews(client.clientId, typing, now)) return { typing, coalesced: true };
      const { latest } = await readClientHead(client.clientId);
      if (latest && latest.status !== 'closed') {
        await pushToAudiences(ticketAudiences(latest), {
          type: 'event',
          event: 'client.typing',
          data: { clientId: client.clientId, ticketId: latest.ticketId, typing },
        });
      }
      return { typing };
    }
  }
}
