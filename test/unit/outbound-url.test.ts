// X3: the outbound-URL guard — https only, no private, loopback, link-local, unspecified or reserved targets in any
// spelling (numeric IPv4 forms, IPv6, IPv4-mapped), and at send time no host whose DNS answers point inside.
import { describe, expect, it } from 'vitest';
import {
  ALLOW_LOOPBACK_OUTBOUND_ENV,
  addressProblem,
  assertSendableUrl,
  isOutboundUrl,
  OutboundUrlRefused,
  outboundPolicy,
  outboundUrlProblem,
} from '../../shared/channels/outbound-url';

const AWS = { allowLoopback: false };
const LOCAL = { allowLoopback: true };

describe('X3 outbound URLs at save time', () => {
  it.each([
    ['http://127.0.0.1:9001/2018-06-01/runtime/invocation/next', 'must be an https URL'],
    ['https://127.0.0.1/cb', '127.0.0.1 is a loopback address'],
    ['https://localhost/cb', 'localhost is a loopback host'],
    ['https://LOCALHOST./cb', 'localhost is a loopback host'],
    ['https://api.localhost/cb', 'api.localhost is a loopback host'],
    ['https://2130706433/cb', '127.0.0.1 is a loopback address'],
    ['https://0x7f.1/cb', '127.0.0.1 is a loopback address'],
    ['https://127.1/cb', '127.0.0.1 is a loopback address'],
    ['https://017700000001/cb', '127.0.0.1 is a loopback address'],
    ['https://[::1]/cb', '::1 is a loopback address'],
    ['https://[0:0:0:0:0:0:0:1]/cb', '::1 is a loopback address'],
    ['https://[::ffff:127.0.0.1]/cb', '::ffff:7f00:1 carries 127.0.0.1, a loopback address'],
    ['https://[::ffff:7f00:1]/cb', '::ffff:7f00:1 carries 127.0.0.1, a loopback address'],
    ['https://[::127.0.0.1]/cb', '::7f00:1 carries 127.0.0.1, a loopback address'],
    ['https://[64:ff9b::a9fe:a9fe]/cb', '64:ff9b::a9fe:a9fe carries 169.254.169.254, a link-local address'],
    ['https://169.254.169.254/latest/meta-data/', '169.254.169.254 is a link-local address'],
    ['https://[::ffff:169.254.169.254]/latest', '::ffff:a9fe:a9fe carries 169.254.169.254, a link-local address'],
    ['https://2852039166/latest', '169.254.169.254 is a link-local address'],
    ['https://[fe80::1]/cb', 'fe80::1 is a link-local address'],
    ['https://10.1.2.3/cb', '10.1.2.3 is a private address'],
    ['https://172.16.0.1/cb', '172.16.0.1 is a private address'],
    ['https://172.31.255.255/cb', '172.31.255.255 is a private address'],
    ['https://192.168.1.1/cb', '192.168.1.1 is a private address'],
    ['https://0xc0.0xa8.1.1/cb', '192.168.1.1 is a private address'],
    ['https://100.64.0.1/cb', '100.64.0.1 is a private address'],
    ['https://[fd00::1]/cb', 'fd00::1 is a private address'],
    ['https://[fc00::5]/cb', 'fc00::5 is a private address'],
    ['https://[::ffff:10.0.0.1]/cb', '::ffff:a00:1 carries 10.0.0.1, a private address'],
    ['https://0.0.0.0/cb', '0.0.0.0 is an unspecified address'],
    ['https://0/cb', '0.0.0.0 is an unspecified address'],
    ['https://[::]/cb', ':: is an unspecified address'],
    ['https://224.0.0.1/cb', '224.0.0.1 is a reserved address'],
    ['https://intranet/cb', 'intranet is not a public host name'],
    ['ftp://crm.example.com/cb', 'must be an https URL'],
    ['http://crm.example.com/cb', 'must be an https URL'],
    ['https://user:pw@crm.example.com/cb', 'must not carry a user name or password'],
    ['not a url', 'must be an absolute URL'],
  ])('X3: %s is refused: %s', (url, reason) => {
    expect(outboundUrlProblem(url, AWS)).toBe(reason);
  });

  it.each([
    'https://crm.example.com/switchboard',
    'https://8.8.8.8/cb',
    'https://172.32.0.1/cb',
    'https://100.128.0.1/cb',
    'https://[2001:4860:4860::8888]/cb',
    'https://[::ffff:8.8.8.8]/cb',
  ])('X3: %s is a public target', (url) => {
    expect(outboundUrlProblem(url, AWS)).toBeUndefined();
  });

  it('X3: the local allowance admits loopback over http, and nothing else inside', () => {
    expect(outboundUrlProblem('http://127.0.0.1:4005/api-callback/crm', LOCAL)).toBeUndefined();
    expect(outboundUrlProblem('http://localhost:8080/hook', LOCAL)).toBeUndefined();
    expect(outboundUrlProblem('http://[::1]:8080/hook', LOCAL)).toBeUndefined();
    expect(outboundUrlProblem('http://crm.example.com/hook', LOCAL)).toBe('must be an https URL');
    expect(outboundUrlProblem('http://10.0.0.1/hook', LOCAL)).toBe('must be an https URL');
    expect(outboundUrlProblem('https://169.254.169.254/', LOCAL)).toBe('169.254.169.254 is a link-local address');
    expect(outboundUrlProblem('https://192.168.0.1/', LOCAL)).toBe('192.168.0.1 is a private address');
  });

  it('X3: the allowance is the environment setting "1" and nothing else', () => {
    expect(outboundPolicy({ [ALLOW_LOOPBACK_OUTBOUND_ENV]: '1' })).toEqual(LOCAL);
    expect(outboundPolicy({ [ALLOW_LOOPBACK_OUTBOUND_ENV]: 'true' })).toEqual(AWS);
    expect(outboundPolicy({})).toEqual(AWS);
  });

  it('X3: the predicate follows the process setting', () => {
    const before = process.env[ALLOW_LOOPBACK_OUTBOUND_ENV];
    try {
      process.env[ALLOW_LOOPBACK_OUTBOUND_ENV] = '1';
      expect(isOutboundUrl('http://127.0.0.1:9/cb')).toBe(true);
      delete process.env[ALLOW_LOOPBACK_OUTBOUND_ENV];
      expect(isOutboundUrl('http://127.0.0.1:9/cb')).toBe(false);
      expect(isOutboundUrl('https://crm.example.com/cb')).toBe(true);
    } finally {
      if (before === undefined) delete process.env[ALLOW_LOOPBACK_OUTBOUND_ENV];
      else process.env[ALLOW_LOOPBACK_OUTBOUND_ENV] = before;
    }
  });

  it('X3: addresses as DNS answers them are judged the same way', () => {
    expect(addressProblem('::ffff:a9fe:a9fe', AWS)).toBe(
      '::ffff:a9fe:a9fe carries 169.254.169.254, a link-local address',
    );
    expect(addressProblem('127.8.9.10', AWS)).toBe('127.8.9.10 is a loopback address');
    expect(addressProblem('93.184.215.14', AWS)).toBeUndefined();
    expect(addressProblem('example', AWS)).toBe('example is not an IP address');
  });
});

describe('X3 outbound URLs at send time', () => {
  const answering =
    (...addresses: string[]) =>
    async () =>
      addresses;

  it('X3: a public name that resolves to 127.0.0.1 is refused at send time', async () => {
    const sent = assertSendableUrl('https://crm.example.com/cb', { policy: AWS, resolve: answering('127.0.0.1') });
    await expect(sent).rejects.toBeInstanceOf(OutboundUrlRefused);
    await expect(sent).rejects.toThrow('crm.example.com resolves to a loopback address (127.0.0.1)');
  });

  it('X3: one inside answer among public ones is enough to refuse', async () => {
    const resolve = answering('93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c', '::ffff:10.0.0.7');
    await expect(assertSendableUrl('https://crm.example.com/cb', { policy: AWS, resolve })).rejects.toThrow(
      'crm.example.com resolves to a private address (::ffff:10.0.0.7)',
    );
  });

  it('X3: a name pointing at the metadata service is refused even under the local allowance', async () => {
    await expect(
      assertSendableUrl('https://meta.example.com/', { policy: LOCAL, resolve: answering('169.254.169.254') }),
    ).rejects.toThrow('link-local');
  });

  it('X3: public answers pass; an IP literal is not resolved again', async () => {
    let asked = 0;
    const resolve = async () => {
      asked++;
      return ['93.184.215.14'];
    };
    await expect(assertSendableUrl('https://crm.example.com/cb', { policy: AWS, resolve })).resolves.toBeUndefined();
    await expect(assertSendableUrl('https://8.8.8.8/cb', { policy: AWS, resolve })).resolves.toBeUndefined();
    expect(asked).toBe(1);
  });

  it('X3: the refusal has a stable code', async () => {
    const refused = await assertSendableUrl('https://10.0.0.1/', { policy: AWS }).catch((error: unknown) => error);
    expect(refused).toMatchObject({
      code: 'outbound_url_refused',
      message: 'outbound URL refused: 10.0.0.1 is a private address',
    });
  });
});
