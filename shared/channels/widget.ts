// The website widget: visitors are on our own WebSocket API, so delivery is a push to the visitor's live sockets,
// files with short-lived download links.

import { pushToAudiences } from '../realtime/fanout';
import { visitorView } from '../realtime/ticket-events';
import type { ChannelDriver } from './driver';
import { withDownloadUrls } from './media';

export const widgetDriver: ChannelDriver = {
  kind: 'widget',
  clientType: 'internal',
  async deliver({ message, ticket }) {
    const pushed = await pushToAudiences([`visitor#${ticket.clientId}`], {
      type: 'event',
      event: 'message.created',
      data: (await withDownloadUrls([visitorView(message)]))[0],
    });
    // Nobody connected: the message waits in the chat history the widget loads when it reconnects.
    return pushed.delivered > 0 ? { status: 'delivered' } : { status: 'sent' };
  },
};
