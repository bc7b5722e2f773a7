// The channel drivers by kind.
import type { ChannelDriver } from '../channel-driver';
import type { ChannelKind } from '../channels';
import { apiDriver } from './api';
import { telegramDriver } from './telegram';
import { whatsappDriver } from './whatsapp';
import { widgetDriver } from './widget';

export const channelDrivers: Partial<Record<ChannelKind, ChannelDriver>> = {
  widget: widgetDriver,
  api: apiDriver,
  telegram: telegramDriver,
  whatsapp: whatsappDriver,
};
