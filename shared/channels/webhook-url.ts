// Which URLs a webhook endpoint may have (W1, X3): https to a public host. Loopback, private, link-local and
// unspecified addresses are refused, as are credentials in the URL; plain http, and a local address, only for the
// local stack's own receiver (the fake channel server, named by the channel API bases only it sets).
import { isIP } from 'node:net';
import { readConfig } from '../platform/config';

/** Why `value` cannot be a webhook URL, or undefined when it can. */
export function webhookUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute https URL';
  }
  if (url.username || url.password) return 'must not carry a user name or password';
  if (isLocalReceiver(url)) return undefined;
  if (url.protocol !== 'https:') return 'must be an https URL';
  if (isPrivateHost(url.hostname)) return 'must not point at a loopback, private or link-local address';
  return undefined;
}

/** The local stack's receiver: the origin of the fake channel server, which only the local stack configures. */
function isLocalReceiver(url: URL): boolean {
  const config = readConfig();
  const origins = [config.telegramApiBase, config.whatsappApiBase].flatMap((base) => {
    try {
      const origin = new URL(base);
      return isPrivateHost(origin.hostname) ? [origin.origin] : [];
    } catch {
      return [];
    }
  });
  return origins.includes(url.origin);
}

/** Host names and literal addresses that reach this machine or a private network. */
export function isPrivateHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal')) {
    return true;
  }
  const version = isIP(host);
  if (version === 4) return isPrivateV4(host);
  if (version === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(host);
    if (mapped?.[1]) return isPrivateV4(mapped[1]);
    return (
      host === '::' || host === '::1' || /^f[cd]/.test(host) || /^fe[89ab]/.test(host) || host.startsWith('::ffff:')
    );
  }
  // A bare number is an IPv4 address to URL parsers ("http://2130706433" is 127.0.0.1); WHATWG URL already rewrites it.
  return false;
}

function isPrivateV4(address: string): boolean {
  const [a = 0, b = 0] = address.split('.').map(Number);
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    a >= 224
  );
}
