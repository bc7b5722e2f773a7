// The website widget: visitors are on our own WebSocket API, so delivery is a push to the visitor's live sockets.
import type { ChannelDriver } from '../channel-driver';
import { pushToAudiences } from '../fanout';
import { visitorView } from '../ticket-events';

export const widgetDriver: ChannelDriver = {
  kind: 'widget',
  clientType: 'internal',
  async deliver({ message, ticket }) {
    const pushed = await pushToAudiences([`visitor#${ticket.clientId}`], {
      type: 'event',
      event: 'message.created',
      data: visitorView(message),
    });
    // Nobody connected: the message waits in the chat history the widget loads when it reconnects.
    return pushed.delivered > 0 ? { status: 'delivered' } : { status: 'sent' };
  },
};
