// A WebSocket Lambda integration shared by every route of one function: one integration and one API-scoped invoke
// permission per function, where CDK's WebSocketLambdaIntegration adds a permission per route. The operator protocol
// has dozens of actions: a permission each would cost a CloudFormation resource apiece (against the stack's 500) and
// grow the function's resource policy towards Lambda's 20 KB limit.
import { ArnFormat, Stack } from 'aws-cdk-lib';
import {
  WebSocketIntegrationType,
  WebSocketRouteIntegration,
  type WebSocketRouteIntegrationBindOptions,
  type WebSocketRouteIntegrationConfig,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';

export class SharedWebSocketLambdaIntegration extends WebSocketRouteIntegration {
  private permitted = false;

  constructor(
    private readonly integrationId: string,
    private readonly handler: IFunction,
  ) {
    super(integrationId);
  }

  bind(options: WebSocketRouteIntegrationBindOptions): WebSocketRouteIntegrationConfig {
    const stack = Stack.of(options.route);
    if (!this.permitted) {
      // Any route of this API may invoke the function; which routes reach it is the route table's business.
      this.handler.addPermission(`${this.integrationId}-Permission`, {
        principal: new ServicePrincipal('apigateway.amazonaws.com'),
        sourceArn: stack.formatArn({
          service: 'execute-api',
          resource: options.route.webSocketApi.apiId,
          resourceName: '*',
          arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
        }),
      });
      this.permitted = true;
    }
    return {
      type: WebSocketIntegrationType.AWS_PROXY,
      uri: stack.formatArn({
        service: 'apigateway',
        account: 'lambda',
        resource: 'path/2015-03-31/functions',
        resourceName: `${this.handler.functionArn}/invocations`,
      }),
    };
  }
}
