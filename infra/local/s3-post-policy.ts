// The POST policy check S3 makes on a browser upload (A1), for the local stack: s3rver stores POSTed files without
// checking their policy, so the local S3 front (s3-local.ts) runs this first. Rules as S3 documents them: a SigV4
// signature over the base64 policy; an expiration; conditions that are exact matches ({field: value} or
// ["eq", "$field", value]), ["starts-with", "$field", prefix] or ["content-length-range", min, max]; every form field
// but the signature, the policy, the file and x-ignore-* named by some condition; field names case-insensitive.
import { createHmac } from 'node:crypto';
import { signingKey } from '../../shared/platform/upload-policy';

export interface PostForm {
  /** Form fields before the file, in order; names as sent. */
  fields: ReadonlyArray<readonly [string, string]>;
  fileSize: number;
}

export type PolicyVerdict =
  | { ok: true; key: string; contentType: string | undefined; metadata: Record<string, string> }
  | { ok: false; status: number; code: string; message: string };

const denied = (message: string): PolicyVerdict => ({
  ok: false,
  status: 403,
  code: 'AccessDenied',
  message: `Invalid according to Policy: ${message}`,
});

const EXEMPT = new Set(['x-amz-signature', 'policy', 'file']);

export function checkPostPolicy(
  form: PostForm,
  context: { bucket: string; secretFor: (accessKeyId: string) => string | undefined; now: Date },
): PolicyVerdict {
  const values = new Map<string, string>();
  for (const [name, value] of form.fields) {
    const lower = name.toLowerCase();
    if (!values.has(lower)) values.set(lower, value);
  }
  values.set('bucket', context.bucket);
  const encoded = values.get('policy');
  const key = values.get('key');
  if (key === undefined) {
    return {
      ok: false,
      status: 400,
      code: 'InvalidArgument',
      message: "Bucket POST must contain a field named 'key'.",
    };
  }
  if (encoded === undefined) {
    return { ok: false, status: 403, code: 'AccessDenied', message: 'Bucket POST must contain a policy.' };
  }
  const algorithm = values.get('x-amz-algorithm');
  const credential = values.get('x-amz-credential') ?? '';
  const signature = values.get('x-amz-signature') ?? '';
  const scope = /^([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request$/.exec(credential);
  const secret = scope?.[1] ? context.secretFor(scope[1]) : undefined;
  if (algorithm !== 'AWS4-HMAC-SHA256' || !scope || !secret) {
    return { ok: false, status: 403, code: 'InvalidAccessKeyId', message: 'The credential in the form is not valid.' };
  }
  const expected = createHmac('sha256', signingKey(secret, scope[2] as string, scope[3] as string, 's3'))
    .update(encoded, 'utf8')
    .digest('hex');
  if (expected !== signature) {
    return {
      ok: false,
      status: 403,
      code: 'SignatureDoesNotMatch',
      message: 'The request signature we calculated does not match the signature you provided.',
    };
  }
  let policy: { expiration?: unknown; conditions?: unknown };
  try {
    policy = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
  } catch {
    return { ok: false, status: 400, code: 'InvalidPolicyDocument', message: 'Invalid Policy: Invalid JSON.' };
  }
  const expiration = typeof policy.expiration === 'string' ? Date.parse(policy.expiration) : Number.NaN;
  if (Number.isNaN(expiration)) {
    return { ok: false, status: 400, code: 'InvalidPolicyDocument', message: 'Invalid Policy: Invalid expiration.' };
  }
  if (expiration <= context.now.getTime()) return denied('Policy expired.');
  if (!Array.isArray(policy.conditions)) {
    return { ok: false, status: 400, code: 'InvalidPolicyDocument', message: 'Invalid Policy: Missing conditions.' };
  }
  const named = new Set<string>();
  for (const condition of policy.conditions as unknown[]) {
    if (Array.isArray(condition) && condition[0] === 'content-length-range') {
      const [, min, max] = condition as [string, number, number];
      if (form.fileSize > max) {
        return {
          ok: false,
          status: 400,
          code: 'EntityTooLarge',
          message: 'Your proposed upload exceeds the maximum allowed size',
        };
      }
      if (form.fileSize < min) {
        return {
          ok: false,
          status: 400,
          code: 'EntityTooSmall',
          message: 'Your proposed upload is smaller than the minimum allowed size',
        };
      }
      continue;
    }
    const [operator, field, expectedValue] = Array.isArray(condition)
      ? (condition as [string, string, string])
      : (['eq', `$${Object.keys(condition as object)[0]}`, Object.values(condition as object)[0]] as [
          string,
          string,
          string,
        ]);
    const name = String(field).replace(/^\$/, '').toLowerCase();
    named.add(name);
    const actual = values.get(name) ?? '';
    const holds =
      operator === 'eq'
        ? actual === expectedValue
        : operator === 'starts-with'
          ? actual.startsWith(String(expectedValue))
          : false;
    if (!holds) return denied(`Policy Condition failed: ${JSON.stringify(condition)}`);
  }
  const extra = [...values.keys()].filter(
    (name) => name !== 'bucket' && !EXEMPT.has(name) && !name.startsWith('x-ignore-') && !named.has(name),
  );
  if (extra.length > 0) return denied(`Extra input fields: ${extra.join(', ')}`);
  const metadata: Record<string, string> = {};
  for (const [name, value] of values) if (name.startsWith('x-amz-meta-')) metadata[name] = value;
  return { ok: true, key, contentType: values.get('content-type'), metadata };
}

/** S3's XML error document. */
export function s3ErrorXml(code: string, message: string): string {
  const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error>`;
}
