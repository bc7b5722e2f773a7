// E-mail through SES (M9): the v2 SendEmail call as one SigV4-signed POST — the SES client would add its own share of
// SDK to the operator functions' bundles for this single call (see object-store.ts). Locally, SES_ENDPOINT points at
// aws-ses-v2-local, which keeps what it is sent in its mailbox.
import { readConfig } from './config';
import { signer } from './object-store';

export interface Email {
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
}

/** Sends one e-mail; returns SES's message id. Throws with SES's error text when it refuses. */
export async function sendEmail(email: Email): Promise<string> {
  const config = readConfig();
  const url = new URL(
    `${config.sesEndpoint ?? `https://email.${config.region}.amazonaws.com`}/v2/email/outbound-emails`,
  );
  const body = JSON.stringify({
    FromEmailAddress: email.from,
    Destination: { ToAddresses: [email.to] },
    Content: {
      Simple: {
        Subject: { Data: email.subject, Charset: 'UTF-8' },
        Body: { Html: { Data: email.html, Charset: 'UTF-8' }, Text: { Data: email.text, Charset: 'UTF-8' } },
      },
    },
  });
  const signed = await signer(
    'ses',
    config.sesEndpoint ? { accessKeyId: 'local', secretAccessKey: 'local' } : undefined,
  ).sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: url.pathname,
    query: {},
    headers: { host: url.host, 'content-type': 'application/json' },
    body,
  });
  const { host: _host, ...headers } = signed.headers;
  const response = await fetch(url, { method: 'POST', headers, body });
  const text = await response.text();
  if (!response.ok) throw new Error(`SES refused the e-mail: ${response.status} ${text.slice(0, 300)}`);
  try {
    return String((JSON.parse(text) as { MessageId?: string }).MessageId ?? '');
  } catch {
    return '';
  }
}
