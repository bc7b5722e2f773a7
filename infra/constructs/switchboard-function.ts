// The one Lambda construct: every Switchboard function gets the same runtime, architecture, bundling, logs and tracing.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration } from 'aws-cdk-lib';
import {
  ApplicationLogLevel,
  Architecture,
  LoggingFormat,
  Runtime,
  SystemLogLevel,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { NagSuppressions } from 'cdk-nag';
import type { Construct } from 'constructs';
import type { BuildOptions } from 'esbuild';

/** Absolute path of the repository; route-table entries are relative to it. */
export const repoRoot = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

/** Modules replaced in every Lambda bundle (esbuild `alias`), relative to the repository root. */
export function lambdaAliases(): Record<string, string> {
  return { '@aws-sdk/credential-provider-node': './shared/platform/lambda-credentials.ts' };
}

/**
 * esbuild settings for every handler, exported so the bundle-size test builds exactly what is deployed.
 * The SDK v3 clients are bundled rather than taken from the runtime: the version is pinned by package-lock.json and
 * esbuild drops the parts a function does not use.
 */
export const lambdaBundling = {
  minify: true,
  sourceMap: true,
  format: OutputFormat.ESM,
  target: 'node24',
  mainFields: ['module', 'main'],
  externalModules: [],
  // Some bundled CommonJS dependencies call require() for Node built-ins, which an ES module does not define.
  banner:
    "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  forceDockerBundling: false,
  // Sizes are checked by test/infra/bundle-size.test.ts; synth output stays readable.
  logLevel: LogLevel.WARNING,
  // In Lambda the role's credentials are in the environment: the default chain is replaced by that one provider.
  esbuildArgs: Object.fromEntries(
    Object.entries(lambdaAliases()).map(([module, replacement]) => [`--alias:${module}`, replacement]),
  ),
} satisfies BundlingOptions;

export type Invocation = 'request' | 'schedule' | 'stream';

/** Request handlers answer a waiting client; a schedule sweeps and a stream consumer projects a batch: longer. */
const timeoutOf: Record<Invocation, Duration> = {
  request: Duration.seconds(10),
  schedule: Duration.seconds(60),
  stream: Duration.seconds(60),
};

/** The same bundling spelled as esbuild build options for one entry, so a test or the bench builds what is deployed. */
export function lambdaBuildOptions(entry: string): BuildOptions {
  return {
    absWorkingDir: repoRoot,
    entryPoints: [path.join(repoRoot, entry)],
    bundle: true,
    platform: 'node',
    logLevel: 'silent',
    minify: lambdaBundling.minify,
    sourcemap: lambdaBundling.sourceMap,
    format: lambdaBundling.format === OutputFormat.ESM ? 'esm' : 'cjs',
    target: lambdaBundling.target,
    mainFields: lambdaBundling.mainFields,
    external: lambdaBundling.externalModules,
    alias: lambdaAliases(),
    banner: { js: lambdaBundling.banner },
  };
}

export interface SwitchboardFunctionProps {
  /** Handler module relative to the repository root (as in the route table); it exports `handler`. */
  readonly entry: string;
  readonly invokedBy: Invocation;
  readonly environment: Record<string, string>;
}

export class SwitchboardFunction extends NodejsFunction {
  /** The route-table entry this function was built from. */
  readonly sourceEntry: string;

  constructor(scope: Construct, id: string, props: SwitchboardFunctionProps) {
    super(scope, id, {
      entry: path.join(repoRoot, props.entry),
      handler: 'handler',
      projectRoot: repoRoot,
      depsLockFilePath: path.join(repoRoot, 'package-lock.json'),
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: 512,
      timeout: timeoutOf[props.invokedBy],
      tracing: Tracing.ACTIVE,
      bundling: lambdaBundling,
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
      // OP1: JSON lines throughout — the runtime's own (start, report with init and duration, uncaught errors) and
      // ours (shared/platform/log.ts), both filtered by level.
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: ApplicationLogLevel.INFO,
      systemLogLevelV2: SystemLogLevel.INFO,
      // A sibling rather than a child: the log group must exist before the function it is passed to.
      logGroup: new LogGroup(scope, `${id}Logs`, { retention: RetentionDays.ONE_MONTH }),
    });
    this.sourceEntry = props.entry;

    NagSuppressions.addResourceSuppressions(
      this,
      [
        {
          id: 'AwsSolutions-IAM4',
          reason:
            'AWSLambdaBasicExecutionRole is the minimal managed policy for writing the function logs to CloudWatch Logs.',
          appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
        },
        {
          id: 'AwsSolutions-IAM5',
          reason: 'xray:PutTraceSegments and xray:PutTelemetryRecords do not support resource-level permissions.',
          appliesTo: ['Resource::*'],
        },
      ],
      true,
    );
  }
}
