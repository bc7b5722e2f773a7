// One tenant's Switchboard: table, attachments bucket, operator user pool, WebSocket and HTTP APIs with their
// authorizers, schedules and a function per handler, all generated from the route table (infra/routes.ts) and the
// table definition (shared/store/keys.ts).
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
import { HttpLambdaIntegration, WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
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
import { CHANNEL_SECRET_PREFIX, tableDefinition, WEBHOOK_SECRET_PREFIX } from '../shared/store/keys';
import { TenantMonitoring } from './constructs/monitoring';
import { OPERATOR_TOKEN_SCOPE, OperatorUserPool } from './constructs/operator-user-pool';
import { type Invocation, SwitchboardFunction } from './constructs/switchboard-function';
import {
  CHANNELS_ADMIN_ENTRY,
  channelSecretReaders,
  functionIdOf,
  handlerEntries,
  httpEntriesThatPush,
  httpRoutes,
  schedules,
  streamConsumers,
  WEBHOOK_DELIVERY_ENTRY,
  WEBHOOKS_ADMIN_ENTRY,
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

/** The admin operators API: it provisions logins (shared/platform/logins.ts) and closes a disabled operator's sockets. */
export const OPERATORS_ADMIN_ENTRY = 'functions/http/admin/operators.ts';
/** Channel webhooks: an inbound message opens or updates a ticket, which is pushed to operators. */

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
  /** Functions already denied Scan (the secret fences each need it once). */
  private readonly scanDenied = new Set<SwitchboardFunction>();

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
    if (!handlerEntries().includes(OPERATORS_ADMIN_ENTRY)) {
      throw new Error(`The route table no longer names ${OPERATORS_ADMIN_ENTRY}; move its login grants with it`);
    }
    const scheduled = new Set(schedules.map((schedule) => schedule.entry));
    const streamed = new Set(streamConsumers.map((consumer) => consumer.entry));
    const pushes = new Set([...webSocketRoutes, ...schedules].map((route) => route.entry).concat(httpEntriesThatPush));
    const functions = new Map<string, SwitchboardFunction>();
    for (const entry of handlerEntries()) {
      const invokedBy: Invocation = scheduled.has(entry) ? 'schedule' : streamed.has(entry) ? 'stream' : 'request';
      const fn = new SwitchboardFunction(this, functionIdOf(entry), { entry, invokedBy, environment });
      this.grantTable(fn);
      if (!channelSecretReaders.includes(entry)) {
        this.fenceSecrets(fn, CHANNEL_SECRET_PREFIX, entry === CHANNELS_ADMIN_ENTRY);
      }
      // W1/X2: webhook signing secrets alike: read only by the delivery worker, written only by the webhook admin.
      if (entry !== WEBHOOK_DELIVERY_ENTRY)
        this.fenceSecrets(fn, WEBHOOK_SECRET_PREFIX, entry === WEBHOOKS_ADMIN_ENTRY);
      // The authorizer only resolves principals from the table; every other handler may store files and send mail.
      if (entry !== webSocketAuthorizer.entry) {
        this.grantAttachments(fn);
        this.grantSendEmail(fn, props.sesIdentity);
      }
      if (pushes.has(entry)) this.grantPush(fn);
      // Ticket changes write timers (auto-close, SLA) and wake the soon-due ones.
      if (entry !== webSocketAuthorizer.entry) this.timerWakeUps.grantSendMessages(fn);
      if (entry === OPERATORS_ADMIN_ENTRY) this.operatorPool.grantLoginAdmin(fn);
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
    for (const route of webSocketRoutes) {
      const connect = route.routeKey === '$connect';
      const wsRoute = this.webSocketApi.addRoute(route.routeKey, {
        integration: new WebSocketLambdaIntegration(`${functionIdOf(route.entry)}Ws`, functionOf(route.entry)),
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

  // Every function gets the table and (the authorizer aside) the bucket: the route table does not yet say which
  // handler touches which store, and all of them share one data module. Narrow this once it does.
  private grantTable(fn: SwitchboardFunction): void {
    this.table.grantReadWriteData(fn);
    suppressWildcards(fn, [
      {
        reason: 'Queries on the GSIs need the index ARNs (table/index/*) of this tenant table, and only of it.',
        appliesTo: [{ regex: '/^Resource::<Table[A-Z0-9]+\\.Arn>\\/index\\/\\*$/' }],
      },
    ]);
  }

  /**
   * X2: channel and webhook secrets live in their own item families (by key prefix); a function that neither verifies
   * nor delivers is denied every read of a family (a Scan would bypass the key condition, so Scan is denied outright).
   * The family's admin function may write secrets, but not have old or new values returned; every other function may
   * not touch them at all.
   */
  private fenceSecrets(fn: SwitchboardFunction, prefix: string, writesSecrets: boolean): void {
    const secretKeys = { 'ForAnyValue:StringLike': { 'dynamodb:LeadingKeys': [`${prefix}*`] } };
    const resources = [this.table.tableArn, `${this.table.tableArn}/index/*`];
    const reads = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem'];
    const writes = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];
    fn.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.DENY,
        actions: writesSecrets ? reads : [...reads, ...writes],
        resources,
        conditions: secretKeys,
      }),
    );
    if (!this.scanDenied.has(fn)) {
      fn.addToRolePolicy(new PolicyStatement({ effect: Effect.DENY, actions: ['dynamodb:Scan'], resources }));
      this.scanDenied.add(fn);
    }
    if (writesSecrets) {
      fn.addToRolePolicy(
        new PolicyStatement({
          effect: Effect.DENY,
          actions: writes,
          resources,
          conditions: {
            ...secretKeys,
            StringEquals: { 'dynamodb:ReturnValues': ['ALL_OLD', 'UPDATED_OLD', 'ALL_NEW', 'UPDATED_NEW'] },
          },
        }),
      );
    }
  }

  private grantAttachments(fn: SwitchboardFunction): void {
    this.attachments.grantReadWrite(fn);
    suppressWildcards(fn, [
      {
        reason:
          'Attachments are objects under arbitrary keys in the tenant bucket; the s3:*Object* action groups are ' +
          'what Bucket.grantReadWrite emits for get, put, delete and multipart abort.',
        appliesTo: [
          'Action::s3:Abort*',
          'Action::s3:DeleteObject*',
          'Action::s3:GetBucket*',
          'Action::s3:GetObject*',
          'Action::s3:List*',
          { regex: '/^Resource::<Attachments[A-Z0-9]+\\.Arn>\\/\\*$/' },
        ],
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

type AppliesTo = NonNullable<Parameters<typeof NagSuppressions.addResourceSuppressions>[1][number]['appliesTo']>;

function suppressWildcards(scope: IConstruct, findings: { reason: string; appliesTo: AppliesTo }[]): void {
  NagSuppressions.addResourceSuppressions(
    scope,
    findings.map((finding) => ({ id: 'AwsSolutions-IAM5', ...finding })),
    true,
  );
}
