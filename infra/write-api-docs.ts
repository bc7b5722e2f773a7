// `npm run docs:api`: writes the generated API documents (infra/api-documents.ts) to docs/api/.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { API_DOCUMENT_FILES, apiDocumentTexts } from './api-documents';
import { repoRoot } from './local/lambda-runtime';

const texts = apiDocumentTexts();
for (const [name, file] of Object.entries(API_DOCUMENT_FILES)) {
  const target = path.join(repoRoot, file);
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, texts[name as keyof typeof texts]);
  console.log(`wrote ${file}`);
}
