// S3/S4: the SLA timer's job. When a clock's timer fires, the ticket earns its mark through the one write path (a
// `ticket.updated` to everyone who sees it, a timeline note), the next timer is set for the deadline, and the
// assignee — or the group, while the ticket is unassigned — gets a notification of its own: `sla.warning` before the
// deadline, `sla.breached` at it.
import { decideSlaMark } from '../domain/sla-marks';
import type { Ticket } from '../domain/ticket-rules';
import { countMetric, METRIC } from '../platform/metrics';
import { pushToAudiences } from '../realtime/fanout';
import type { Audience } from '../store/keys';
import { getTicket } from '../store/tickets';
import type { TimerJob } from '../store/timers';
import { changeTicket } from './ticket-change';

export { SLA_TIMER } from '../domain/ticket-change';

export const slaMarkJob: TimerJob = async (timer, now) => {
  const since = typeof timer.payload?.since === 'string' ? timer.payload.since : undefined;
  const marked = await changeTicket(async () => {
    const ticket = await getTicket(timer.id);
    const change = decideSlaMark(ticket, since, now);
    return change ? { change, extras: { now }, result: change.after } : { result: undefined };
  });
  if (marked?.sla?.mark === 'breached') countMetric(METRIC.slaBreaches);
  if (marked?.sla?.mark) await notify(marked);
};

/** S4: the people who must act: the assignee, or the ticket's group while nobody has taken it. */
export function slaAudiences(ticket: Pick<Ticket, 'status' | 'assigneeId' | 'groupId'>): Audience[] {
  return ticket.status === 'in_progress' && ticket.assigneeId
    ? [`operator#${ticket.assigneeId}`]
    : [`group#${ticket.groupId}`, 'ungrouped'];
}

async function notify(ticket: Ticket): Promise<void> {
  const sla = ticket.sla;
  if (!sla?.mark) return;
  await pushToAudiences(slaAudiences(ticket), {
    type: 'event',
    event: sla.mark === 'warning' ? 'sla.warning' : 'sla.breached',
    data: {
      ticketId: ticket.ticketId,
      number: ticket.number,
      clientName: ticket.clientName,
      mark: sla.mark,
      since: sla.since,
      ...(sla.warnAt ? { warnAt: sla.warnAt } : {}),
      dueAt: sla.dueAt,
    },
  });
}
