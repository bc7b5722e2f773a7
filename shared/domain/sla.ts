// The SLA clock (S1–S4), pure: when a client starts waiting, when the warning and the deadline fall, which mark a
// ticket earns at a given moment, and when its timer should next fire. The clock starts at the first client message
// after the last operator reply and stops at the next operator reply; notes, system messages, bot and consent
// messages never stop it, and transfer, assignment and return leave it running. Closing a ticket stops it.

/** S1: thresholds in seconds (warning optional, deadline required; validated in settings). */
export interface SlaThresholds {
  warningSeconds?: number;
  deadlineSeconds: number;
}

/** S3: the mark a ticket carries while a client waits past a threshold. */
export type SlaMark = 'warning' | 'breached';

/** A running clock, stored on the ticket while a client waits for an answer. */
export interface SlaClock {
  /** When the client started waiting: its first message after the last operator reply. */
  since: string;
  /** S4: when the warning mark falls (absent without a warning threshold). */
  warnAt?: string;
  /** S4: when the deadline passes. */
  dueAt: string;
  /** S3: the mark earned so far; absent while neither threshold has passed. */
  mark?: SlaMark;
}

const plusSeconds = (iso: string, seconds: number) => new Date(Date.parse(iso) + seconds * 1000).toISOString();

/**
 * S2: a client message arrives. A clock that runs already keeps running from its first message (the client has been
 * waiting since then); otherwise a new clock starts at this message. No thresholds → no clock.
 */
export function clockOnClientMessage(
  clock: SlaClock | undefined,
  thresholds: SlaThresholds | undefined,
  messageAt: string,
): SlaClock | undefined {
  if (clock) return clock;
  if (!thresholds) return undefined;
  return {
    since: messageAt,
    ...(thresholds.warningSeconds === undefined ? {} : { warnAt: plusSeconds(messageAt, thresholds.warningSeconds) }),
    dueAt: plusSeconds(messageAt, thresholds.deadlineSeconds),
  };
}

/** S2/S3: an operator's reply answers the client: the clock stops and its mark clears. */
export function clockOnOperatorReply(_clock: SlaClock | undefined): undefined {
  return undefined;
}

/** S3: the mark the clock has earned by `now`, if it is a step beyond the one it carries. */
export function markDue(clock: SlaClock | undefined, now: Date): SlaMark | undefined {
  if (!clock) return undefined;
  const at = now.getTime();
  if (clock.mark !== 'breached' && at >= Date.parse(clock.dueAt)) return 'breached';
  if (!clock.mark && clock.warnAt && at >= Date.parse(clock.warnAt)) return 'warning';
  return undefined;
}

/** When the clock's timer should next fire: the warning while unmarked, then the deadline; nothing once breached. */
export function nextMarkAt(clock: SlaClock | undefined): string | undefined {
  if (!clock || clock.mark === 'breached') return undefined;
  if (!clock.mark && clock.warnAt) return clock.warnAt;
  return clock.dueAt;
}

/** The clock after it earns `mark`. */
export function withMark(clock: SlaClock, mark: SlaMark): SlaClock {
  return { ...clock, mark };
}

/** S3: whether the client's wait was answered within the deadline (reports: the share answered in time). */
export function answeredInTime(clock: SlaClock, answeredAt: string): boolean {
  return Date.parse(answeredAt) <= Date.parse(clock.dueAt);
}
