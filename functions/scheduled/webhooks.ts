// webhooks: the per-minute delivery run (EventBridge schedule) posts every enabled endpoint's due webhook events,
// endpoints side by side (W2, OP3).
import type { ScheduledEvent } from 'aws-lambda';
import { log } from '../../shared/platform/log';
import { deliverDueWebhooks } from '../../shared/use-cases/webhook-delivery';
import { observe } from '../adapters/observe';

export const handler = observe(async (event: ScheduledEvent) => {
  // The rule's time: the local scheduler and the tests drive time through it, as EventBridge does.
  const result = await deliverDueWebhooks(new Date(event.time));
  log.info('webhooks delivered', { scheduledFor: event.time, ...result });
  return result;
});
