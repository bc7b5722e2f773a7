// R1, R2, O3 the pure parts of connection auth: the authorizer context round trip, a connection's audiences, who
// hears presence, JWT claims as API Gateway prints them, and the token configuration.
import { describe, expect, it } from 'vitest';
import { stringClaims } from '../../infra/local/authorizers';
import type { OperatorActor } from '../../shared/domain/actors';
import {
  type ConnectionPrincipal,
  connectionContextOf,
  principalFromContext,
  principalKeyOf,
} from '../../shared/realtime/connection-principal';
import { readTokenConfig } from '../../shared/realtime/operator-tokens';
import { audiencesOf, presenceAudiences } from '../../shared/realtime/presence';

const operator = (overrides: Partial<OperatorActor> = {}): OperatorActor => ({
  kind: 'operator',
  operatorId: 'op_1',
  role: 'operator',
  groupIds: [],
  ...overrides,
});

describe('R1: the authorizer context carries the principal as flat strings', () => {
  it.each<ConnectionPrincipal>([
    { kind: 'operator', operatorId: 'op_1' },
    { kind: 'visitor', clientId: 'cl_1', channelId: 'ch_1' },
  ])('R1: %o survives the round trip through API Gateway’s context', (principal) => {
    const context = connectionContextOf(principal);
    expect(Object.values(context).every((value) => typeof value === 'string')).toBe(true);
    // API Gateway adds its own keys next to ours.
    expect(
      principalFromContext({ ...context, principalId: principalKeyOf(principal), integrationLatency: 12 }),
    ).toEqual(principal);
  });

  it.each([
    ['nothing', undefined],
    ['an empty context', {}],
    ['a principal that names someone else', { principal: 'operator#op_2', operatorId: 'op_1' }],
    ['a visitor without its channel', { principal: 'visitor#cl_1', clientId: 'cl_1' }],
    ['a non-string id', { principal: 'operator#1', operatorId: 1 }],
  ])('R1: %s yields no principal', (_what, context) => {
    expect(principalFromContext(context)).toBeUndefined();
  });
});

describe('R2/O3: audiences', () => {
  it('R2: an operator listens as itself and per group; staff also as `staff`; no group means `ungrouped`', () => {
    expect(audiencesOf(operator({ groupIds: ['g1', 'g2'] }))).toEqual(['operator#op_1', 'group#g1', 'group#g2']);
    expect(audiencesOf(operator({ role: 'supervisor' }))).toEqual(['operator#op_1', 'staff', 'ungrouped']);
    expect(audiencesOf(operator({ role: 'admin', groupIds: ['g1'] }))).toEqual(['operator#op_1', 'staff', 'group#g1']);
    expect(audiencesOf({ kind: 'visitor', clientId: 'cl_1', channelId: 'ch_1' })).toEqual(['visitor#cl_1']);
  });

  it('O3: presence goes to staff and to each of the operator’s groups', () => {
    expect(presenceAudiences(['g1', 'g2'])).toEqual(['staff', 'group#g1', 'group#g2']);
    expect(presenceAudiences([])).toEqual(['staff']);
  });
});

describe('R1: operator token plumbing', () => {
  it('R1: the local JWT authorizer prints claims as API Gateway does', () => {
    expect(
      stringClaims({ username: 'op_1', exp: 1700000000, admin: false, groups: ['a', 'b'], extra: { x: 1 } }),
    ).toEqual({ username: 'op_1', exp: '1700000000', admin: 'false', groups: '[a b]', extra: '{"x":1}' });
  });

  it('R1: the JWKS URI defaults to the issuer’s well-known path; a missing setting is a configuration error', () => {
    const issuer = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc';
    expect(readTokenConfig({ TOKEN_ISSUER: issuer, TOKEN_CLIENT_ID: 'client' })).toEqual({
      issuer,
      clientId: 'client',
      jwksUri: `${issuer}/.well-known/jwks.json`,
    });
    expect(() => readTokenConfig({ TOKEN_ISSUER: issuer })).toThrow(/TOKEN_CLIENT_ID/);
  });
});
