// The API documents on the local stack: /docs is a page listing every WebSocket action and event and every HTTP route
// from the committed documents (docs/api/, written by `npm run docs:api`), which it serves as /docs/asyncapi.json and
// /docs/openapi.json. Read at each request, so a regenerated document shows without a restart. Local stack only.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { API_DOCUMENT_FILES } from '../api-documents';
import type { LocalPage, LocalPageReply } from './http-api';
import { repoRoot } from './lambda-runtime';

export const DOCS_PATH = '/docs';

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
/** `code` spans of the documents' summaries, as HTML. */
const inline = (text: string) => escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');

interface AsyncApi {
  info: { title: string; description: string };
  operations: Record<string, { action: 'send' | 'receive'; summary?: string }>;
}
interface OpenApi {
  info: { title: string; description: string };
  paths: Record<string, Record<string, { summary?: string; security?: unknown[] }>>;
}

function page(asyncApi: AsyncApi, openApi: OpenApi): string {
  const row = (cells: string[]) => `<tr>${cells.map((cell) => `<td>${cell}</td>`).join('')}</tr>`;
  const operations = Object.entries(asyncApi.operations);
  const actions = operations
    .filter(([, op]) => op.action === 'send')
    .map(([name, op]) => row([`<code>${escapeHtml(name)}</code>`, inline(op.summary ?? '')]));
  const events = operations
    .filter(([, op]) => op.action === 'receive')
    .map(([name, op]) => row([`<code>${escapeHtml(name.replace(/^receive\./, ''))}</code>`, inline(op.summary ?? '')]));
  const routes = Object.entries(openApi.paths).flatMap(([routePath, methods]) =>
    Object.entries(methods).map(([method, op]) =>
      row([
        `<code>${method.toUpperCase()} ${escapeHtml(routePath)}</code>`,
        op.security?.length ? 'operator token' : 'public',
        inline(op.summary ?? ''),
      ]),
    ),
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Switchboard API documents</title>
<style>body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1b1f24}
table{border-collapse:collapse;width:100%;margin-bottom:2rem}td{border-top:1px solid #d8dde3;padding:.3rem .5rem;vertical-align:top}
code{font-size:13px;background:#f2f4f6;padding:0 .2rem;border-radius:3px}</style></head>
<body>
<h1>Switchboard API documents</h1>
<p>Generated from <code>shared/protocol</code> and <code>infra/routes.ts</code> by <code>npm run docs:api</code>:
<a href="${DOCS_PATH}/asyncapi.json">asyncapi.json</a> (AsyncAPI 3, the WebSocket API) and
<a href="${DOCS_PATH}/openapi.json">openapi.json</a> (OpenAPI 3.1, the HTTP API). Open them in any AsyncAPI or OpenAPI viewer.</p>
<h2>${escapeHtml(asyncApi.info.title)}</h2><p>${inline(asyncApi.info.description)}</p>
<h3>Actions</h3><table>${actions.join('\n')}</table>
<h3>Events</h3><table>${events.join('\n')}</table>
<h2>${escapeHtml(openApi.info.title)}</h2><p>${inline(openApi.info.description)}</p>
<table>${routes.join('\n')}</table>
</body></html>
`;
}

const reply = (contentType: string, body: string): LocalPageReply => ({
  statusCode: 200,
  headers: { 'content-type': contentType, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' },
  body: Buffer.from(body),
});

/** /docs and its two documents; other paths are left to the HTTP API. */
export function docsSite(): LocalPage {
  const read = (file: string) => readFile(path.join(repoRoot, file), 'utf8');
  return async ({ method, path: requestPath }) => {
    if (method !== 'GET') return undefined;
    if (requestPath === `${DOCS_PATH}/asyncapi.json`) {
      return reply('application/json', await read(API_DOCUMENT_FILES.asyncapi));
    }
    if (requestPath === `${DOCS_PATH}/openapi.json`)
      return reply('application/json', await read(API_DOCUMENT_FILES.openapi));
    if (requestPath !== DOCS_PATH && requestPath !== `${DOCS_PATH}/`) return undefined;
    const [asyncApi, openApi] = await Promise.all([
      read(API_DOCUMENT_FILES.asyncapi),
      read(API_DOCUMENT_FILES.openapi),
    ]);
    return reply('text/html; charset=utf-8', page(JSON.parse(asyncApi) as AsyncApi, JSON.parse(openApi) as OpenApi));
  };
}
