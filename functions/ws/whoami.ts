// whoami: tells a front end who its connection acts as — the principal and the actor (role, groups or client).
import * as z from 'zod';
import { webSocketAction } from '../adapters/websocket';

const whoamiFrame = z.object({ action: z.literal('whoami') });

export const handler = webSocketAction(whoamiFrame, async (_input, { principal, actor }) => ({ principal, actor }));
