// T11 auto-close: an open ticket carries a durable timer for the moment its silence would close it. Timers are
// written with a change that opens a ticket or changes its hands (never per message; store/ticket-commit.ts); when
// one fires, the ticket is closed if it has really been silent that long, and otherwise the timer moves to the new
// deadline. A racing client message wins or loses cleanly on the ticket's sequence number: it lands before the
// close, or opens a new ticket after it. The clock itself is pure: shared/domain/auto-close.ts.
import { AUTO_CLOSE_TIMER, type AutoClosePeriods, autoCloseDue, decideAutoClose } from '../domain/auto-close';
import { changeOf } from '../domain/ticket-change';
import type { Ticket } from '../domain/ticket-rules';
import { type ChannelConfig, getChannel } from '../store/channels';
import { autoCloseMinutesFor, readSettings, type Settings } from '../store/settings';
import { getTicket } from '../store/tickets';
import { type DueTimer, scheduleTimer, type TimerJob } from '../store/timers';
import { changeTicket } from './ticket-change';

export { AUTO_CLOSE_TIMER, type AutoClosePeriods } from '../domain/auto-close';

/** T11 periods for the ticket's channel; a request that has read the settings or the channel already passes them. */
export async function periodsFor(
  ticket: Pick<Ticket, 'channelId'>,
  settings?: Settings,
  channel?: ChannelConfig,
): Promise<AutoClosePeriods> {
  const [current, own] = await Promise.all([
    settings ?? readSettings(),
    channel?.channelId === ticket.channelId ? channel : getChannel(ticket.channelId),
  ]);
  return {
    inProgressMinutes: own ? autoCloseMinutesFor(current, own) : current.autoClose.inProgressMinutes,
    unassignedDays: current.autoClose.unassignedDays,
  };
}

export const autoCloseJob: TimerJob = async (timer: DueTimer, now: Date) => {
  await changeTicket(async () => {
    const before = await getTicket(timer.id);
    if (before.status === 'closed') return { result: undefined };
    const periods = await periodsFor(before);
    const decision = decideAutoClose(before, periods, now);
    if (!decision) {
      await scheduleTimer(
        {
          kind: AUTO_CLOSE_TIMER,
          id: before.ticketId,
          due: autoCloseDue(before, periods).toISOString(),
        },
        now,
      );
      return { result: undefined };
    }
    return { change: changeOf(before, decision, undefined, now), result: undefined };
  });
};
