// Least privilege (X2): every function's IAM policy is exactly what its route rows grant (infra/routes.ts), and the
// public entry points get no more than they use.
import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { readableFamilies, writableFamilies } from '../../infra/grants';
import { grantsOf, handlerEntries, schedules, streamConsumers } from '../../infra/routes';
import {
  ATTACHMENT_ACTIONS,
  createTenantStack,
  type SwitchboardStack,
  TABLE_READ_ACTIONS,
  TABLE_WRITE_ACTIONS,
} from '../../infra/stack';
import { ITEM_FAMILIES, type ItemFamily } from '../../shared/store/keys';

type Json = Record<string, unknown>;
interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Json;
}

const HEALTH = 'functions/http/health.ts';
const WEBHOOK = 'functions/http/channel-webhook.ts';
const TIMERS = 'functions/scheduled/timers.ts';
/** What a DynamoDB event source mapping grants its function on the table's stream. */
const STREAM_READ_ACTIONS = [
  'dynamodb:DescribeStream',
  'dynamodb:GetRecords',
  'dynamodb:GetShardIterator',
  'dynamodb:ListStreams',
];
/** CloudFormation's limit on a stack's resources, and IAM's on the inline policies of one role. */
const MAX_RESOURCES = 500;
const MAX_ROLE_POLICY_BYTES = 10_240;

let stack: SwitchboardStack;
let resources: Record<string, { Type: string; Properties: Json }>;

beforeAll(() => {
  // Bundling is skipped: only the policies matter here, and stack.test.ts builds the real assets.
  stack = createTenantStack(new App({ context: { tenant: 'acme', 'aws:cdk:bundling-stacks': [] } }));
  resources = Template.fromStack(stack).toJSON().Resources as typeof resources;
}, 120_000);

function policiesOf(entry: string) {
  const role = stack.functions.get(entry)?.role;
  if (!role) throw new Error(`no role for ${entry}`);
  const roleId = stack.getLogicalId(role.node.defaultChild as CfnElement);
  return Object.values(resources).filter(
    (r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(`"${roleId}"`),
  );
}
const statementsOf = (entry: string): Statement[] =>
  policiesOf(entry).flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
const actionsOf = (statement: Statement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];
const allowedActionsOf = (entry: string): string[] =>
  statementsOf(entry)
    .filter((s) => s.Effect === 'Allow')
    .flatMap(actionsOf);
const leadingKeysOf = (statement: Statement | undefined): string[] =>
  ((statement?.Condition?.['ForAllValues:StringLike'] as Json | undefined)?.['dynamodb:LeadingKeys'] as string[]) ?? [];
const patternsOf = (families: readonly ItemFamily[]): string[] =>
  [...new Set(families.flatMap((family) => ITEM_FAMILIES[family]))].sort();

describe('X2: least privilege from the route table', () => {
  it('X2: the /health function has no S3 or SES permission and only reads the table', () => {
    const actions = allowedActionsOf(HEALTH);
    expect(actions.filter((a) => a.startsWith('s3:') || a.startsWith('ses:'))).toEqual([]);
    const table = actions.filter((a) => a.startsWith('dynamodb:'));
    expect(table.sort()).toEqual([...TABLE_READ_ACTIONS].sort());
    const read = statementsOf(HEALTH).find((s) => s.Sid === 'TableRead');
    expect(leadingKeysOf(read).sort()).toEqual(patternsOf(['connections']));
    expect(actions.filter((a) => !a.startsWith('dynamodb:') && !a.startsWith('xray:'))).toEqual([]);
  });

  it('X2: the channel webhook function cannot send e-mail or administer logins', () => {
    const actions = allowedActionsOf(WEBHOOK);
    expect(actions.filter((a) => a.startsWith('ses:'))).toEqual([]);
    expect(actions.filter((a) => a.startsWith('cognito-idp:'))).toEqual([]);
    // It stores inbound media and hands stored files to the provider, never deletes them.
    expect(actions.filter((a) => a.startsWith('s3:')).sort()).toEqual(['s3:GetObject', 's3:PutObject']);
  });

  it('X2: no function has dynamodb:*, dynamodb:Scan or any wildcard action', () => {
    for (const entry of handlerEntries()) {
      const actions = statementsOf(entry).flatMap(actionsOf);
      expect(actions, entry).not.toContain('dynamodb:Scan');
      expect(
        actions.filter((a) => a.includes('*')),
        entry,
      ).toEqual([]);
    }
  });

  it('S4: the timers function may send wake-ups and reads and writes the timer family; the search consumer may not', () => {
    const timers = statementsOf(TIMERS);
    expect(timers.flatMap(actionsOf)).toContain('sqs:SendMessage');
    const queueId = stack.getLogicalId(stack.timerWakeUps.node.defaultChild as CfnElement);
    const send = timers.find((s) => actionsOf(s).includes('sqs:SendMessage'));
    expect(JSON.stringify(send?.Resource)).toContain(queueId);
    for (const sid of ['TableRead', 'TableWrite']) {
      expect(leadingKeysOf(timers.find((s) => s.Sid === sid)), sid).toEqual(
        expect.arrayContaining([...ITEM_FAMILIES.timers]),
      );
    }
    // The search consumer sends only given-up batches to its failure queue, never a wake-up.
    const consumer = statementsOf('functions/stream/search-index.ts');
    expect(consumer.some((s) => JSON.stringify(s.Resource).includes(queueId))).toBe(false);
  });

  it("X2: each function's policy is exactly what its route rows grant", () => {
    const wokenBy = new Set(schedules.filter((s) => s.wakeUpQueue).map((s) => s.entry));
    for (const entry of handlerEntries()) {
      const grants = grantsOf(entry);
      const statements = statementsOf(entry);
      const bySid = (sid: string) => statements.filter((s) => s.Sid === sid);
      const readable = readableFamilies(grants);
      const writable = writableFamilies(grants);

      const [read, ...extraRead] = bySid('TableRead');
      expect(extraRead, entry).toEqual([]);
      if (readable.length === 0) expect(read, entry).toBeUndefined();
      else {
        expect(actionsOf(read as Statement).sort(), entry).toEqual([...TABLE_READ_ACTIONS].sort());
        expect(leadingKeysOf(read).sort(), entry).toEqual(patternsOf(readable));
      }
      const [write, ...extraWrite] = bySid('TableWrite');
      expect(extraWrite, entry).toEqual([]);
      if (writable.length === 0) expect(write, entry).toBeUndefined();
      else {
        expect(actionsOf(write as Statement).sort(), entry).toEqual([...TABLE_WRITE_ACTIONS].sort());
        expect(leadingKeysOf(write).sort(), entry).toEqual(patternsOf(writable));
      }
      const allowed = statements.filter((s) => s.Effect === 'Allow').flatMap(actionsOf);
      const s3 = allowed.filter((a) => a.startsWith('s3:'));
      expect(s3.sort(), entry).toEqual(grants.attachments.map((a) => ATTACHMENT_ACTIONS[a]).sort());
      const has = (prefix: string) => allowed.some((a) => a.startsWith(prefix));
      expect(has('ses:'), entry).toBe(grants.email);
      expect(has('execute-api:'), entry).toBe(grants.push);
      expect(has('cognito-idp:'), entry).toBe(grants.logins);
      const queueId = stack.getLogicalId(stack.timerWakeUps.node.defaultChild as CfnElement);
      const sendsWakeUps = statements.some(
        (s) => actionsOf(s).includes('sqs:SendMessage') && JSON.stringify(s.Resource).includes(queueId),
      );
      expect(sendsWakeUps, entry).toBe(grants.wakeUps);
      // Nothing else: tracing, and for a stream or queue consumer its event source's reads, are the only grants not
      // from the route table.
      const consumer = streamConsumers.some((c) => c.entry === entry);
      const services = new Set(allowed.map((a) => a.split(':')[0]));
      const sqs = grants.wakeUps || consumer || wokenBy.has(entry);
      for (const service of services) {
        expect(
          ['dynamodb', 's3', 'ses', 'execute-api', 'cognito-idp', 'xray', ...(sqs ? ['sqs'] : [])],
          entry,
        ).toContain(service);
      }
      const otherTable = statements
        .filter((s) => s.Sid !== 'TableRead' && s.Sid !== 'TableWrite' && s.Effect === 'Allow')
        .flatMap(actionsOf)
        .filter((a) => a.startsWith('dynamodb:'));
      expect(otherTable.sort(), entry).toEqual(consumer ? [...STREAM_READ_ACTIONS].sort() : []);
    }
  });

  it('X2: the public routes, the webhook and the admin routes run in functions apart from the operator protocol', () => {
    for (const entry of ['functions/http/health.ts', 'functions/http/widget-session.ts', WEBHOOK]) {
      expect(grantsOf(entry).logins, entry).toBe(false);
      expect(grantsOf(entry).email, entry).toBe(false);
    }
    expect(grantsOf(HEALTH).push).toBe(false);
    expect(grantsOf('functions/http/widget-session.ts').push).toBe(false);
    expect(grantsOf('functions/http/widget-session.ts').attachments).toEqual([]);
    // Only the operators admin administers logins.
    expect(handlerEntries().filter((entry) => grantsOf(entry).logins)).toEqual(['functions/http/admin/operators.ts']);
  });

  it('Foundation: the stack stays under CloudFormation resource and IAM policy size limits', () => {
    expect(Object.keys(resources).length).toBeLessThan(MAX_RESOURCES);
    for (const entry of handlerEntries()) {
      const bytes = policiesOf(entry).reduce(
        (sum, r) => sum + JSON.stringify(r.Properties.PolicyDocument).replace(/\s/g, '').length,
        0,
      );
      expect(bytes, entry).toBeLessThan(MAX_ROLE_POLICY_BYTES);
    }
    // One invoke permission per function and API, whatever its number of routes (Lambda's resource policy: 20 KB).
    const permissions = Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::Permission');
    const perFunction = new Map<string, number>();
    for (const permission of permissions) {
      const fn = JSON.stringify(permission.Properties.FunctionName);
      perFunction.set(fn, (perFunction.get(fn) ?? 0) + 1);
    }
    for (const [fn, count] of perFunction) expect(count, fn).toBeLessThanOrEqual(3);
  });
});
