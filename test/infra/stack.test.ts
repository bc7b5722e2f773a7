// CDK assertions for one tenant's stack: every property the deployment relies on, derived from the route table and
// the table definition, operator sign-in and the API authorizers, plus cdk-nag's AWS Solutions checks and the
// tenant-name rule.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { App, Aspects, type CfnElement, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import type { SynthesisMessage } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { LOGIN_ADMIN_ACTIONS, OPERATOR_TOKEN_SCOPE } from '../../infra/constructs/operator-user-pool';
import { repoRoot } from '../../infra/constructs/switchboard-function';
import {
  channelSecretReaders,
  grantsOf,
  handlerEntries,
  httpRoutes,
  schedules,
  streamConsumers,
  WS_ROUTE_SELECTION,
  webSocketAuthorizer,
  webSocketRoutes,
} from '../../infra/routes';
import { createTenantStack, type SwitchboardStack, TENANT_TAG, WEBSOCKET_STAGE } from '../../infra/stack';
import {
  PLACEHOLDER_SES_IDENTITY,
  readTenantSettings,
  TenantSettingsError,
  validateSesFrom,
  validateTenant,
} from '../../infra/tenant';
import { ALLOW_LOOPBACK_OUTBOUND_ENV } from '../../shared/channels/outbound-url';
import { ENV } from '../../shared/platform/config';
import { LOGIN_ENV } from '../../shared/platform/logins';
import { TOKEN_ENV } from '../../shared/realtime/operator-tokens';
import { tableDefinition } from '../../shared/store/keys';

type Json = Record<string, unknown>;
interface Resource {
  Type: string;
  Properties: Json;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  Metadata?: { cdk_nag?: { rules_to_suppress?: { id: string; reason: string }[] } };
}
interface Statement {
  Action: string | string[];
  Resource: unknown;
}

const SES_IDENTITY = 'acme.example';
/** The admin operators API: it provisions logins (shared/platform/logins.ts) and closes a disabled operator's sockets. */
const OPERATORS_ADMIN_ENTRY = 'functions/http/admin/operators.ts';
const CHANNELS_ADMIN_ENTRY = 'functions/http/admin/channels.ts';

let stack: SwitchboardStack;
let template: Template;
let resources: Record<string, Resource>;

beforeAll(() => {
  const app = new App({ context: { tenant: 'acme', sesIdentity: SES_IDENTITY } });
  stack = createTenantStack(app);
  template = Template.fromStack(stack);
  const raw = template.toJSON().Resources as Record<string, Omit<Resource, 'Properties'> & { Properties?: Json }>;
  resources = Object.fromEntries(Object.entries(raw).map(([id, r]) => [id, { ...r, Properties: r.Properties ?? {} }]));
}, 300_000); // bundling every function takes minutes on a loaded two-core machine

const logicalIdOf = (element: unknown): string => stack.getLogicalId(element as CfnElement);

function resourceAt(logicalId: string): Resource {
  const resource = resources[logicalId];
  if (!resource) throw new Error(`no resource ${logicalId}`);
  return resource;
}

function functionOf(entry: string) {
  const fn = stack.functions.get(entry);
  if (!fn) throw new Error(`no function for ${entry}`);
  return fn;
}

function statementsOf(entry: string): Statement[] {
  const role = functionOf(entry).role;
  if (!role) throw new Error(`no role for ${entry}`);
  const roleId = logicalIdOf(role.node.defaultChild);
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .filter((r) => JSON.stringify(r.Properties.Roles).includes(`"${roleId}"`))
    .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

const actionsOf = (statement: Statement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

const rateOf = (minutes: number): string => `rate(${minutes} ${minutes === 1 ? 'minute' : 'minutes'})`;

describe('Foundation: table', () => {
  it('Foundation: table keys, GSIs and TTL come from tableDefinition, all strings', () => {
    const keyAttributes = [
      tableDefinition.partitionKey,
      tableDefinition.sortKey,
      ...tableDefinition.indexes.flatMap((index) => [index.partitionKey, index.sortKey]),
      ...tableDefinition.localIndexes.map((index) => index.sortKey),
    ];
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'switchboard-acme',
      KeySchema: [
        { AttributeName: tableDefinition.partitionKey, KeyType: 'HASH' },
        { AttributeName: tableDefinition.sortKey, KeyType: 'RANGE' },
      ],
      AttributeDefinitions: Match.arrayEquals(
        keyAttributes.map((name) => ({ AttributeName: name, AttributeType: 'S' })),
      ),
      TimeToLiveSpecification: { AttributeName: tableDefinition.ttlAttribute, Enabled: true },
      GlobalSecondaryIndexes: tableDefinition.indexes.map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
      LocalSecondaryIndexes: tableDefinition.localIndexes.map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: tableDefinition.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    });
  });

  it('Foundation: table is on-demand, point-in-time recoverable, encrypted, protected and retained', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        DeletionProtectionEnabled: true,
      }),
    });
  });
});

describe('Foundation: attachments bucket', () => {
  const attachmentsId = () => logicalIdOf(stack.attachments.node.defaultChild);

  it('Foundation: bucket blocks public access, is S3-encrypted, logged and retained', () => {
    const bucket = resourceAt(attachmentsId());
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      LoggingConfiguration: { DestinationBucketName: { Ref: expect.any(String) } },
    });
  });

  it('Foundation: bucket allows presigned PUT/GET/HEAD from the configured origins and aborts stale uploads', () => {
    expect(resourceAt(attachmentsId()).Properties).toMatchObject({
      CorsConfiguration: {
        CorsRules: [{ AllowedMethods: ['PUT', 'GET', 'HEAD'], AllowedOrigins: ['*'], ExposedHeaders: ['ETag'] }],
      },
      LifecycleConfiguration: {
        Rules: [{ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' }],
      },
    });
  });

  it('Foundation: every bucket denies requests without TLS', () => {
    const bucketIds = stack.node
      .findAll()
      .filter((c): c is Bucket => c instanceof Bucket)
      .map((b) => logicalIdOf(b.node.defaultChild));
    expect(bucketIds.length).toBe(2);
    for (const bucketId of bucketIds) {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: bucketId },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
  });

  it('Foundation: corsOrigins context narrows the bucket and HTTP API origins', () => {
    const app = new App({
      context: { tenant: 'beta', corsOrigins: 'https://a.example,https://b.example', 'aws:cdk:bundling-stacks': [] },
    });
    const narrowed = Template.fromStack(createTenantStack(app));
    const origins = ['https://a.example', 'https://b.example'];
    narrowed.hasResourceProperties('AWS::S3::Bucket', {
      CorsConfiguration: { CorsRules: [Match.objectLike({ AllowedOrigins: origins })] },
    });
    narrowed.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      CorsConfiguration: Match.objectLike({ AllowOrigins: origins }),
    });
  });
});

describe('Foundation: WebSocket API', () => {
  const wsApiId = () => logicalIdOf(stack.webSocketApi.node.defaultChild);
  const wsRoutes = () =>
    Object.entries(resources).filter(
      ([, r]) => r.Type === 'AWS::ApiGatewayV2::Route' && (r.Properties.ApiId as Json).Ref === wsApiId(),
    );

  it('Foundation: WebSocket API selects routes by $request.body.action', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'WEBSOCKET',
      RouteSelectionExpression: WS_ROUTE_SELECTION,
    });
  });

  it('Foundation: one WebSocket route per webSocketRoutes entry', () => {
    const keys = wsRoutes().map(([, r]) => r.Properties.RouteKey);
    expect(keys.sort()).toEqual(webSocketRoutes.map((route) => route.routeKey).sort());
  });

  it('Foundation: routes marked replies return the handler result as a route response, others do not', () => {
    const responses = Object.values(resources).filter((r) => r.Type === 'AWS::ApiGatewayV2::RouteResponse');
    const answered = new Set(responses.map((r) => (r.Properties.RouteId as Json).Ref));
    for (const [id, route] of wsRoutes()) {
      const spec = webSocketRoutes.find((r) => r.routeKey === route.Properties.RouteKey);
      expect(answered.has(id), `${spec?.routeKey} replies=${spec?.replies}`).toBe(spec?.replies);
      if (spec?.replies) expect(route.Properties.RouteResponseSelectionExpression).toBe('$default');
    }
    for (const response of responses) expect(response.Properties.RouteResponseKey).toBe('$default');
  });

  it('Foundation: WebSocket stage is live, auto-deployed and throttled', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      ApiId: { Ref: wsApiId() },
      StageName: WEBSOCKET_STAGE,
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: Match.anyValue(), ThrottlingBurstLimit: Match.anyValue() },
    });
  });
});

describe('Foundation: HTTP API', () => {
  const httpApiId = () => logicalIdOf(stack.httpApi.node.defaultChild);

  it('Foundation: one HTTP route per httpRoutes entry (GET /health)', () => {
    const keys = Object.values(resources)
      .filter((r) => r.Type === 'AWS::ApiGatewayV2::Route' && (r.Properties.ApiId as Json).Ref === httpApiId())
      .map((r) => r.Properties.RouteKey);
    expect(keys.sort()).toEqual(httpRoutes.map((route) => `${route.method} ${route.path}`).sort());
    expect(keys).toContain('GET /health');
  });

  it('Foundation: HTTP API answers CORS preflight for the routed methods', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      CorsConfiguration: Match.objectLike({
        AllowMethods: Match.arrayWith([...new Set(httpRoutes.map((route) => route.method))]),
        AllowOrigins: ['*'],
      }),
    });
  });

  it('Foundation: HTTP default stage auto-deploys with access logs and throttling', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      ApiId: { Ref: httpApiId() },
      StageName: '$default',
      AutoDeploy: true,
      AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] }, Format: Match.anyValue() },
      DefaultRouteSettings: Match.objectLike({ ThrottlingRateLimit: Match.anyValue() }),
    });
  });
});

describe('Foundation: functions', () => {
  it('Foundation: one function per handler entry, and no others', () => {
    template.resourceCountIs('AWS::Lambda::Function', handlerEntries().length);
    expect([...stack.functions.keys()].sort()).toEqual(handlerEntries().sort());
  });

  it('Foundation: every function runs nodejs24.x on arm64 with tracing, source maps and the shared environment', () => {
    for (const entry of handlerEntries()) {
      const fn = resourceAt(logicalIdOf(functionOf(entry).node.defaultChild));
      expect(fn.Properties, entry).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        MemorySize: 512,
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
        Timeout: [...schedules, ...streamConsumers].some((s) => s.entry === entry) ? 60 : 10,
        Environment: {
          Variables: {
            [ENV.tableName]: { Ref: logicalIdOf(stack.table.node.defaultChild) },
            [ENV.bucketName]: { Ref: logicalIdOf(stack.attachments.node.defaultChild) },
            [ENV.sesFrom]: `no-reply@${SES_IDENTITY}`,
            NODE_OPTIONS: '--enable-source-maps',
          },
        },
      });
      const endpoint = JSON.stringify(
        (fn.Properties.Environment as { Variables: Json }).Variables[ENV.wsManagementEndpoint],
      );
      expect(endpoint).toContain('"https://"');
      expect(endpoint).toContain(`"/${WEBSOCKET_STAGE}"`);
      expect(endpoint).toContain(logicalIdOf(stack.webSocketApi.node.defaultChild));
    }
  });

  it("X3: no function is allowed loopback outbound URLs (that setting is the local stack's alone)", () => {
    for (const entry of handlerEntries()) {
      const fn = resourceAt(logicalIdOf(functionOf(entry).node.defaultChild));
      const variables = (fn.Properties.Environment as { Variables: Json }).Variables;
      expect(Object.keys(variables), entry).not.toContain(ALLOW_LOOPBACK_OUTBOUND_ENV);
    }
  });

  it('Foundation: every function logs to its own log group kept for a month', () => {
    for (const entry of handlerEntries()) {
      const fn = resourceAt(logicalIdOf(functionOf(entry).node.defaultChild));
      const logGroupId = ((fn.Properties.LoggingConfig as Json).LogGroup as Json).Ref as string;
      expect(resourceAt(logGroupId).Type).toBe('AWS::Logs::LogGroup');
      expect(resourceAt(logGroupId).Properties.RetentionInDays).toBe(30);
    }
  });

  it('Foundation: one EventBridge rule per schedule, at its rate, targeting its function', () => {
    template.resourceCountIs('AWS::Events::Rule', schedules.length);
    for (const schedule of schedules) {
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: rateOf(schedule.everyMinutes),
        State: 'ENABLED',
        Targets: [
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [logicalIdOf(functionOf(schedule.entry).node.defaultChild), 'Arn'] },
          }),
        ],
      });
    }
  });
});

describe('Foundation: least privilege', () => {
  it('Foundation: table access is on this table and its indexes only, and only for functions granted any', () => {
    const tableId = logicalIdOf(stack.table.node.defaultChild);
    for (const entry of handlerEntries()) {
      const table = statementsOf(entry).filter((s) => (s as { Sid?: string }).Sid?.startsWith('Table'));
      const grants = grantsOf(entry);
      const granted = grants.read.length + grants.write.length + grants.writeOnly.length > 0;
      expect(table.length > 0, entry).toBe(granted);
      for (const statement of table) {
        expect(JSON.stringify(statement.Resource), entry).toContain(tableId);
        expect(JSON.stringify(statement.Resource), entry).toContain('/index/*');
      }
    }
  });

  it('Foundation: ses:SendEmail/SendRawEmail is scoped to the configured identity ARN, for transcripts only', () => {
    const senders = handlerEntries().filter((entry) =>
      statementsOf(entry).some((s) => actionsOf(s).some((a) => a.startsWith('ses:'))),
    );
    // M9: transcripts are mailed by the operator protocol, over WebSocket and HTTP.
    expect(senders.sort()).toEqual(['functions/http/operator-api.ts', 'functions/ws/operator-action.ts']);
    for (const entry of senders) {
      const ses = statementsOf(entry).filter((s) => actionsOf(s).some((a) => a.startsWith('ses:')));
      expect(ses, entry).toHaveLength(1);
      expect(actionsOf(ses[0] as Statement).sort()).toEqual(['ses:SendEmail', 'ses:SendRawEmail']);
      expect(ses[0]?.Resource).toEqual({
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':ses:',
            { Ref: 'AWS::Region' },
            ':',
            { Ref: 'AWS::AccountId' },
            `:identity/${SES_IDENTITY}`,
          ],
        ],
      });
    }
  });

  it('Foundation: functions whose rows push (ticket events, presence, ping, closing sockets) may manage connections of the live stage only; others may not', () => {
    const pushers = handlerEntries().filter((entry) => grantsOf(entry).push);
    // The operator API publishes ticket events, a channel webhook pushes new client messages, the operators admin API
    // closes a disabled operator's sockets; an unknown action, whoami and the public routes push nothing.
    expect(pushers).toEqual(
      expect.arrayContaining([
        'functions/http/operator-api.ts',
        'functions/http/channel-webhook.ts',
        OPERATORS_ADMIN_ENTRY,
        'functions/ws/connect.ts',
        'functions/ws/operator-action.ts',
        'functions/scheduled/timers.ts',
      ]),
    );
    for (const entry of ['functions/http/health.ts', 'functions/ws/unknown-action.ts', 'functions/ws/whoami.ts']) {
      expect(pushers, entry).not.toContain(entry);
    }
    const wsApiId = logicalIdOf(stack.webSocketApi.node.defaultChild);
    for (const entry of handlerEntries()) {
      const manage = statementsOf(entry).filter((s) => actionsOf(s).includes('execute-api:ManageConnections'));
      if (!pushers.includes(entry)) {
        expect(manage, entry).toHaveLength(0);
        continue;
      }
      expect(manage, entry).toHaveLength(1);
      const arn = JSON.stringify(manage[0]?.Resource);
      expect(arn).toContain(wsApiId);
      expect(arn).toContain(`/${WEBSOCKET_STAGE}/*/@connections/*`);
    }
  });
});

describe('X2: channel secrets', () => {
  const leadingKeysOf = (entry: string, sid: string) =>
    statementsOf(entry)
      .filter((s) => (s as { Sid?: string }).Sid === sid)
      .flatMap(
        (s) =>
          ((s as { Condition?: Record<string, Record<string, string[]>> }).Condition?.['ForAllValues:StringLike']?.[
            'dynamodb:LeadingKeys'
          ] ?? []) as string[],
      );

  it('X2: only the functions that verify webhooks or deliver may read the CHANNELSECRET# item family', () => {
    expect(channelSecretReaders().sort()).toEqual([
      'functions/http/channel-webhook.ts',
      'functions/http/operator-api.ts',
      'functions/scheduled/timers.ts',
      'functions/ws/operator-action.ts',
    ]);
    for (const entry of handlerEntries()) {
      const reads = leadingKeysOf(entry, 'TableRead').includes('CHANNELSECRET#*');
      expect(reads, entry).toBe(channelSecretReaders().includes(entry));
      // No Scan anywhere: it names no partition, so no key condition could fence it.
      expect(statementsOf(entry).flatMap(actionsOf), entry).not.toContain('dynamodb:Scan');
    }
  });

  it('X2: the channel admin function writes secrets without reading them back; others may not write them', () => {
    expect(leadingKeysOf(CHANNELS_ADMIN_ENTRY, 'TableWrite')).toContain('CHANNELSECRET#*');
    expect(leadingKeysOf(CHANNELS_ADMIN_ENTRY, 'TableRead')).not.toContain('CHANNELSECRET#*');
    const blind = statementsOf(CHANNELS_ADMIN_ENTRY).find((s) => (s as { Sid?: string }).Sid === 'TableWriteBlind');
    expect(blind).toMatchObject({
      Effect: 'Deny',
      Condition: {
        'ForAnyValue:StringLike': { 'dynamodb:LeadingKeys': ['CHANNELSECRET#*'] },
        StringEquals: { 'dynamodb:ReturnValues': expect.arrayContaining(['ALL_OLD', 'ALL_NEW']) },
      },
    });
    expect(actionsOf(blind as Statement)).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:UpdateItem']));
    for (const entry of handlerEntries().filter((e) => e !== CHANNELS_ADMIN_ENTRY)) {
      expect(leadingKeysOf(entry, 'TableWrite'), entry).not.toContain('CHANNELSECRET#*');
    }
  });
});

describe('W1/X2: webhook secrets', () => {
  const WEBHOOK_DELIVERY_ENTRY = 'functions/scheduled/timers.ts';
  const WEBHOOKS_ADMIN_ENTRY = 'functions/http/admin/webhooks.ts';
  const leadingKeysOf = (entry: string, sid: string) =>
    statementsOf(entry)
      .filter((s) => (s as { Sid?: string }).Sid === sid)
      .flatMap(
        (s) =>
          ((s as { Condition?: Record<string, Record<string, string[]>> }).Condition?.['ForAllValues:StringLike']?.[
            'dynamodb:LeadingKeys'
          ] ?? []) as string[],
      );

  it('W1/X2: only the delivery worker reads the WEBHOOKSECRET# item family; the webhook admin writes without reading back', () => {
    for (const entry of handlerEntries()) {
      const reads = leadingKeysOf(entry, 'TableRead').includes('WEBHOOKSECRET#*');
      const writes = leadingKeysOf(entry, 'TableWrite').includes('WEBHOOKSECRET#*');
      expect(reads, entry).toBe(entry === WEBHOOK_DELIVERY_ENTRY);
      expect(writes, entry).toBe(entry === WEBHOOKS_ADMIN_ENTRY);
    }
    const blind = statementsOf(WEBHOOKS_ADMIN_ENTRY).find((s) => (s as { Sid?: string }).Sid === 'TableWriteBlind');
    expect(blind).toMatchObject({
      Effect: 'Deny',
      Condition: {
        'ForAnyValue:StringLike': { 'dynamodb:LeadingKeys': ['WEBHOOKSECRET#*'] },
        StringEquals: { 'dynamodb:ReturnValues': expect.arrayContaining(['ALL_OLD', 'ALL_NEW']) },
      },
    });
  });
});

describe('Foundation: outputs and tags', () => {
  it('Foundation: stack outputs WebSocketUrl (wss), WebSocketManagementUrl (https), HttpApiUrl, bucket, table and sign-in', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs).sort()).toEqual(
      [
        'AlarmTopicArn',
        'AttachmentsBucket',
        'HttpApiUrl',
        'TableName',
        'WebSocketManagementUrl',
        'WebSocketUrl',
        'UserPoolId',
        'UserPoolClientId',
        'TokenIssuer',
      ].sort(),
    );
    expect(JSON.stringify(outputs.WebSocketUrl?.Value)).toMatch(/^\{"Fn::Join":\["",\["wss:\/\//);
    expect(JSON.stringify(outputs.WebSocketManagementUrl?.Value)).toMatch(/^\{"Fn::Join":\["",\["https:\/\//);
    expect(JSON.stringify(outputs.HttpApiUrl?.Value)).toMatch(/^\{"Fn::Join":\["",\["https:\/\//);
    expect(outputs.AttachmentsBucket?.Value).toEqual({ Ref: logicalIdOf(stack.attachments.node.defaultChild) });
    expect(outputs.TableName?.Value).toEqual({ Ref: logicalIdOf(stack.table.node.defaultChild) });
  });

  it('Foundation: stack is named Switchboard-<tenant> and every taggable resource carries switchboard:tenant', () => {
    expect(stack.stackName).toBe('Switchboard-acme');
    const mustBeTagged = ['AWS::DynamoDB::Table', 'AWS::S3::Bucket', 'AWS::Lambda::Function', 'AWS::IAM::Role'];
    for (const [id, resource] of Object.entries(resources)) {
      const tags = resource.Properties.Tags;
      if (tags === undefined) {
        expect(mustBeTagged, `${id} (${resource.Type}) has no tags`).not.toContain(resource.Type);
        continue;
      }
      // Most resources take a list of Key/Value pairs; API Gateway v2 takes a map.
      const value = Array.isArray(tags)
        ? (tags as { Key: string; Value: string }[]).find((tag) => tag.Key === TENANT_TAG)?.Value
        : (tags as Record<string, string>)[TENANT_TAG];
      expect(value, `${id} (${resource.Type})`).toBe('acme');
    }
  });
});

describe('Operator sign-in: user pool and app client', () => {
  const poolId = () => logicalIdOf(stack.operatorPool.userPool.node.defaultChild);
  const clientId = () => logicalIdOf(stack.operatorPool.client.node.defaultChild);
  /** `https://cognito-idp.<region>.amazonaws.com/<poolId>`, as Cognito writes `iss`. */
  const issuer = () => ({
    'Fn::Join': ['', ['https://cognito-idp.', { Ref: 'AWS::Region' }, '.amazonaws.com/', { Ref: poolId() }]],
  });

  it('Operator sign-in: one user pool, admin-created users only, strong passwords, retained and protected', () => {
    template.resourceCountIs('AWS::Cognito::UserPool', 1);
    const pool = resourceAt(poolId());
    expect(pool.DeletionPolicy).toBe('Retain');
    expect(pool.UpdateReplacePolicy).toBe('Retain');
    expect(pool.Properties).toMatchObject({
      UserPoolName: 'switchboard-acme-operators',
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      DeletionProtection: 'ACTIVE',
      Policies: {
        PasswordPolicy: {
          MinimumLength: 12,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
          TemporaryPasswordValidityDays: 7,
        },
      },
    });
  });

  it('Operator sign-in: usernames are operator ids, with a required e-mail that invites go to and that signs in', () => {
    const pool = resourceAt(poolId()).Properties;
    // Username sign-in stays on (no UsernameAttributes), so the access token's `username` is the operator id.
    expect(pool.UsernameAttributes).toBeUndefined();
    expect(pool.AliasAttributes).toEqual(['email']);
    expect(pool.AutoVerifiedAttributes).toEqual(['email']);
    expect(pool.Schema).toEqual(expect.arrayContaining([{ Name: 'email', Required: true, Mutable: true }]));
    const invite = (pool.AdminCreateUserConfig as { InviteMessageTemplate: { EmailMessage: string } })
      .InviteMessageTemplate.EmailMessage;
    expect(invite).toContain('{username}');
    expect(invite).toContain('{####}');
  });

  it('Operator sign-in: optional TOTP MFA and Plus-plan threat protection, enforced with explicit actions', () => {
    expect(resourceAt(poolId()).Properties).toMatchObject({
      MfaConfiguration: 'OPTIONAL',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      UserPoolTier: 'PLUS',
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
    });
    template.resourceCountIs('AWS::Cognito::UserPoolRiskConfigurationAttachment', 1);
    template.hasResourceProperties('AWS::Cognito::UserPoolRiskConfigurationAttachment', {
      UserPoolId: { Ref: poolId() },
      ClientId: 'ALL',
      CompromisedCredentialsRiskConfiguration: { Actions: { EventAction: 'BLOCK' } },
      AccountTakeoverRiskConfiguration: {
        Actions: {
          LowAction: { EventAction: 'NO_ACTION', Notify: false },
          MediumAction: { EventAction: 'MFA_IF_CONFIGURED', Notify: false },
          HighAction: { EventAction: 'MFA_REQUIRED', Notify: false },
        },
      },
    });
  });

  it('Operator sign-in: the app client has no secret, SRP only, 1 h access tokens, 30-day refresh, no existence leaks', () => {
    template.resourceCountIs('AWS::Cognito::UserPoolClient', 1);
    const client = resourceAt(clientId());
    expect(client.Properties.UserPoolId).toEqual({ Ref: poolId() });
    expect(client.Properties).toMatchObject({
      GenerateSecret: false,
      AccessTokenValidity: 60,
      IdTokenValidity: 60,
      RefreshTokenValidity: 30 * 24 * 60,
      TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'minutes' },
      PreventUserExistenceErrors: 'ENABLED',
      EnableTokenRevocation: true,
      AllowedOAuthFlowsUserPoolClient: false,
    });
    expect((client.Properties.ExplicitAuthFlows as string[]).sort()).toEqual(
      ['ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_SRP_AUTH'].sort(),
    );
  });

  it('Operator sign-in: every function knows the issuer, the client and the pool', () => {
    for (const entry of handlerEntries()) {
      const variables = (
        resourceAt(logicalIdOf(functionOf(entry).node.defaultChild)).Properties.Environment as {
          Variables: Json;
        }
      ).Variables;
      expect(variables[TOKEN_ENV.issuer], entry).toEqual(issuer());
      expect(variables[TOKEN_ENV.clientId], entry).toEqual({ Ref: clientId() });
      expect(variables[LOGIN_ENV.userPoolId], entry).toEqual({ Ref: poolId() });
      // Cognito publishes its keys at <issuer>/.well-known/jwks.json, the verifier's default.
      expect(variables[TOKEN_ENV.jwksUri], entry).toBeUndefined();
    }
  });

  it('Operator sign-in: stack outputs the pool, the client and the token issuer', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.UserPoolId?.Value).toEqual({ Ref: poolId() });
    expect(outputs.UserPoolClientId?.Value).toEqual({ Ref: clientId() });
    expect(outputs.TokenIssuer?.Value).toEqual(issuer());
  });

  it('Operator sign-in: only the operators admin function may administer logins, on this pool only', () => {
    for (const entry of handlerEntries()) {
      const cognito = statementsOf(entry).filter((s) => actionsOf(s).some((a) => a.startsWith('cognito-idp:')));
      if (entry !== OPERATORS_ADMIN_ENTRY) {
        expect(cognito, entry).toHaveLength(0);
        continue;
      }
      expect(cognito, entry).toHaveLength(1);
      expect(actionsOf(cognito[0] as Statement).sort()).toEqual([...LOGIN_ADMIN_ACTIONS].sort());
      expect(cognito[0]?.Resource).toEqual({ 'Fn::GetAtt': [poolId(), 'Arn'] });
    }
  });

  it('Operator sign-in: the operators admin function may close connections of the live stage', () => {
    const manage = statementsOf(OPERATORS_ADMIN_ENTRY).filter((s) =>
      actionsOf(s).includes('execute-api:ManageConnections'),
    );
    expect(manage).toHaveLength(1);
    expect(JSON.stringify(manage[0]?.Resource)).toContain(`/${WEBSOCKET_STAGE}/*/@connections/*`);
  });

  it('Operator sign-in: the $connect authorizer function reads and writes the table and nothing else', () => {
    const services = statementsOf(webSocketAuthorizer.entry)
      .flatMap(actionsOf)
      .map((action) => action.split(':')[0]);
    expect([...new Set(services)].sort()).toEqual(['dynamodb', 'xray']);
  });
});

describe('Authorizers: HTTP JWT and WebSocket $connect', () => {
  const httpApiId = () => logicalIdOf(stack.httpApi.node.defaultChild);
  const wsApiId = () => logicalIdOf(stack.webSocketApi.node.defaultChild);
  const authorizersOf = (apiId: string) =>
    Object.entries(resources).filter(
      ([, r]) => r.Type === 'AWS::ApiGatewayV2::Authorizer' && (r.Properties.ApiId as Json).Ref === apiId,
    );
  const routesOf = (apiId: string) =>
    new Map(
      Object.values(resources)
        .filter((r) => r.Type === 'AWS::ApiGatewayV2::Route' && (r.Properties.ApiId as Json).Ref === apiId)
        .map((r) => [r.Properties.RouteKey as string, r]),
    );
  const apig4ReasonOf = (route: Resource | undefined) =>
    route?.Metadata?.cdk_nag?.rules_to_suppress?.find((rule) => rule.id === 'AwsSolutions-APIG4')?.reason;

  it('Authorizers: the HTTP API has one JWT authorizer, issued by the pool, for the operator client', () => {
    const authorizers = authorizersOf(httpApiId());
    expect(authorizers).toHaveLength(1);
    const poolId = logicalIdOf(stack.operatorPool.userPool.node.defaultChild);
    expect(authorizers[0]?.[1].Properties).toEqual({
      ApiId: { Ref: httpApiId() },
      Name: expect.any(String),
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: {
        Audience: [{ Ref: logicalIdOf(stack.operatorPool.client.node.defaultChild) }],
        Issuer: {
          'Fn::Join': ['', ['https://cognito-idp.', { Ref: 'AWS::Region' }, '.amazonaws.com/', { Ref: poolId }]],
        },
      },
    });
  });

  it("Authorizers: exactly the auth:'operator' HTTP routes require a pool access token; the others are public", () => {
    const [[jwtId]] = authorizersOf(httpApiId()) as [[string, Resource]];
    const routes = routesOf(httpApiId());
    expect(httpRoutes.some((r) => r.auth === 'none')).toBe(true);
    for (const spec of httpRoutes) {
      const key = `${spec.method} ${spec.path}`;
      const route = routes.get(key);
      if (!route) throw new Error(`missing route ${key}`);
      if (spec.auth === 'operator') {
        expect(route.Properties, key).toMatchObject({
          AuthorizationType: 'JWT',
          AuthorizerId: { Ref: jwtId },
          // Only access tokens carry this scope: an ID token of the same client is refused.
          AuthorizationScopes: [OPERATOR_TOKEN_SCOPE],
        });
        expect(apig4ReasonOf(route), key).toBeUndefined();
      } else {
        expect(route.Properties.AuthorizationType, key).toBe('NONE');
        expect(route.Properties.AuthorizerId, key).toBeUndefined();
        expect(route.Properties.AuthorizationScopes, key).toBeUndefined();
        expect(apig4ReasonOf(route), key).toMatch(/^public by design: health check, widget session start/);
      }
    }
  });

  it('Authorizers: $connect runs the Lambda REQUEST authorizer on the token query parameter', () => {
    const authorizers = authorizersOf(wsApiId());
    expect(authorizers).toHaveLength(1);
    const [authorizerId, authorizer] = authorizers[0] as [string, Resource];
    expect(authorizer.Properties).toMatchObject({
      AuthorizerType: 'REQUEST',
      IdentitySource: [webSocketAuthorizer.identitySource],
    });
    const fnId = logicalIdOf(functionOf(webSocketAuthorizer.entry).node.defaultChild);
    expect(JSON.stringify(authorizer.Properties.AuthorizerUri)).toContain(`{"Fn::GetAtt":["${fnId}","Arn"]}`);
    const connect = routesOf(wsApiId()).get('$connect');
    expect(connect?.Properties).toMatchObject({ AuthorizationType: 'CUSTOM', AuthorizerId: { Ref: authorizerId } });
    expect(apig4ReasonOf(connect)).toBeUndefined();
    // API Gateway may invoke the authorizer, on behalf of this API.
    const permitted = Object.values(resources).some(
      (r) =>
        r.Type === 'AWS::Lambda::Permission' &&
        r.Properties.Principal === 'apigateway.amazonaws.com' &&
        JSON.stringify(r.Properties.FunctionName) === JSON.stringify({ 'Fn::GetAtt': [fnId, 'Arn'] }) &&
        JSON.stringify(r.Properties.SourceArn).includes(`{"Ref":"${wsApiId()}"}`),
    );
    expect(permitted).toBe(true);
  });

  it('Authorizers: no other WebSocket route carries an authorizer (authorization happens once, at $connect)', () => {
    for (const [key, route] of routesOf(wsApiId())) {
      if (key === '$connect') continue;
      expect(route.Properties.AuthorizationType, key).toBe('NONE');
      expect(route.Properties.AuthorizerId, key).toBeUndefined();
      expect(apig4ReasonOf(route), key).toMatch(/authorizes a WebSocket connection once, at \$connect/);
    }
  });
});

describe('Foundation: cdk-nag', () => {
  it('Foundation: AwsSolutions checks report no unsuppressed errors or warnings', () => {
    const app = new App({ context: { tenant: 'acme', 'aws:cdk:bundling-stacks': [] } });
    const nagged = createTenantStack(app);
    Aspects.of(app).add(new AwsSolutionsChecks());
    const annotations = Annotations.fromStack(nagged);
    const format = (found: SynthesisMessage[]) => found.map((f) => `${f.id}: ${String(f.entry.data)}`).join('\n');
    const errors = annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    const warnings = annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    expect(format(errors)).toBe('');
    expect(format(warnings)).toBe('');
  });

  it('Foundation: the cdk-nag wiring does report a violation (control)', () => {
    const app = new App();
    const control = new Stack(app, 'Control');
    new Bucket(control, 'Unprotected');
    Aspects.of(app).add(new AwsSolutionsChecks());
    const errors = Annotations.fromStack(control).findError('*', Match.stringLikeRegexp('AwsSolutions-S1.*'));
    expect(errors.length).toBeGreaterThan(0);
  });
});

describe('Foundation: tenant settings', () => {
  it('Foundation: tenant names are a lowercase letter then lowercase letters, digits or hyphens, 2-24 chars', () => {
    for (const good of ['acme', 'ab', 'acme-eu1', `a${'b'.repeat(23)}`]) expect(validateTenant(good)).toBe(good);
    for (const bad of ['Acme!', 'a', '1acme', 'acme_eu', 'ACME', `a${'b'.repeat(24)}`, '', undefined, 42]) {
      expect(() => validateTenant(bad), String(bad)).toThrow(TenantSettingsError);
    }
  });

  it('Foundation: an invalid tenant is rejected with one clear line', () => {
    expect(() => validateTenant('Acme!')).toThrow(/^Invalid tenant 'Acme!': expected a lowercase letter/);
    try {
      createTenantStack(new App({ context: { tenant: 'Acme!' } }));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(TenantSettingsError);
      expect((error as Error).message).not.toContain('\n');
    }
    expect(() => createTenantStack(new App())).toThrow(/^Missing tenant: pass -c tenant=<name>/);
  });

  it('Foundation: the CDK app prints only the settings error and exits 1 for a bad tenant', async () => {
    const run = promisify(execFile)(process.execPath, ['--import', 'tsx', 'infra/app.ts'], {
      cwd: repoRoot,
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ tenant: 'Acme!' }), CDK_OUTDIR: '/nonexistent' },
    });
    await expect(run).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^Invalid tenant 'Acme!': [^\n]*\n$/),
    });
  }, 30_000);

  it('Foundation: SES identity defaults to an unverifiable placeholder and sesFrom must belong to the identity', () => {
    const unset = readTenantSettings(new App({ context: { tenant: 'acme', sesIdentity: '' } }).node);
    expect(unset).toMatchObject({
      sesIdentity: PLACEHOLDER_SES_IDENTITY,
      sesIdentityIsPlaceholder: true,
      sesFrom: `no-reply@${PLACEHOLDER_SES_IDENTITY}`,
    });
    const address = readTenantSettings(new App({ context: { tenant: 'acme', sesIdentity: 'desk@acme.example' } }).node);
    expect(address.sesFrom).toBe('desk@acme.example');
    expect(validateSesFrom('transcripts@acme.example', 'acme.example')).toBe('transcripts@acme.example');
    expect(() => validateSesFrom('transcripts@other.example', 'acme.example')).toThrow(TenantSettingsError);
    expect(() => validateSesFrom('other@acme.example', 'desk@acme.example')).toThrow(TenantSettingsError);
  });
});
