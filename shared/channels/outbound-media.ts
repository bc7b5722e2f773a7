// Operator messages with files, as channel messages (CH3, M3): how a reply splits into parts — captions are capped at
// 1024 characters by both messengers, so a longer text goes as its own message — and how the parts' outcomes become
// the reply's one status, the least advanced of them (`failed` if any part failed, with that part's reason).
import type { Attachment, Message } from '../store/messages';
import type { DeliveryOutcome } from './driver';

/** Telegram and WhatsApp both cut media captions at 1024 characters. */
export const CAPTION_LIMIT = 1024;

export type OutboundPart = { kind: 'text'; text: string } | { kind: 'file'; attachment: Attachment; caption?: string };

/**
 * The channel messages one reply becomes: files in order, the text as the first file's caption when it fits and the
 * channel shows captions on that kind of file, else the text first as its own message.
 */
export function outboundParts(
  message: Pick<Message, 'text' | 'attachments'>,
  takesCaption: (attachment: Attachment) => boolean = () => true,
): OutboundPart[] {
  const text = message.text?.trim() ? message.text : undefined;
  const files = message.attachments ?? [];
  const [first] = files;
  if (!first) return [{ kind: 'text', text: text ?? '' }];
  const asCaption = text !== undefined && [...text].length <= CAPTION_LIMIT && takesCaption(first);
  return [
    ...(text !== undefined && !asCaption ? [{ kind: 'text' as const, text }] : []),
    ...files.map((attachment, index) =>
      index === 0 && asCaption
        ? { kind: 'file' as const, attachment, caption: text }
        : { kind: 'file' as const, attachment },
    ),
  ];
}

const RANK = { queued: 0, sent: 1, delivered: 2 } as const;

/**
 * M3: one status for a reply sent as several channel messages — the least advanced part; `failed` as soon as any part
 * failed (the parts after it are not sent). The first part's id is the reply's external id; every part's id is kept so
 * the channel's later reports on any part find the reply.
 */
export function combineOutcomes(outcomes: readonly DeliveryOutcome[]): DeliveryOutcome {
  const failed = outcomes.find((outcome) => outcome.status === 'failed');
  if (failed) return failed;
  const least = outcomes.reduce<DeliveryOutcome>(
    (worst, outcome) =>
      RANK[outcome.status as keyof typeof RANK] < RANK[worst.status as keyof typeof RANK] ? outcome : worst,
    outcomes[0] ?? { status: 'queued' },
  );
  if (least.status !== 'sent' && least.status !== 'delivered') return least;
  const ids = outcomes.flatMap((outcome) =>
    'externalId' in outcome && outcome.externalId ? [outcome.externalId] : [],
  );
  return {
    status: least.status,
    ...(ids[0] ? { externalId: ids[0] } : {}),
    ...(ids.length > 1 ? { partIds: ids } : {}),
  };
}

/** Sends parts one after another (their order is the reading order), stopping at the first failure. */
export async function deliverParts(
  parts: readonly OutboundPart[],
  send: (part: OutboundPart) => Promise<DeliveryOutcome>,
): Promise<DeliveryOutcome> {
  const outcomes: DeliveryOutcome[] = [];
  for (const part of parts) {
    const outcome = await send(part);
    outcomes.push(outcome);
    if (outcome.status === 'failed') break;
  }
  return combineOutcomes(outcomes);
}
