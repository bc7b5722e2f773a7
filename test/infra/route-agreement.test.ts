// The synthesized stack agrees with the route table: the same route keys and schedules, each wired to the function
// built from the entry the table names (the local gateway's agreement is tested on its own side).
import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { SwitchboardFunction } from '../../infra/constructs/switchboard-function';
import { functionIdOf, handlerEntries, httpRoutes, schedules, webSocketRoutes } from '../../infra/routes';
import { createTenantStack, type SwitchboardStack } from '../../infra/stack';

type Json = Record<string, unknown>;
interface Resource {
  Type: string;
  Properties: Json;
}

let stack: SwitchboardStack;
let resources: Record<string, Resource>;

beforeAll(() => {
  // Bundling is skipped here: only the wiring matters, and stack.test.ts builds the real assets.
  stack = createTenantStack(new App({ context: { tenant: 'acme', 'aws:cdk:bundling-stacks': [] } }));
  resources = Template.fromStack(stack).toJSON().Resources as Record<string, Resource>;
}, 120_000);

/** The logical id of the function the route table's entry should run, found by its construct id alone. */
function functionLogicalIdOf(entry: string): string {
  const fn = stack.node.tryFindChild(functionIdOf(entry));
  if (!(fn instanceof SwitchboardFunction)) throw new Error(`no SwitchboardFunction with id ${functionIdOf(entry)}`);
  expect(fn.sourceEntry).toBe(entry);
  return stack.getLogicalId(fn.node.defaultChild as CfnElement);
}

/** Every Lambda function a CloudFormation value points at through `Fn::GetAtt [id, Arn]`. */
function lambdasReferencedBy(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(lambdasReferencedBy);
  if (value === null || typeof value !== 'object') return [];
  const getAtt = (value as Json)['Fn::GetAtt'];
  if (
    Array.isArray(getAtt) &&
    getAtt[1] === 'Arn' &&
    resources[getAtt[0] as string]?.Type === 'AWS::Lambda::Function'
  ) {
    return [getAtt[0] as string];
  }
  return Object.values(value).flatMap(lambdasReferencedBy);
}

/** Route → integration (`integrations/<Ref>`) → the one Lambda its URI invokes. */
function lambdaOfRoute(route: Resource): string {
  const target = JSON.stringify(route.Properties.Target);
  const integrationId = /"integrations\/",\{"Ref":"([^"]+)"\}/.exec(target)?.[1];
  const integration = integrationId ? resources[integrationId] : undefined;
  expect(integration?.Type).toBe('AWS::ApiGatewayV2::Integration');
  const lambdas = lambdasReferencedBy(integration?.Properties.IntegrationUri);
  expect(lambdas).toHaveLength(1);
  return lambdas[0] as string;
}

function routesOfApi(apiLogicalId: string): Map<string, Resource> {
  const routes = Object.values(resources).filter(
    (r) => r.Type === 'AWS::ApiGatewayV2::Route' && (r.Properties.ApiId as Json).Ref === apiLogicalId,
  );
  return new Map(routes.map((route) => [route.Properties.RouteKey as string, route]));
}

/** API Gateway may invoke the function: without a permission the route deploys but every call fails. */
function expectInvokePermission(lambdaId: string, apiLogicalId: string): void {
  const permitted = Object.values(resources).some(
    (r) =>
      r.Type === 'AWS::Lambda::Permission' &&
      r.Properties.Principal === 'apigateway.amazonaws.com' &&
      lambdasReferencedBy(r.Properties.FunctionName).includes(lambdaId) &&
      JSON.stringify(r.Properties.SourceArn).includes(`{"Ref":"${apiLogicalId}"}`),
  );
  expect(permitted, `${lambdaId} invocable by ${apiLogicalId}`).toBe(true);
}

const rateOf = (minutes: number): string => `rate(${minutes} ${minutes === 1 ? 'minute' : 'minutes'})`;

describe('Route agreement: CDK stack ↔ infra/routes.ts', () => {
  it('Route agreement: HTTP route keys equal the table (METHOD /path)', () => {
    const routes = routesOfApi(stack.getLogicalId(stack.httpApi.node.defaultChild as CfnElement));
    expect([...routes.keys()].sort()).toEqual(httpRoutes.map((r) => `${r.method} ${r.path}`).sort());
  });

  it('Route agreement: WebSocket route keys equal the table', () => {
    const routes = routesOfApi(stack.getLogicalId(stack.webSocketApi.node.defaultChild as CfnElement));
    expect([...routes.keys()].sort()).toEqual(webSocketRoutes.map((r) => r.routeKey).sort());
  });

  it('Route agreement: every HTTP route invokes the function of its entry', () => {
    const apiId = stack.getLogicalId(stack.httpApi.node.defaultChild as CfnElement);
    const routes = routesOfApi(apiId);
    for (const spec of httpRoutes) {
      const route = routes.get(`${spec.method} ${spec.path}`);
      if (!route) throw new Error(`missing route ${spec.method} ${spec.path}`);
      const lambda = lambdaOfRoute(route);
      expect(lambda, `${spec.method} ${spec.path}`).toBe(functionLogicalIdOf(spec.entry));
      expectInvokePermission(lambda, apiId);
    }
  });

  it('Route agreement: every WebSocket route invokes the function of its entry', () => {
    const apiId = stack.getLogicalId(stack.webSocketApi.node.defaultChild as CfnElement);
    const routes = routesOfApi(apiId);
    for (const spec of webSocketRoutes) {
      const route = routes.get(spec.routeKey);
      if (!route) throw new Error(`missing route ${spec.routeKey}`);
      const lambda = lambdaOfRoute(route);
      expect(lambda, spec.routeKey).toBe(functionLogicalIdOf(spec.entry));
      expectInvokePermission(lambda, apiId);
    }
  });

  it('Route agreement: schedules equal the EventBridge rules, each at its rate targeting its entry', () => {
    const rules = Object.values(resources)
      .filter((r) => r.Type === 'AWS::Events::Rule')
      .map((r) => ({ rate: r.Properties.ScheduleExpression, targets: lambdasReferencedBy(r.Properties.Targets) }));
    const expected = schedules.map((s) => ({ rate: rateOf(s.everyMinutes), targets: [functionLogicalIdOf(s.entry)] }));
    const order = (list: { rate: unknown; targets: string[] }[]) => list.map((x) => JSON.stringify(x)).sort();
    expect(order(rules)).toEqual(order(expected));
  });

  it('Route agreement: every function serves a table entry and every entry has exactly one function', () => {
    const deployed = Object.entries(resources)
      .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
      .map(([id]) => id);
    expect(deployed.sort()).toEqual(handlerEntries().map(functionLogicalIdOf).sort());
  });
});
