// The generated API documents (infra/api-documents.ts): the committed files are what `npm run docs:api` writes now, each
// is valid against its specification's own schema (AsyncAPI 3.0, OpenAPI 3.1), and each lists everything there is.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import specs from '@asyncapi/specs';
import { Validator } from '@seriousme/openapi-schema-validator';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { API_DOCUMENT_FILES, apiDocumentTexts, asyncApiDocument, openApiDocument } from '../../infra/api-documents';
import { httpRoutes } from '../../infra/routes';
import { actionInputs } from '../../shared/protocol/actions';
import { EVENT_TYPES } from '../../shared/protocol/events';

const repoRoot = path.resolve(import.meta.dirname, '../..');

describe('R1: the generated API documents', () => {
  it('R1: docs/api/asyncapi.json and openapi.json are what `npm run docs:api` generates from the schemas now', async () => {
    const texts = apiDocumentTexts();
    for (const [name, file] of Object.entries(API_DOCUMENT_FILES)) {
      const committed = await readFile(path.join(repoRoot, file), 'utf8');
      // A difference means a schema or route changed without `npm run docs:api` (and the new files committed).
      expect(committed, `${file} is stale: run npm run docs:api`).toBe(texts[name as keyof typeof texts]);
    }
  });

  it('R1: the AsyncAPI document is valid AsyncAPI 3.0 and has every action (request, reply) and every event', () => {
    const document = asyncApiDocument() as {
      operations: Record<string, { action: string; reply?: unknown }>;
      components: { schemas: Record<string, unknown> };
    };
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    const validate = ajv.compile(specs.schemasWithoutId['3.0.0']);
    expect(validate(document), JSON.stringify(validate.errors?.slice(0, 5))).toBe(true);
    const sent = Object.entries(document.operations).filter(([, operation]) => operation.action === 'send');
    expect(sent.map(([name]) => name).sort()).toEqual(Object.keys(actionInputs).sort());
    expect(sent.every(([, operation]) => operation.reply)).toBe(true);
    const received = Object.keys(document.operations).filter((name) => name.startsWith('receive.'));
    expect(received.sort()).toEqual([...EVENT_TYPES.map((type) => `receive.${type}`), 'receive.events'].sort());
    // Each payload schema is itself a schema a validator compiles (entities by $ref into components).
    const payloads = new Ajv({ strict: false, validateFormats: false });
    payloads.addSchema({ components: document.components }, 'asyncapi');
    const takeReply = payloads.compile({ $ref: 'asyncapi#/components/schemas/take.reply' });
    expect(takeReply({ type: 'reply', requestId: '1', ok: true, data: { ticketId: 't' } })).toBe(false);
  });

  it('R1: the OpenAPI document is valid OpenAPI 3.1 and has an operation for every route of infra/routes.ts', async () => {
    const document = openApiDocument() as { paths: Record<string, Record<string, unknown>> };
    const result = await new Validator().validate(structuredClone(document));
    expect(result.valid, String(JSON.stringify(result.errors)).slice(0, 2000)).toBe(true);
    const operations = Object.entries(document.paths).flatMap(([route, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${route}`),
    );
    expect(operations.sort()).toEqual(httpRoutes.map((route) => `${route.method} ${route.path}`).sort());
  });

  it('CH1: every sample webhook body in events/ (api, Telegram, WhatsApp) fits the documented request body; a wrong one does not', async () => {
    const document = openApiDocument() as {
      paths: Record<string, Record<string, { requestBody: { content: Record<string, { schema: object }> } }>>;
    };
    const body = document.paths['/channels/{channelId}/webhook']?.post?.requestBody.content['application/json']?.schema;
    const fits = new Ajv({ strict: false, validateFormats: false }).compile(body as object);
    for (const kind of ['api', 'telegram', 'whatsapp']) {
      const folder = path.join(repoRoot, 'events', kind);
      for (const file of await readdir(folder)) {
        const sample = JSON.parse(await readFile(path.join(folder, file), 'utf8')) as unknown;
        expect(fits(sample), `events/${kind}/${file}: ${JSON.stringify(fits.errors)?.slice(0, 300)}`).toBe(true);
      }
    }
    expect(fits({ type: 'message', user: { id: 'u-1' }, text: 'no messageId' })).toBe(false);
  });
});
