// The local SQS delay queue for timer wake-ups: answers SQS's JSON protocol (SendMessage, SendMessageBatch) on a
// loopback port and, after each message's DelaySeconds, invokes the consumer with a real-shaped SQS event, the way a
// Lambda event source mapping would. Messages live in memory only: a wake-up is never the truth (the timer item is).
import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SQSEvent } from 'aws-lambda';

export interface QueuedMessage {
  body: string;
  delaySeconds: number;
  sentAt: Date;
}

export interface LocalTimerQueue {
  /** The queue URL functions send to (TIMER_QUEUE_URL). */
  url: string;
  /** Every message received, in order (tests read what was armed). */
  sent: QueuedMessage[];
  env(): Record<string, string>;
  stop(): Promise<void>;
}

export const TIMER_QUEUE_NAME = 'switchboard-local-timer-wake-ups';
const MAX_DELAY_SECONDS = 900;

interface Entry {
  Id?: string;
  MessageBody?: string;
  DelaySeconds?: number;
}

export async function startLocalTimerQueue(options: {
  port?: number;
  host?: string;
  /** Runs the consumer for one delivered message; a rejection is logged (the sweep fires the timer anyway). */
  deliver: (event: SQSEvent) => Promise<unknown>;
  log?: (line: string) => void;
}): Promise<LocalTimerQueue> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? console.log;
  const sent: QueuedMessage[] = [];
  const pending = new Set<NodeJS.Timeout>();
  let url = '';

  const accept = (entry: Entry): { Id: string; MessageId: string; MD5OfMessageBody: string } | string => {
    const body = entry.MessageBody;
    const delay = entry.DelaySeconds ?? 0;
    if (typeof body !== 'string' || body.length === 0) return 'MessageBody is required';
    if (!Number.isInteger(delay) || delay < 0 || delay > MAX_DELAY_SECONDS) return 'DelaySeconds must be 0–900';
    const messageId = randomUUID();
    sent.push({ body, delaySeconds: delay, sentAt: new Date() });
    const timer = setTimeout(() => {
      pending.delete(timer);
      options.deliver(sqsEvent(url, messageId, body)).catch((error: Error) => {
        log(`timer wake-up failed: ${error.message}`);
      });
    }, delay * 1000);
    timer.unref();
    pending.add(timer);
    return { Id: entry.Id ?? '0', MessageId: messageId, MD5OfMessageBody: md5(body) };
  };

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      const answer = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
        response.end(JSON.stringify(body));
      };
      let input: { Entries?: Entry[] } & Entry;
      try {
        input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return answer(400, { __type: 'com.amazonaws.sqs#InvalidRequest', message: 'Body is not JSON.' });
      }
      if (target === 'AmazonSQS.SendMessageBatch') {
        const Successful: unknown[] = [];
        const Failed: unknown[] = [];
        for (const entry of input.Entries ?? []) {
          const result = accept(entry);
          if (typeof result === 'string')
            Failed.push({ Id: entry.Id, SenderFault: true, Code: 'Invalid', Message: result });
          else Successful.push(result);
        }
        return answer(200, { Successful, Failed });
      }
      if (target === 'AmazonSQS.SendMessage') {
        const result = accept(input);
        if (typeof result === 'string')
          return answer(400, { __type: 'com.amazonaws.sqs#InvalidParameterValue', message: result });
        return answer(200, { MessageId: result.MessageId, MD5OfMessageBody: result.MD5OfMessageBody });
      }
      return answer(400, {
        __type: 'com.amazonaws.sqs#UnsupportedOperation',
        message: `${target} is not served here.`,
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, host, resolve));
  const { port } = server.address() as AddressInfo;
  url = `http://${host}:${port}/000000000000/${TIMER_QUEUE_NAME}`;
  return {
    url,
    sent,
    env: () => ({ TIMER_QUEUE_URL: url }),
    stop: async () => {
      for (const timer of pending) clearTimeout(timer);
      pending.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

function sqsEvent(queueUrl: string, messageId: string, body: string): SQSEvent {
  const now = String(Date.now());
  return {
    Records: [
      {
        messageId,
        receiptHandle: randomUUID(),
        body,
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: now,
          SenderId: 'local',
          ApproximateFirstReceiveTimestamp: now,
        },
        messageAttributes: {},
        md5OfBody: md5(body),
        eventSource: 'aws:sqs',
        eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${queueUrl.split('/').pop()}`,
        awsRegion: 'us-east-1',
      },
    ],
  };
}
