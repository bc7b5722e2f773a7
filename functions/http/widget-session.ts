// POST /widget/{channelId}/session: a website visitor gets a token for its own chat (no login; rate-limited per IP).
import { widgetSessionRequest } from '../../shared/protocol/http';
import { startVisitorSession } from '../../shared/realtime/visitors';
import { getChannel } from '../../shared/store/channels';
import { readSettings } from '../../shared/store/settings';
import { httpRoute } from '../adapters/http';
import { pathParameter } from '../adapters/http-resource';

const sessionRequest = widgetSessionRequest;

export const handler = httpRoute(
  sessionRequest,
  async ({ body, pathParameters, event }) => {
    const [channel, settings] = await Promise.all([
      getChannel(pathParameter(pathParameters, 'channelId')),
      readSettings(),
    ]);
    const session = await startVisitorSession({
      channel,
      sourceIp: event.requestContext.http.sourceIp,
      name: body?.name,
      resumeToken: body?.resumeToken,
      sessionsPerIpPerMinute: settings.limits.widgetSessionsPerIpPerMinute,
      now: new Date(event.requestContext.timeEpoch),
    });
    return { status: 201, body: session };
  },
  { auth: 'none' },
);
