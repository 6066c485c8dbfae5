import { Template } from 'aws-cdk-lib/assertions';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { corsPolicy } from '../../../core/cors.js';
import { AppHttpApi } from '../../../infra/constructs/http-api.js';
import { constructTestStack, logicalId, ofType, resourcesOf } from '../support.js';

function build(siteOrigins: readonly string[] = ['https://alumni.newtheatre.example']) {
  const stack = constructTestStack();
  const api = new AppHttpApi(stack, 'Api', {
    siteOrigins,
    throttle: { rateLimit: 7, burstLimit: 9 },
    logRetention: RetentionDays.ONE_WEEK,
  });
  const handler = new LambdaFunction(stack, 'Handler', {
    runtime: Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: Code.fromInline('exports.handler = async () => ({});'),
  });
  return { stack, api, handler };
}

describe('AppHttpApi', () => {
  it("answers CORS with npm start's policy for the given origins", () => {
    const { stack } = build(['https://a.example', 'https://b.example']);
    Template.fromStack(stack).hasResourceProperties('AWS::ApiGatewayV2::Api', {
      Name: 'Test-api',
      ProtocolType: 'HTTP',
      CorsConfiguration: {
        AllowOrigins: ['https://a.example', 'https://b.example'],
        AllowMethods: [...corsPolicy.allowMethods],
        AllowHeaders: [...corsPolicy.allowHeaders],
        ExposeHeaders: [...corsPolicy.exposeHeaders],
        MaxAge: corsPolicy.maxAgeSeconds,
      },
    });
  });

  it('refuses an origin that is not a plain origin', () => {
    expect(() => build(['https://a.example/path'])).toThrow(/siteOrigins/);
  });

  it('throttles the default stage and logs each request without query string, header or body', () => {
    const { stack, api } = build();
    const resources = resourcesOf(stack);
    const [, stage] = ofType(resources, 'AWS::ApiGatewayV2::Stage')[0]!;
    expect(stage.Properties).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 7, ThrottlingBurstLimit: 9 },
      AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [logicalId(api.accessLogs), 'Arn'] } },
    });
    const format = (stage.Properties.AccessLogSettings as { Format: string }).Format;
    const fields = Object.values(JSON.parse(format) as Record<string, string>);
    expect(fields).toContain('$context.path');
    for (const field of fields) expect(field).not.toMatch(/query|header|body|authorizer/i);
    expect(resources[logicalId(api.accessLogs)]!.Properties.RetentionInDays).toBe(7);
  });

  it('routes every request to one function, once', () => {
    const { stack, api, handler } = build();
    api.routeAllTo(handler);
    expect(() => api.routeAllTo(handler)).toThrow(/already/);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::ApiGatewayV2::Route', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$default' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: { 'Fn::GetAtt': [logicalId(handler), 'Arn'] },
      PayloadFormatVersion: '2.0',
    });
    template.resourceCountIs('AWS::Lambda::Permission', 1);
  });

  it('keeps the stack-level ids and outputs the URL and the docs URL', () => {
    const { stack, api, handler } = build();
    api.routeAllTo(handler);
    const json = Template.fromStack(stack).toJSON() as {
      Resources: Record<string, unknown>;
      Outputs: Record<string, { Value: unknown }>;
    };
    const ids = Object.keys(json.Resources).filter((id) => !id.startsWith('Handler'));
    // The ids in the deployed stack (test/infra/logical-ids.json).
    expect(ids.sort()).toEqual(
      [
        'HttpApiF5A9A8A7',
        'ApiAccessLogsE9DF007D',
        'HttpApiDefaultStage439BF176',
        'HttpApiDefaultRoute35B66862',
        'HttpApiDefaultRouteApiIntegrationF9A6C205',
        'HttpApiDefaultRouteApiIntegrationPermission47F6E99E',
      ].sort(),
    );
    expect(Object.keys(json.Outputs).sort()).toEqual(['ApiDocsUrl', 'ApiUrl']);
    expect(JSON.stringify(json.Outputs.ApiUrl!.Value)).toContain('/"');
  });
});
