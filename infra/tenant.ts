// Per-tenant deployment settings, read from CDK context (`-c tenant=acme`) and validated before any construct exists.
import type { Node } from 'constructs';

export interface TenantSettings {
  /** Names the stack, the table and the `switchboard:tenant` tag. */
  readonly tenant: string;
  /** The SES identity (domain or address) transcripts are sent from; the send grant is scoped to it. */
  readonly sesIdentity: string;
  /** Whether sesIdentity fell back to the placeholder because the context did not set one. */
  readonly sesIdentityIsPlaceholder: boolean;
  /** The From address; inside sesIdentity. */
  readonly sesFrom: string;
  /** Origins allowed to upload and download attachments with presigned URLs. */
  readonly corsOrigins: readonly string[];
  /** Where alarm notifications are e-mailed (OP2); unset: the alarm topic has no subscriber yet. */
  readonly alarmEmail: string | undefined;
  /** Whether to create the tenant's CloudWatch dashboard (three per account are free, then $3 a month each). */
  readonly dashboard: boolean;
}

/** A deployment setting is missing or malformed; the message alone tells the operator what to pass. */
export class TenantSettingsError extends Error {
  override readonly name = 'TenantSettingsError';
}

// `.invalid` is reserved (RFC 2606), so the placeholder can never be verified in SES: until a real identity is
// configured, sending fails with an authorization error instead of going out under somebody else's domain.
export const PLACEHOLDER_SES_IDENTITY = 'switchboard.invalid';

const TENANT_PATTERN = /^[a-z][a-z0-9-]{1,23}$/;
const DOMAIN_PATTERN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
const ADDRESS_PATTERN = /^[^\s@<>]+@([^\s@<>]+)$/;
const ORIGIN_PATTERN = /^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/i;

export function stackNameOf(tenant: string): string {
  return `Switchboard-${tenant}`;
}

/** Returns the tenant name or throws a one-line explanation of what a valid one looks like. */
export function validateTenant(value: unknown): string {
  const rule = 'a lowercase letter followed by lowercase letters, digits or hyphens, 2 to 24 characters in all';
  if (typeof value !== 'string' || value === '') {
    throw new TenantSettingsError(`Missing tenant: pass -c tenant=<name> (${rule}).`);
  }
  if (!TENANT_PATTERN.test(value)) {
    throw new TenantSettingsError(`Invalid tenant '${value}': expected ${rule}, e.g. 'acme' or 'acme-eu1'.`);
  }
  return value;
}

export function validateSesIdentity(value: unknown): string {
  if (typeof value !== 'string' || (!DOMAIN_PATTERN.test(value) && !ADDRESS_PATTERN.test(value))) {
    throw new TenantSettingsError(
      `Invalid sesIdentity '${String(value)}': expected a verified SES domain (example.org) or address (team@example.org).`,
    );
  }
  return value;
}

/** The From address must belong to the identity, otherwise SES refuses it and the IAM grant would not cover it. */
export function validateSesFrom(value: unknown, sesIdentity: string): string {
  const domain = typeof value === 'string' ? ADDRESS_PATTERN.exec(value)?.[1] : undefined;
  const identityIsAddress = sesIdentity.includes('@');
  const belongs = identityIsAddress
    ? typeof value === 'string' && value.toLowerCase() === sesIdentity.toLowerCase()
    : domain?.toLowerCase() === sesIdentity.toLowerCase();
  if (!belongs) {
    throw new TenantSettingsError(
      `Invalid sesFrom '${String(value)}': expected ${identityIsAddress ? sesIdentity : `an address @${sesIdentity}`} (the sesIdentity).`,
    );
  }
  return value as string;
}

export function validateCorsOrigins(value: unknown): string[] {
  const origins = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [];
  const trimmed = origins.map((origin) => (typeof origin === 'string' ? origin.trim() : '')).filter(Boolean);
  const bad = trimmed.find((origin) => origin !== '*' && !ORIGIN_PATTERN.test(origin));
  if (trimmed.length === 0 || bad !== undefined) {
    throw new TenantSettingsError(
      `Invalid corsOrigins '${String(value)}': expected '*' or comma-separated origins such as https://support.example.org.`,
    );
  }
  return trimmed;
}

export function validateAlarmEmail(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !ADDRESS_PATTERN.test(value) || !value.includes('.')) {
    throw new TenantSettingsError(
      `Invalid alarmEmail '${String(value)}': expected an e-mail address such as ops@example.org.`,
    );
  }
  return value;
}

export function validateDashboard(value: unknown): boolean {
  if (value === undefined || value === false || value === 'false') return false;
  if (value === true || value === 'true') return true;
  throw new TenantSettingsError(`Invalid dashboard '${String(value)}': expected true or false.`);
}

/** Reads `tenant`, `sesIdentity`, `sesFrom`, `corsOrigins`, `alarmEmail` and `dashboard` from the app's context. */
export function readTenantSettings(node: Node): TenantSettings {
  const tenant = validateTenant(node.tryGetContext('tenant'));
  // cdk.json carries empty strings as documentation of the keys, so empty means unset.
  const contextValue = (key: string): unknown => {
    const value: unknown = node.tryGetContext(key);
    return value === '' ? undefined : value;
  };
  const identityContext = contextValue('sesIdentity');
  const sesIdentity = validateSesIdentity(identityContext ?? PLACEHOLDER_SES_IDENTITY);
  const fromContext = contextValue('sesFrom');
  const sesFrom =
    fromContext === undefined
      ? sesIdentity.includes('@')
        ? sesIdentity
        : `no-reply@${sesIdentity}`
      : validateSesFrom(fromContext, sesIdentity);
  return {
    tenant,
    sesIdentity,
    sesIdentityIsPlaceholder: identityContext === undefined,
    sesFrom,
    corsOrigins: validateCorsOrigins(contextValue('corsOrigins') ?? '*'),
    alarmEmail: validateAlarmEmail(contextValue('alarmEmail')),
    dashboard: validateDashboard(contextValue('dashboard')),
  };
}
