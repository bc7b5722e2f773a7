// Search (M8) figures: time until a message is searchable, index write units per message at sustained load and at one
// message every 10 s, and items read by result pages against their size. The projector runs as in AWS: a poll per
// batching window hands the real stream consumer everything written since.
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { handler as searchIndexHandler } from '../functions/stream/search-index';
import { type StreamPoller, startStreamPoller } from '../infra/local/stream-poller';
import { streamConsumers } from '../infra/routes';
import { dynamo } from '../shared/platform/aws-clients';
import { actorOf, getOperator } from '../shared/store/operators';
import { searchMessages } from '../shared/use-cases/search';
import { type Bench, sendClientMessage } from './harness';
import { type Distribution, distributionOf, runPool } from './stats';

export interface SearchPageFigure {
  searcher: string;
  query: string;
  limit: number;
  results: number;
  itemsRead: number;
}

export interface SearchBenchResult {
  batchingWindowSeconds: number;
  sustained: {
    messages: number;
    messagesPerSecond: number;
    batches: number;
    postingsItems: number;
    writeUnits: number;
    writeUnitsPerMessage: number;
    /** Webhook acknowledged → the batch holding the message has written its postings, in ms. */
    timeToSearchable: Distribution;
  };
  /** One message every 10 s: longer than the batching window, so every message is a batch of its own. */
  trickle: { messages: number; writeUnits: number; writeUnitsPerMessage: number };
  pages: SearchPageFigure[];
}

const MESSAGES = 1200;
/** The sustained load: messages are sent on this schedule (when the machine keeps up), so figures compare across runs. */
const MESSAGES_PER_SECOND = 10;
const CLIENTS = 200;
const CONCURRENCY = 8;
const TRICKLE_MESSAGES = 10;

// A support desk's vocabulary, Russian and English; picked with a skew so common words recur as in real chats.
const VOCABULARY = (
  'здравствуйте добрый день спасибо пожалуйста заказ заказа доставка посылка оплата карта карты деньги возврат ' +
  'вопрос проблема приложение ошибка пароль аккаунт телефон номер адрес курьер сегодня завтра вчера долго ' +
  'когда почему можно нельзя хочу помогите привет подскажите отменить изменить получить отправить списали ' +
  'кредит счет банк перевод комиссия тариф подписка ёлка игрушки магазин скидка промокод товар размер ' +
  'hello thanks please order delivery parcel payment card refund question problem error password account ' +
  'phone number address courier today tomorrow yesterday cancel change receive send charged credit transfer ' +
  'subscription discount promo item size broken missing late again status tracking invoice receipt help'
).split(' ');

function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function sentence(random: () => number): string {
  const length = 4 + Math.floor(random() * 10);
  const words: string[] = [];
  for (let i = 0; i < length; i++) words.push(VOCABULARY[Math.floor(VOCABULARY.length * random() ** 1.6)] as string);
  const text = words.join(' ');
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

/** Write units of one put by DynamoDB's rule: item bytes (names and values) in 1 KB steps, at least one. */
const putUnits = (item: Record<string, unknown>) =>
  Math.max(
    1,
    Math.ceil(
      Object.entries(item).reduce(
        (bytes, [name, value]) =>
          bytes +
          Buffer.byteLength(name) +
          (value instanceof Uint8Array ? value.byteLength : Buffer.byteLength(String(value))),
        0,
      ) / 1024,
    ),
  );

/** Counts the postings items the index writes (BatchWriteItem puts of `type: search`) and their write units. */
function meterIndexWrites() {
  const totals = { items: 0, writeUnits: 0 };
  dynamo().middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as {
        RequestItems?: Record<string, Array<{ PutRequest?: { Item: Record<string, unknown> } }>>;
      };
      for (const requests of Object.values(input.RequestItems ?? {})) {
        // BatchGet's RequestItems hold { Keys }, not a list of writes.
        if (!Array.isArray(requests)) continue;
        for (const request of requests) {
          const item = request.PutRequest?.Item;
          if (item?.type !== 'search') continue;
          totals.items++;
          totals.writeUnits += putUnits(item);
        }
      }
      return next(args);
    },
    { step: 'initialize', name: 'benchSearchIndexMeter', override: true },
  );
  return totals;
}

export async function measureSearch(bench: Bench): Promise<SearchBenchResult> {
  const row = streamConsumers.find((consumer) => consumer.name === 'search-index');
  if (!row) throw new Error('no search-index stream consumer in the route table');
  const windowMs = row.batchingWindowSeconds * 1000;
  const acknowledged = new Map<string, number>();
  const searchable = new Map<string, number>();
  let batches = 0;
  const poller: StreamPoller = await startStreamPoller({
    endpoint: bench.stack.urls.dynamoDb,
    tableName: bench.stack.tableName,
    from: 'LATEST',
    consumers: [
      {
        name: row.name,
        batchSize: row.batchSize,
        retryAttempts: row.retryAttempts,
        handle: async (event: DynamoDBStreamEvent) => {
          await searchIndexHandler(event);
          batches++;
          const at = performance.now();
          for (const record of event.Records) {
            const externalId = record.dynamodb?.NewImage?.externalId?.S;
            if (record.eventName === 'INSERT' && externalId) searchable.set(externalId, at);
          }
        },
      },
    ],
  });
  const writes = meterIndexWrites();
  try {
    const random = seededRandom(8);
    // Sustained: clients write while the consumer takes a batch per window, as the event source mapping does — and,
    // like it, hands over a full batch at once without waiting for the window.
    let sending = true;
    const projector = (async () => {
      while (sending) {
        await new Promise((resolve) => setTimeout(resolve, windowMs));
        while ((await poller.pollOnce()) >= row.batchSize) {}
      }
    })();
    const started = performance.now();
    await runPool(MESSAGES, CONCURRENCY, async (i) => {
      const due = started + (i * 1000) / MESSAGES_PER_SECOND;
      if (due > performance.now()) await new Promise((resolve) => setTimeout(resolve, due - performance.now()));
      const messageId = `search-${i}`;
      const outcome = await sendClientMessage(bench, {
        messageId,
        userId: `search-${i % CLIENTS}`,
        name: `Client ${i % CLIENTS}`,
        text: sentence(random),
      });
      if (outcome.status === 200) acknowledged.set(messageId, outcome.doneAt);
    });
    const seconds = (performance.now() - started) / 1000;
    sending = false;
    await projector;
    await poller.drain();
    const sustainedWrites = { ...writes };
    const delays = [...acknowledged].flatMap(([id, at]) => {
      const done = searchable.get(id);
      return done === undefined ? [] : [done - at];
    });

    // Trickle: each message alone in its batch.
    writes.items = 0;
    writes.writeUnits = 0;
    for (let i = 0; i < TRICKLE_MESSAGES; i++) {
      await sendClientMessage(bench, {
        messageId: `trickle-${i}`,
        userId: `trickle-${i}`,
        name: `Trickle ${i}`,
        text: sentence(random),
      });
      await poller.drain();
    }

    const pages: SearchPageFigure[] = [];
    const people = bench.demo.operators;
    for (const [searcher, operatorId] of [
      ['supervisor', people.supervisor],
      ['anna (First line)', people.anna],
      ['boris (Second line)', people.boris],
    ] as const) {
      const operator = await getOperator(operatorId);
      if (!operator) continue;
      for (const query of ['доставка', 'card', 'ёлк']) {
        const page = await searchMessages(actorOf(operator), { query, limit: 25 });
        pages.push({ searcher, query, limit: 25, results: page.items.length, itemsRead: page.itemsRead });
      }
    }
    return {
      batchingWindowSeconds: row.batchingWindowSeconds,
      sustained: {
        messages: acknowledged.size,
        messagesPerSecond: acknowledged.size / seconds,
        batches,
        postingsItems: sustainedWrites.items,
        writeUnits: sustainedWrites.writeUnits,
        writeUnitsPerMessage: sustainedWrites.writeUnits / Math.max(1, acknowledged.size),
        timeToSearchable: distributionOf(delays),
      },
      trickle: {
        messages: TRICKLE_MESSAGES,
        writeUnits: writes.writeUnits,
        writeUnitsPerMessage: writes.writeUnits / TRICKLE_MESSAGES,
      },
      pages,
    };
  } finally {
    dynamo().middlewareStack.remove('benchSearchIndexMeter');
    poller.stop();
  }
}
