// Runtime configuration read from the environment: the same names in AWS (set by the stack) and locally.

export interface RuntimeConfig {
  tableName: string;
  bucketName: string;
  /** https URL of the WebSocket API's management endpoint (…/stage), used to push frames to connections. */
  wsManagementEndpoint: string | undefined;
  sesFrom: string | undefined;
  /** SQS queue that wakes the timers function at a timer's due second (short-lead timers); unset: sweeps alone. */
  timerQueueUrl: string | undefined;
  region: string;
  /** Local endpoints; unset in AWS. */
  dynamoEndpoint: string | undefined;
  s3Endpoint: string | undefined;
  sesEndpoint: string | undefined;
  /** Channel API base URLs (CH3): the real services in AWS, the local fake channel server locally and in tests. */
  telegramApiBase: string;
  /** Includes the Graph API version, e.g. https://graph.facebook.com/v21.0. */
  whatsappApiBase: string;
  /** The HTTP API's public URL, for links that outlive a request (M9 transcript file links). */
  publicHttpUrl: string | undefined;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  return {
    tableName: env.TABLE_NAME ?? 'switchboard',
    bucketName: env.BUCKET_NAME ?? 'switchboard-attachments',
    wsManagementEndpoint: env.WS_MANAGEMENT_ENDPOINT || undefined,
    sesFrom: env.SES_FROM || undefined,
    timerQueueUrl: env.TIMER_QUEUE_URL || undefined,
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    dynamoEndpoint: env.DYNAMODB_ENDPOINT || undefined,
    s3Endpoint: env.S3_ENDPOINT || undefined,
    sesEndpoint: env.SES_ENDPOINT || undefined,
    telegramApiBase: env.TELEGRAM_API_BASE || 'https://api.telegram.org',
    whatsappApiBase: env.WHATSAPP_API_BASE || 'https://graph.facebook.com/v21.0',
    publicHttpUrl: env.PUBLIC_HTTP_URL || undefined,
  };
}

/** Environment variable names the stack sets on every function. */
export const ENV = {
  tableName: 'TABLE_NAME',
  bucketName: 'BUCKET_NAME',
  wsManagementEndpoint: 'WS_MANAGEMENT_ENDPOINT',
  sesFrom: 'SES_FROM',
  timerQueueUrl: 'TIMER_QUEUE_URL',
  publicHttpUrl: 'PUBLIC_HTTP_URL',
} as const;

/** Set only where the channels' real APIs are stood in for (infra/local/fake-channels.ts); AWS uses the defaults. */
export const CHANNEL_API_ENV = {
  telegramApiBase: 'TELEGRAM_API_BASE',
  whatsappApiBase: 'WHATSAPP_API_BASE',
} as const;
