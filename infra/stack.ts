// One tenant's Switchboard: table, attachments bucket, operator user pool, WebSocket and HTTP APIs with their
// authorizers, schedules and a function per handler, all generated from the route table (infra/routes.ts) and the
// table definition (shared/store/keys.ts). Each function's IAM policy is built from its route rows' grants only.
import { Annotations, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpStage,
  LogGroupLogDestination,
  type ThrottleSettings,
  WebSocketApi,
  WebSocketStage,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer, WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  StreamViewType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, HttpMethods } from 'aws-cdk-lib/aws-s3';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY } from 'aws-cdk-lib/cx-api';
import { NagSuppressions } from 'cdk-nag';
import type { Construct, IConstruct } from 'constructs';
import { ENV } from '../shared/platform/config';
import { LOGIN_ENV } from '../shared/platform/logins';
import { TENANT_ENV } from '../shared/platform/metrics';
import { TOKEN_ENV } from '../shared/realtime/operator-tokens';
import { ITEM_FAMILIES, type ItemFamily, tableDefinition } from '../shared/store/keys';
import { TenantMonitoring } from './constructs/monitoring';
import { OPERATOR_TOKEN_SCOPE, OperatorUserPool } from './constructs/operator-user-pool';
import { type Invocation, SwitchboardFunction } from './constructs/switchboard-function';
import { SharedWebSocketLambdaIntegration } from './constructs/websocket-integration';
import { type AttachmentAccess, type ResolvedGrants, readableFamilies, writableFamilies } from './grants';
import {
  functionIdOf,
  grantsOf,
  handlerEntries,
  httpRoutes,
  schedules,
  streamConsumers,
  WS_ROUTE_SELECTION,
  webSocketAuthorizer,
  webSocketRoutes,
} from './routes';
import { PLACEHOLDER_SES_IDENTITY, readTenantSettings, stackNameOf, type TenantSettings } from './tenant';

export type SwitchboardStackProps = StackProps & Omit<TenantSettings, 'sesIdentityIsPlaceholder'>;

export const TENANT_TAG = 'switchboard:tenant';
export const WEBSOCKET_STAGE = 'live';

// Per tenant; generous for a support desk, low enough that a runaway client cannot exhaust the account's quota.
const stageThrottle: ThrottleSettings = { rateLimit: 100, burstLimit: 200 };

/** IAM actions per table access; there is no Scan in either. */
export const TABLE_READ_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
] as const;
export const TABLE_WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
] as const;
export const ATTACHMENT_ACTIONS: Record<AttachmentAccess, string> = {
  put: 's3:PutObject',
  get: 's3:GetObject',
  delete: 's3:DeleteObject',
};

const PUBLIC_HTTP_ROUTES_REASON =
  'public by design: health check, widget session start (rate-limited per IP) and channel webhooks (verified by signature)';
const WEBSOCKET_ROUTE_REASON =
  'API Gateway authorizes a WebSocket connection once, at $connect (Lambda REQUEST authorizer); the other routes run ' +
  'on that authorized connection and cannot carry an authorizer of their own.';

/**
 * The tenant's stack as `cdk synth` builds it, from the app's context; throws TenantSettingsError on bad settings.
 * No `env`: the template is environment-agnostic, so synth needs no credentials and deploys to the profile's region.
 */
export function createTenantStack(app: Construct): SwitchboardStack {
  const { sesIdentityIsPlaceholder, ...settings } = readTenantSettings(app.node);
  const stack = new SwitchboardStack(app, stackNameOf(settings.tenant), {
    ...settings,
    description: `Switchboard support chat for tenant ${settings.tenant}`,
  });
  if (sesIdentityIsPlaceholder) {
    Annotations.of(stack).addWarningV2(
      'switchboard:sesIdentity',
      `No sesIdentity set: sending from ${PLACEHOLDER_SES_IDENTITY}, which SES can never verify, so transcripts are ` +
        'not e-mailed. Pass -c sesIdentity=<verified domain or address>.',
    );
  }
  if (!settings.alarmEmail) {
    Annotations.of(stack).addWarningV2(
      'switchboard:alarmEmail',
      'No alarmEmail set: alarms notify an SNS topic nobody is subscribed to. Pass -c alarmEmail=<address>.',
    );
  }
  return stack;
}

export class SwitchboardStack extends Stack {
  readonly table: Table;
  readonly attachments: Bucket;
  /** Delayed messages that wake the timers function at a timer's due second. */
  readonly timerWakeUps: Queue;
  readonly operatorPool: OperatorUserPool;
  readonly webSocketApi: WebSocketApi;
  readonly webSocketStage: WebSocketStage;
  readonly httpApi: HttpApi;
  readonly httpStage: HttpStage;
  /** Where a stream batch that keeps failing goes after its retries (one message per given-up batch). */
  readonly streamFailures: Queue;
  /** Keyed by route-table entry. */
  readonly functions: ReadonlyMap<string, SwitchboardFunction>;
  readonly monitoring: TenantMonitoring;

  constructor(scope: Construct, id: string, props: SwitchboardStackProps) {
    super(scope, id, props);
    // Log delivery through a bucket policy instead of the legacy LogDeliveryWrite ACL, whatever cdk.json says.
    this.node.setContext(S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);
    Tags.of(this).add(TENANT_TAG, props.tenant);

    this.table = this.createTable(props.tenant);
    this.attachments = this.createAttachmentsBucket(props.corsOrigins);
    this.operatorPool = new OperatorUserPool(this, 'Operators', { tenant: props.tenant });

    // Created before the functions because their environment carries the stage's management endpoint.
    this.webSocketApi = new WebSocketApi(this, 'WebSocketApi', {
      apiName: `switchboard-${props.tenant}-ws`,
      routeSelectionExpression: WS_ROUTE_SELECTION,
    });
    this.webSocketStage = new WebSocketStage(this, 'WebSocketStage', {
      webSocketApi: this.webSocketApi,
      stageName: WEBSOCKET_STAGE,
      autoDeploy: true,
      throttle: stageThrottle,
    });

    // S4: wakes the timers function at a timer's due second; the table's timer items stay the truth (shared/store/timers.ts).
    this.timerWakeUps = this.createTimerWakeUpQueue();

    const environment = {
      [ENV.timerQueueUrl]: this.timerWakeUps.queueUrl,
      [ENV.tableName]: this.table.tableName,
      [ENV.bucketName]: this.attachments.bucketName,
      [ENV.wsManagementEndpoint]: this.webSocketStage.callbackUrl,
      [ENV.sesFrom]: props.sesFrom,
      // The metrics' Tenant dimension (shared/platform/metrics.ts).
      [TENANT_ENV]: props.tenant,
      [TOKEN_ENV.issuer]: this.operatorPool.issuer,
      [TOKEN_ENV.clientId]: this.operatorPool.client.userPoolClientId,
      [LOGIN_ENV.userPoolId]: this.operatorPool.userPool.userPoolId,
    };
    const scheduled = new Set(schedules.map((schedule) => schedule.entry));
    const streamed = new Set(streamConsumers.map((consumer) => consumer.entry));
    const functions = new Map<string, SwitchboardFunction>();
    for (const entry of handlerEntries()) {
      const invokedBy: Invocation = scheduled.has(entry) ? 'schedule' : streamed.has(entry) ? 'stream' : 'request';
      const fn = new SwitchboardFunction(this, functionIdOf(entry), { entry, invokedBy, environment });
      this.grant(fn, grantsOf(entry), props.sesIdentity);
      functions.set(entry, fn);
    }
    this.functions = functions;
    const functionOf = (entry: string): SwitchboardFunction => {
      const fn = functions.get(entry);
      if (!fn) throw new Error(`No function was built for ${entry}`);
      return fn;
    };

    const connectAuthorizer = new WebSocketLambdaAuthorizer(
      'ConnectAuthorizer',
      functionOf(webSocketAuthorizer.entry),
      {
        identitySource: [webSocketAuthorizer.identitySource],
      },
    );
    // addRoute for every key, $connect/$disconnect/$default included: it is what the constructor's route options
    // call, and one loop keeps the table the only list of routes.
    const wsIntegrations = new Map<string, SharedWebSocketLambdaIntegration>();
    const wsIntegrationOf = (entry: string) => {
      let integration = wsIntegrations.get(entry);
      if (!integration) {
        integration = new SharedWebSocketLambdaIntegration(`${functionIdOf(entry)}Ws`, functionOf(entry));
        wsIntegrations.set(entry, integration);
      }
      return integration;
    };
    for (const route of webSocketRoutes) {
      const connect = route.routeKey === '$connect';
      const wsRoute = this.webSocketApi.addRoute(route.routeKey, {
        integration: wsIntegrationOf(route.entry),
        returnResponse: route.replies,
        ...(connect ? { authorizer: connectAuthorizer } : {}),
      });
      if (!connect) {
        NagSuppressions.addResourceSuppressions(wsRoute, [
          { id: 'AwsSolutions-APIG4', reason: WEBSOCKET_ROUTE_REASON },
        ]);
      }
    }

    this.httpApi = new HttpApi(this, 'HttpApi', {
      apiName: `switchboard-${props.tenant}-http`,
      // The default stage is created below so it can carry access logs and throttling.
      createDefaultStage: false,
      corsPreflight: {
        allowOrigins: [...props.corsOrigins],
        allowMethods: [...new Set(httpRoutes.map((route) => CorsHttpMethod[route.method]))],
        allowHeaders: ['content-type', 'authorization'],
        maxAge: Duration.hours(1),
      },
    });
    this.httpStage = new HttpStage(this, 'HttpStage', {
      httpApi: this.httpApi,
      autoDeploy: true,
      throttle: stageThrottle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(
          new LogGroup(this, 'HttpAccessLogs', { retention: RetentionDays.ONE_MONTH }),
        ),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
    // API Gateway checks signature, issuer, expiry and that `aud` or `client_id` is the operator client; the handlers
    // then resolve the `username` claim to an enabled operator (functions/adapters/http.ts).
    const operatorAuthorizer = new HttpJwtAuthorizer('OperatorJwt', this.operatorPool.issuer, {
      jwtAudience: [this.operatorPool.client.userPoolClientId],
    });
    // One integration and one API-scoped invoke permission per function, whatever its number of routes: a route per
    // operator action would otherwise cost three resources each and push the stack past CloudFormation's 500.
    const httpIntegrations = new Map<string, HttpLambdaIntegration>();
    const httpIntegrationOf = (entry: string) => {
      let integration = httpIntegrations.get(entry);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${functionIdOf(entry)}Http`, functionOf(entry), {
          scopePermissionToRoute: false,
        });
        httpIntegrations.set(entry, integration);
      }
      return integration;
    };
    for (const route of httpRoutes) {
      const operator = route.auth === 'operator';
      const created = this.httpApi.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: httpIntegrationOf(route.entry),
        ...(operator ? { authorizer: operatorAuthorizer, authorizationScopes: [OPERATOR_TOKEN_SCOPE] } : {}),
      });
      if (operator) continue;
      for (const httpRoute of created) {
        NagSuppressions.addResourceSuppressions(httpRoute, [
          { id: 'AwsSolutions-APIG4', reason: PUBLIC_HTTP_ROUTES_REASON },
        ]);
      }
    }

    for (const schedule of schedules) {
      new Rule(this, `Schedule${functionIdOf(schedule.name)}`, {
        description: `Switchboard ${props.tenant}: ${schedule.name} every ${schedule.everyMinutes} min`,
        schedule: Schedule.rate(Duration.minutes(schedule.everyMinutes)),
        // No retries: the next run looks back over the minutes a failed one missed, and a retried event would carry
        // a stale `time`.
        targets: [new LambdaFunction(functionOf(schedule.entry), { retryAttempts: 0 })],
      });
      if (schedule.wakeUpQueue) {
        functionOf(schedule.entry).addEventSource(
          new SqsEventSource(this.timerWakeUps, { batchSize: 10, reportBatchItemFailures: true }),
        );
      }
    }

    this.streamFailures = this.createStreamConsumers(functionOf);

    NagSuppressions.addResourceSuppressions(this.webSocketStage, [
      {
        id: 'AwsSolutions-APIG1',
        reason:
          'WebSocket access logs need the account-wide API Gateway CloudWatch role (AWS::ApiGateway::Account), a ' +
          'per-account singleton a per-tenant stack must not own; every route invocation is logged by its function.',
      },
    ]);

    // Links that outlive a request (transcript file links, M9) name the HTTP API, known only once its stage exists.
    for (const fn of functions.values()) fn.addEnvironment(ENV.publicHttpUrl, this.httpStage.url);
    this.monitoring = new TenantMonitoring(this, 'Monitoring', {
      tenant: props.tenant,
      httpApi: this.httpApi,
      webSocketApi: this.webSocketApi,
      webSocketStage: this.webSocketStage,
      alarmEmail: props.alarmEmail,
      failureQueues: [this.streamFailures],
      dashboard: props.dashboard,
    });

    new CfnOutput(this, 'WebSocketUrl', { value: this.webSocketStage.url });
    new CfnOutput(this, 'WebSocketManagementUrl', { value: this.webSocketStage.callbackUrl });
    new CfnOutput(this, 'HttpApiUrl', { value: this.httpStage.url });
    new CfnOutput(this, 'AttachmentsBucket', { value: this.attachments.bucketName });
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'UserPoolId', { value: this.operatorPool.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.operatorPool.client.userPoolClientId });
    new CfnOutput(this, 'TokenIssuer', { value: this.operatorPool.issuer });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.topic.topicArn });
  }

  // Table rather than TableV2: a tenant lives in one region, and AWS::DynamoDB::Table keeps PITR, deletion protection
  // and tags at the top level, where cdk-nag and the tests can check them.
  private createTimerWakeUpQueue(): Queue {
    // A wake-up that keeps failing lands here; the sweep still fires its timer (the queue is never the truth), so this
    // only shows a timers function that cannot run.
    const deadLetters = new Queue(this, 'TimerWakeUpsFailed', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    NagSuppressions.addResourceSuppressions(deadLetters, [
      { id: 'AwsSolutions-SQS3', reason: 'This is the dead-letter queue of the timer wake-ups.' },
    ]);
    return new Queue(this, 'TimerWakeUps', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Longer than the timers function may run, so a message in flight is not handed out twice meanwhile.
      visibilityTimeout: Duration.minutes(6),
      retentionPeriod: Duration.hours(1),
      deadLetterQueue: { queue: deadLetters, maxReceiveCount: 5 },
    });
  }

  private createTable(tenant: string): Table {
    const table = new Table(this, 'Table', {
      tableName: `switchboard-${tenant}`,
      partitionKey: { name: tableDefinition.partitionKey, type: AttributeType.STRING },
      sortKey: { name: tableDefinition.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: tableDefinition.ttlAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      // Tickets and transcripts outlive any one deployment: neither a stack deletion nor a console click drops them.
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      // The change stream feeds the projector's outputs (search index; later webhooks and reports), off the request path.
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
    });
    for (const index of tableDefinition.indexes) {
      table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
        projectionType: ProjectionType.ALL,
      });
    }
    // A local index can only be created with the table: an existing table is replaced (exported and re-imported).
    for (const index of tableDefinition.localIndexes) {
      table.addLocalSecondaryIndex({
        indexName: index.name,
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
        projectionType: ProjectionType.ALL,
      });
    }
    return table;
  }

  /**
   * One event source mapping per projector output: batched, bisected on error, retried a bounded number of times, and
   * then given up to a queue (visible, alarmable) instead of blocking the shard for the stream's 24 hours.
   */
  private createStreamConsumers(functionOf: (entry: string) => SwitchboardFunction): Queue {
    const failures = new Queue(this, 'StreamFailures', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    NagSuppressions.addResourceSuppressions(failures, [
      { id: 'AwsSolutions-SQS3', reason: 'This queue is itself the failure destination of the stream consumers.' },
    ]);
    for (const consumer of streamConsumers) {
      functionOf(consumer.entry).addEventSource(
        new DynamoEventSource(this.table, {
          startingPosition: StartingPosition.TRIM_HORIZON,
          batchSize: consumer.batchSize,
          maxBatchingWindow: Duration.seconds(consumer.batchingWindowSeconds),
          bisectBatchOnError: true,
          retryAttempts: consumer.retryAttempts,
          maxRecordAge: Duration.seconds(consumer.maxRecordAgeSeconds),
          onFailure: new SqsDlq(failures),
          parallelizationFactor: 1,
        }),
      );
    }
    return failures;
  }

  private createAttachmentsBucket(corsOrigins: readonly string[]): Bucket {
    const accessLogs = new Bucket(this, 'AccessLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // S3 server access logging can only deliver to SSE-S3 buckets.
      encryption: BucketEncryption.S3_MANAGED,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    NagSuppressions.addResourceSuppressions(accessLogs, [
      {
        id: 'AwsSolutions-S1',
        reason:
          'This bucket receives the server access logs of the attachments bucket; logging it too would only recurse.',
      },
    ]);
    return new Bucket(this, 'Attachments', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: BucketEncryption.S3_MANAGED,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'attachments/',
      // Browsers upload and download attachments directly with presigned URLs.
      cors: [
        {
          allowedMethods: [HttpMethods.PUT, HttpMethods.GET, HttpMethods.HEAD],
          allowedOrigins: [...corsOrigins],
          allowedHeaders: ['*'],
          exposedHeaders: ['ETag'],
          maxAge: 3000,
        },
      ],
      lifecycleRules: [{ abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /** The function's policy, exactly what its route rows grant (infra/grants.ts): nothing else adds to it. */
  private grant(fn: SwitchboardFunction, grants: ResolvedGrants, sesIdentity: string): void {
    const readable = readableFamilies(grants);
    const writable = writableFamilies(grants);
    if (readable.length > 0) this.grantTable(fn, 'TableRead', TABLE_READ_ACTIONS, readable);
    if (writable.length > 0) this.grantTable(fn, 'TableWrite', TABLE_WRITE_ACTIONS, writable);
    if (grants.writeOnly.length > 0) this.denyReturnedValues(fn, grants.writeOnly);
    if (grants.attachments.length > 0) this.grantAttachments(fn, grants.attachments);
    if (grants.email) this.grantSendEmail(fn, sesIdentity);
    if (grants.push) this.grantPush(fn);
    if (grants.logins) this.operatorPool.grantLoginAdmin(fn);
    if (grants.wakeUps) this.timerWakeUps.grantSendMessages(fn);
  }

  /**
   * Table and index access fenced by item family: `dynamodb:LeadingKeys` holds every partition key a request names
   * (the index's for an index Query; every item's for batches and transactions), so each must be one of the families'.
   * No Scan: it names no partition, and no function is granted it.
   */
  private grantTable(
    fn: SwitchboardFunction,
    sid: 'TableRead' | 'TableWrite',
    actions: readonly string[],
    families: readonly ItemFamily[],
  ): void {
    fn.addToRolePolicy(
      new PolicyStatement({
        sid,
        effect: Effect.ALLOW,
        actions: [...actions],
        resources: [this.table.tableArn, `${this.table.tableArn}/index/*`],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': leadingKeysOf(families) } },
      }),
    );
    suppressWildcards(fn, [
      {
        reason:
          'Queries on the GSIs need the index ARNs (table/index/*) of this tenant table, and only of it; the ' +
          'dynamodb:LeadingKeys condition limits them to the granted item families.',
        appliesTo: [{ regex: '/^Resource::<Table[A-Z0-9]+\\.Arn>\\/index\\/\\*$/' }],
      },
    ]);
  }

  /**
   * X2: families written blind (channel secrets, by the channel admin) may not have old or new values returned by a
   * write either, so the function can store a secret without ever reading one.
   */
  private denyReturnedValues(fn: SwitchboardFunction, families: readonly ItemFamily[]): void {
    fn.addToRolePolicy(
      new PolicyStatement({
        sid: 'TableWriteBlind',
        effect: Effect.DENY,
        actions: [...TABLE_WRITE_ACTIONS],
        resources: [this.table.tableArn, `${this.table.tableArn}/index/*`],
        conditions: {
          'ForAnyValue:StringLike': { 'dynamodb:LeadingKeys': leadingKeysOf(families) },
          StringEquals: { 'dynamodb:ReturnValues': ['ALL_OLD', 'UPDATED_OLD', 'ALL_NEW', 'UPDATED_NEW'] },
        },
      }),
    );
  }

  private grantAttachments(fn: SwitchboardFunction, access: readonly AttachmentAccess[]): void {
    fn.addToRolePolicy(
      new PolicyStatement({
        sid: 'Attachments',
        actions: access.map((a) => ATTACHMENT_ACTIONS[a]),
        resources: [this.attachments.arnForObjects('*')],
      }),
    );
    suppressWildcards(fn, [
      {
        reason: 'Attachments are objects under generated keys in the tenant bucket, and only in it.',
        appliesTo: [{ regex: '/^Resource::<Attachments[A-Z0-9]+\\.Arn>\\/\\*$/' }],
      },
    ]);
  }

  /** Lets the function post to, inspect and close connections of this API's live stage only. */
  private grantPush(fn: SwitchboardFunction): void {
    this.webSocketStage.grantManagementApiAccess(fn);
    suppressWildcards(fn, [
      {
        reason: `Any connection of this API on its '${WEBSOCKET_STAGE}' stage may be pushed to; connection ids are runtime values.`,
        appliesTo: [
          {
            regex: `/^Resource::arn:<AWS::Partition>:execute-api:.*\\/${WEBSOCKET_STAGE}\\/\\*\\/@connections\\/\\*$/`,
          },
        ],
      },
    ]);
  }

  /** SES authorizes a send against the From identity, so the grant names exactly that identity. */
  private grantSendEmail(fn: SwitchboardFunction, sesIdentity: string): void {
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['ses:SendEmail', 'ses:SendRawEmail'],
        resources: [this.formatArn({ service: 'ses', resource: 'identity', resourceName: sesIdentity })],
      }),
    );
  }
}

/** The `dynamodb:LeadingKeys` patterns of item families (shared/store/keys.ts). */
function leadingKeysOf(families: readonly ItemFamily[]): string[] {
  return [...new Set(families.flatMap((family) => ITEM_FAMILIES[family]))];
}

type AppliesTo = NonNullable<Parameters<typeof NagSuppressions.addResourceSuppressions>[1][number]['appliesTo']>;

function suppressWildcards(scope: IConstruct, findings: { reason: string; appliesTo: AppliesTo }[]): void {
  NagSuppressions.addResourceSuppressions(
    scope,
    findings.map((finding) => ({ id: 'AwsSolutions-IAM5', ...finding })),
    true,
  );
}
