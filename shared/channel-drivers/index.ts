// The channel drivers by kind.
import type { ChannelDriver } from '../channel-driver';
import type { ChannelKind } from '../channels';
import { widgetDriver } from './widget';

export const channelDrivers: Partial<Record<ChannelKind, ChannelDriver>> = {
  widget: widgetDriver,
};
