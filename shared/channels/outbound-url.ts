// The outbound-URL guard (X3): every URL Switchboard posts to or fetches from on someone's say-so (an `api` channel's
// callback, outgoing webhooks, media links) goes through here. At save time the URL must be https and must not name a
// private, loopback, link-local, unspecified or reserved address; at send time the host is resolved and refused when
// any answer is such an address, so a public-looking name pointing inside (127.0.0.1:9001 is Lambda's Runtime API,
// 169.254.169.254 the instance metadata) is never reached.
//
// Loopback over plain http is allowed only when ALLOW_LOOPBACK_OUTBOUND_ENV is `1`: the local stack and the tests set
// it, because their fake channel server listens on 127.0.0.1. The AWS stack never sets it.
import dns from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { requiredString } from '../domain/fields';

/** `1` allows http to loopback hosts (127/8, ::1, localhost); set by the local stack only, never in AWS. */
export const ALLOW_LOOPBACK_OUTBOUND_ENV = 'SWITCHBOARD_ALLOW_LOOPBACK_OUTBOUND';

export interface OutboundPolicy {
  /** Loopback hosts, over http or https, are allowed (the local stack's fakes). */
  allowLoopback: boolean;
}

/** Read at each check, so the setting is the process's as it runs. */
export function outboundPolicy(env: NodeJS.ProcessEnv = process.env): OutboundPolicy {
  return { allowLoopback: env[ALLOW_LOOPBACK_OUTBOUND_ENV] === '1' };
}

/** Resolves a host name to every address it has (node:dns lookup with `all`). */
export type HostResolver = (hostname: string) => Promise<string[]>;

const systemResolver: HostResolver = async (hostname) =>
  (await dns.promises.lookup(hostname, { all: true, verbatim: true })).map((answer) => answer.address);

const ranges = (entries: ReadonlyArray<readonly [string, number]>) => {
  const list = new BlockList();
  for (const [address, prefix] of entries) list.addSubnet(address, prefix, isIP(address) === 6 ? 'ipv6' : 'ipv4');
  return list;
};

// Node's BlockList checks an IPv4-mapped IPv6 address (::ffff:a.b.c.d) against the IPv4 ranges too.
const LOOPBACK = ranges([
  ['127.0.0.0', 8],
  ['::1', 128],
]);
const REFUSED: ReadonlyArray<readonly [RefusedKind, BlockList]> = [
  [
    'unspecified',
    ranges([
      ['0.0.0.0', 8],
      ['::', 128],
    ]),
  ],
  [
    'private',
    ranges([
      ['10.0.0.0', 8],
      ['172.16.0.0', 12],
      ['192.168.0.0', 16],
      ['100.64.0.0', 10],
      ['fc00::', 7],
    ]),
  ],
  [
    'link-local',
    ranges([
      ['169.254.0.0', 16],
      ['fe80::', 10],
    ]),
  ],
  [
    'reserved',
    ranges([
      ['192.0.0.0', 24],
      ['198.18.0.0', 15],
      ['224.0.0.0', 4],
      ['240.0.0.0', 4],
      ['ff00::', 8],
      ['fec0::', 10],
    ]),
  ],
];

/**
 * Why `address` (an IP literal) may not be a target under `policy`, or undefined when it may. IPv6 forms that carry an
 * IPv4 address — mapped (::ffff:a.b.c.d), compatible (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) — are judged by it.
 */
export function addressProblem(address: string, policy: OutboundPolicy = outboundPolicy()): string | undefined {
  if (isIP(address) === 0) return `${address} is not an IP address`;
  const kind = refusedKind(address, policy);
  if (!kind) return undefined;
  const embedded = isIP(address) === 6 ? embeddedIpv4(address) : undefined;
  if (embedded) return `${address} carries ${embedded}, ${article(kind)} ${kind} address`;
  return `${address} is ${article(kind)} ${kind} address`;
}

type RefusedKind = 'loopback' | 'unspecified' | 'private' | 'link-local' | 'reserved';

function refusedKind(address: string, policy: OutboundPolicy): RefusedKind | undefined {
  const family = isIP(address);
  const embedded = family === 6 ? embeddedIpv4(address) : undefined;
  if (embedded !== undefined) return refusedKind(embedded, policy);
  const type = family === 6 ? 'ipv6' : 'ipv4';
  if (LOOPBACK.check(address, type)) return policy.allowLoopback ? undefined : 'loopback';
  return REFUSED.find(([, list]) => list.check(address, type))?.[0];
}

const article = (kind: RefusedKind) => (kind === 'unspecified' ? 'an' : 'a');

/**
 * Why `value` may not be an outbound URL (a human sentence), or undefined when it may: https to a host that is a
 * public name or a public IP literal; http and loopback only under the local allowance. Numeric IPv4 forms
 * (2130706433, 0x7f.1, 127.1) are read as the WHATWG URL parser reads them, i.e. as fetch would.
 */
export function outboundUrlProblem(value: string, policy: OutboundPolicy = outboundPolicy()): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL';
  }
  const host = hostOf(url);
  const loopbackName = isLoopbackName(host);
  if (url.username || url.password) return 'must not carry a user name or password';
  if (url.protocol !== 'https:') {
    const loopback = loopbackName || (isIP(host) !== 0 && LOOPBACK.check(host, isIP(host) === 6 ? 'ipv6' : 'ipv4'));
    if (!(url.protocol === 'http:' && policy.allowLoopback && loopback)) return 'must be an https URL';
  }
  if (loopbackName) return policy.allowLoopback ? undefined : `${host} is a loopback host`;
  if (isIP(host) !== 0) return addressProblem(host, policy);
  // A single label (intranet, metadata) can only be resolved by a private resolver.
  if (!host.includes('.')) return `${host} is not a public host name`;
  return undefined;
}

/** The zod-friendly predicate. */
export function isOutboundUrl(value: string): boolean {
  return outboundUrlProblem(value) === undefined;
}

/** A settings field holding an outbound URL; its error names the reason ("must be an https URL"). */
export function outboundUrlSchema() {
  return requiredString()
    .max(2048, 'must be at most 2048 characters')
    .superRefine((value, context) => {
      const problem = outboundUrlProblem(value);
      if (problem) context.addIssue({ code: 'custom', message: problem });
    });
}

/** A send refused by the guard: final, never retried (the same URL will be refused again). */
export class OutboundUrlRefused extends Error {
  readonly code = 'outbound_url_refused';
  constructor(reason: string) {
    super(`outbound URL refused: ${reason}`);
    this.name = 'OutboundUrlRefused';
  }
}

/**
 * The send-time check: the URL as at save time, then every address its host resolves to. Throws OutboundUrlRefused.
 * A name that does not resolve is let through: the request itself then fails as unreachable, and nothing was reached.
 */
export async function assertSendableUrl(
  value: string,
  options: { resolve?: HostResolver; policy?: OutboundPolicy } = {},
): Promise<void> {
  const policy = options.policy ?? outboundPolicy();
  const problem = outboundUrlProblem(value, policy);
  if (problem) throw new OutboundUrlRefused(problem);
  const host = hostOf(new URL(value));
  if (isIP(host) !== 0 || isLoopbackName(host)) return;
  let addresses: string[];
  try {
    addresses = await (options.resolve ?? systemResolver)(host);
  } catch {
    return;
  }
  for (const address of addresses) {
    const kind = isIP(address) === 0 ? 'reserved' : refusedKind(address, policy);
    if (kind) throw new OutboundUrlRefused(`${host} resolves to ${article(kind)} ${kind} address (${address})`);
  }
}

function hostOf(url: URL): string {
  return url.hostname
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '')
    .toLowerCase();
}

function isLoopbackName(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost');
}

/** The IPv4 address inside ::ffff:0:0/96, ::/96 (not :: or ::1) and 64:ff9b::/96, or undefined. */
function embeddedIpv4(address: string): string | undefined {
  const groups = expandIpv6(address);
  if (!groups) return undefined;
  const head = groups.slice(0, 6);
  const zeros = (n: number) => head.slice(0, n).every((group) => group === 0);
  const mapped = zeros(5) && head[5] === 0xffff;
  const compatible = zeros(6) && (groups[6] !== 0 || (groups[7] ?? 0) > 1);
  const nat64 = head[0] === 0x64 && head[1] === 0xff9b && head.slice(2).every((group) => group === 0);
  if (!mapped && !compatible && !nat64) return undefined;
  const high = groups[6] ?? 0;
  const low = groups[7] ?? 0;
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

function expandIpv6(address: string): number[] | undefined {
  let text = address.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    const [a = 0, b = 0, c = 0, d = 0] = dotted[1].split('.').map(Number);
    text = `${text.slice(0, -dotted[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [left = '', right] = text.split('::');
  const part = (s: string) => (s ? s.split(':').map((group) => Number.parseInt(group, 16)) : []);
  const head = part(left);
  const tail = right === undefined ? [] : part(right);
  const fill = 8 - head.length - tail.length;
  if (fill < 0 || (right === undefined && fill !== 0)) return undefined;
  return [...head, ...new Array<number>(fill).fill(0), ...tail];
}
