// The channel drivers by kind.

import type { ChannelKind } from '../store/channels';
import { apiDriver } from './api';
import type { ChannelDriver } from './driver';
import { telegramDriver } from './telegram';
import { whatsappDriver } from './whatsapp';
import { widgetDriver } from './widget';

export const channelDrivers: Partial<Record<ChannelKind, ChannelDriver>> = {
  widget: widgetDriver,
  api: apiDriver,
  telegram: telegramDriver,
  whatsapp: whatsappDriver,
};
