// A widget visitor is admitted at the handshake and again on every action (C6, CH1): once the widget blocks its
// address, or the widget is disabled or deleted, its open sockets can do nothing more. The widget's configuration is
// cached per function instance for VISITOR_ADMISSION_CACHE_MS, so a change reaches open sockets within that long at
// the cost of one GetItem per widget per instance per period.
import type { VisitorActor } from '../domain/actors';
import { forbiddenBecause } from '../domain/policy';
import { KeptValues } from '../platform/kept-values';
import { type ChannelConfig, getChannel } from '../store/channels';
import { isBlocked } from './visitors';

export const VISITOR_ADMISSION_CACHE_MS = 5_000;
/** At most this many widgets are remembered; a tenant has a handful. */
const MAX_CACHED = 100;

const widgets = new KeptValues<ChannelConfig | undefined>(VISITOR_ADMISSION_CACHE_MS, MAX_CACHED);

async function widgetOf(channelId: string, nowMs: number): Promise<ChannelConfig | undefined> {
  const kept = widgets.get(channelId, nowMs);
  if (kept) return kept.value;
  const channel = await getChannel(channelId);
  widgets.set(channelId, channel, nowMs);
  return channel;
}

/**
 * Throws `forbidden` (reason `channel_unavailable`) when the visitor's widget is gone, disabled or no widget, and
 * `forbidden` (reason `ip_blocked`) when `sourceIp` is among its blocked addresses.
 */
export async function assertVisitorAdmitted(
  visitor: VisitorActor,
  sourceIp: string | undefined,
  now: Date,
): Promise<void> {
  const channel = await widgetOf(visitor.channelId, now.getTime());
  if (channel?.kind !== 'widget' || !channel.enabled) {
    throw forbiddenBecause('channel_unavailable', 'This chat is no longer available. Nothing was done.');
  }
  if (sourceIp && isBlocked(channel.settings.blockedIps ?? [], sourceIp)) {
    throw forbiddenBecause('ip_blocked', 'Chat is not available from this address. Nothing was done.');
  }
}
