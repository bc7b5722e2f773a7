// The bench's local stack on its own ports: demo tenant, metered SDK clients, operator sockets, signed webhook calls.
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { type LocalStack, portsOf, startLocalStack } from '../infra/local/local-stack';
import { type DemoTenant, seedDemoTenant } from '../infra/local/seed';
import { dynamo, management } from '../shared/platform/aws-clients';
import { eventsIn } from '../shared/realtime/event-frames';
import { ingestClientMessage } from '../shared/use-cases/ingest';
import { Meter } from './meter';

/** Ports from 4700 up (see portsOf): clear of `npm start` and of the tests (random ports). */
export const BENCH_PORT_BASE = 4700;

/** The port range the bench's stack listens on, for messages. */
export function benchPorts(): string {
  const ports = Object.values(portsOf(BENCH_PORT_BASE));
  return `${Math.min(...ports)}–${Math.max(...ports)}`;
}
export const WEBHOOK_ROUTE = 'POST /channels/{channelId}/webhook';

export interface Bench {
  stack: LocalStack;
  demo: DemoTenant;
  meter: Meter;
  /** The signed webhook route is served; when not, client messages go through ingestClientMessage directly. */
  webhookRoute: boolean;
  /** Operator replies on the `api` channel are POSTed here (a stub that answers 200). */
  callbacks: { url: string; count: number };
  /** Gateway log lines that report a failure. */
  failures: string[];
  stop(): Promise<void>;
}

export async function startBench(): Promise<Bench> {
  const failures: string[] = [];
  const callbacks = await startCallbackStub();
  const stack = await startLocalStack({
    portBase: BENCH_PORT_BASE,
    persist: false,
    // Seeded below with the callback stub, and without writing .local-data/demo.json (that belongs to `npm start`).
    seed: false,
    log: (line) => {
      if (/failed|error/i.test(line)) failures.push(line);
    },
  });
  // Timers would run in the middle of a measurement; the idle cost model invokes the sweep itself.
  stack.scheduler.stop();
  // The projector runs in its own functions in AWS; the search measurement drives its own stream poller.
  stack.streams.stop();
  const demo = await seedDemoTenant({ apiCallbackUrl: callbacks.state.url });
  const meter = new Meter(stack.urls.dynamoDb, stack.tableName);
  meter.attachDynamo(dynamo());
  meter.attachManagement(management());
  return {
    stack,
    demo,
    meter,
    webhookRoute: stack.gateway.routes().http.includes(WEBHOOK_ROUTE),
    callbacks: callbacks.state,
    failures,
    async stop() {
      meter.destroy();
      await stack.stop();
      await callbacks.close();
    },
  };
}

async function startCallbackStub() {
  const state = { url: '', count: 0 };
  const server = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      state.count++;
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
  return {
    state,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface ClientMessage {
  messageId: string;
  userId: string;
  name: string;
  text: string;
}

export interface SendOutcome {
  status: number;
  /** When the webhook's HTTP response (or the direct ingest call) completed, performance.now() clock. */
  doneAt: number;
}

/** `sha256=<hex HMAC-SHA256(secret, "<ts>.<raw body>")>`, as the `api` channel expects. */
export function signBody(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** A client message as the signed `api` channel webhook, or straight into ingest when the route is not served. */
export async function sendClientMessage(bench: Bench, message: ClientMessage): Promise<SendOutcome> {
  const channelId = bench.demo.channels.api;
  if (!bench.webhookRoute) {
    await ingestClientMessage({
      channelId,
      externalUserId: message.userId,
      name: message.name,
      clientType: 'crm',
      kind: 'text',
      text: message.text,
      externalMessageId: message.messageId,
      receivedAt: new Date(),
    });
    return { status: 200, doneAt: performance.now() };
  }
  const body = JSON.stringify({
    type: 'message',
    messageId: message.messageId,
    user: { id: message.userId, name: message.name },
    text: message.text,
  });
  const timestamp = Math.floor(Date.now() / 1000);
  const secret = bench.demo.webhookSecrets[channelId] ?? '';
  const response = await fetch(`${bench.stack.urls.http}/channels/${channelId}/webhook`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-switchboard-timestamp': String(timestamp),
      'x-switchboard-signature': signBody(secret, timestamp, body),
    },
    body,
  });
  await response.arrayBuffer();
  return { status: response.status, doneAt: performance.now() };
}

export interface Frame {
  type?: string;
  event?: string;
  requestId?: string;
  ok?: boolean;
  data?: Record<string, unknown>;
  error?: { code: string; message: string };
}

/** An operator's WebSocket: frames are timestamped on arrival; actions are answered by requestId. */
export class OperatorSocket {
  private listeners = new Set<(frame: Frame, at: number) => void>();
  private requests = 0;
  frames = 0;

  private constructor(
    readonly socket: WebSocket,
    readonly connectionId: string | undefined,
  ) {
    socket.on('message', (data) => {
      const at = performance.now();
      this.frames++;
      if (this.listeners.size === 0) return;
      for (const frame of eventsIn(JSON.parse(String(data)) as Frame)) {
        for (const listener of this.listeners) listener(frame, at);
      }
    });
  }

  /** With `knowConnectionId`, connect one at a time: the id is found as the gateway's one new connection. */
  static async connect(bench: Bench, operatorId: string, knowConnectionId = true): Promise<OperatorSocket> {
    const token = await bench.stack.tokens.mintAccessToken(operatorId);
    const before = knowConnectionId ? new Set(bench.stack.gateway.connectionIds()) : undefined;
    const socket = new WebSocket(`${bench.stack.urls.webSocket}?token=${token}`);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    socket.on('error', () => undefined);
    const connectionId = before && bench.stack.gateway.connectionIds().find((id) => !before.has(id));
    return new OperatorSocket(socket, connectionId);
  }

  onFrame(listener: (frame: Frame, at: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The first frame matching `match`, with its arrival time. */
  waitFor(match: (frame: Frame) => boolean, timeoutMs = 5_000): Promise<{ frame: Frame; at: number }> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        stop();
        reject(new Error(`no matching frame within ${timeoutMs} ms`));
      }, timeoutMs);
      const stop = this.onFrame((frame, at) => {
        if (!match(frame)) return;
        clearTimeout(timer);
        stop();
        resolve({ frame, at });
      });
    });
  }

  async call(action: string, input: Record<string, unknown> = {}): Promise<Frame> {
    const requestId = `b${++this.requests}`;
    const reply = this.waitFor((frame) => frame.type === 'reply' && frame.requestId === requestId);
    this.socket.send(JSON.stringify({ action, requestId, ...input }));
    const { frame } = await reply;
    if (!frame.ok) throw new Error(`${action} failed: ${JSON.stringify(frame.error)}`);
    return frame;
  }

  close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close(1000);
    });
  }
}
