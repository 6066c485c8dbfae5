/**
 * The HTTP API: API Gateway (HTTP API) in front of one function that serves every route, with the CORS policy
 * `npm start` applies too (core/cors.ts), API-wide throttling, and a JSON access log that never holds a query string,
 * header or body. Create it before the functions that need its URL (`url`), and route it with `routeAllTo` once the
 * API's function exists.
 *
 * Logical ids: its resources keep the stack-level ids they had before the construct existed (`HttpApi`,
 * `HttpApiDefaultStage`, `HttpApiDefaultRoute`, `ApiAccessLogs`, the outputs `ApiUrl` and `ApiDocsUrl`).
 */
import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  HttpApi,
  HttpRoute,
  HttpRouteKey,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { assertOrigin, corsPolicy } from '../../core/cors.js';
import { AppLogGroup } from './log-group.js';
import { keepStackLevelIds } from './logical-ids.js';

export interface AppHttpApiProps {
  /** The origins CORS allows (each a plain origin, checked). */
  siteOrigins: readonly string[];
  throttle: { rateLimit: number; burstLimit: number };
  logRetention: RetentionDays;
}

/**
 * The access log: one JSON line per request. `$context.path` is the path without the query string, which is where
 * emailed links carry their tokens (`/auth?token=...`); no header or body is logged either.
 */
export const accessLogFormat = JSON.stringify({
  requestId: '$context.requestId',
  time: '$context.requestTime',
  ip: '$context.identity.sourceIp',
  method: '$context.httpMethod',
  path: '$context.path',
  protocol: '$context.protocol',
  status: '$context.status',
  responseLength: '$context.responseLength',
  latencyMs: '$context.responseLatency',
  integrationLatencyMs: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
});

export class AppHttpApi extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: AppLogGroup;
  /** The endpoint, without a trailing slash. */
  readonly url: string;
  private route?: HttpRoute;

  constructor(scope: Construct, id: string, props: AppHttpApiProps) {
    super(scope, id);
    keepStackLevelIds(this);
    for (const origin of props.siteOrigins) assertOrigin(origin, 'siteOrigins');
    this.httpApi = new HttpApi(this, 'HttpApi', {
      apiName: `${Stack.of(this).stackName}-api`,
      description: 'Lumina alumni API',
      createDefaultStage: false,
      // API Gateway answers preflights and adds the headers.
      corsPreflight: {
        allowOrigins: [...props.siteOrigins],
        allowMethods: corsPolicy.allowMethods.map((method) => CorsHttpMethod[method]),
        allowHeaders: [...corsPolicy.allowHeaders],
        exposeHeaders: [...corsPolicy.exposeHeaders],
        maxAge: Duration.seconds(corsPolicy.maxAgeSeconds),
      },
    });
    this.url = this.httpApi.apiEndpoint;
    this.accessLogs = new AppLogGroup(this, 'ApiAccessLogs', { retention: props.logRetention });
    this.stage = new HttpStage(this, 'HttpApiDefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(accessLogFormat),
      },
    });
    new CfnOutput(this, 'ApiUrl', { value: `${this.url}/`, description: 'The HTTP API' });
    new CfnOutput(this, 'ApiDocsUrl', { value: `${this.url}/docs` });
  }

  /** The one route, `$default`: every request goes to `handler` (once). */
  routeAllTo(handler: IFunction): HttpRoute {
    if (this.route) throw new Error('The HTTP API already has its route');
    this.route = new HttpRoute(this, 'HttpApiDefaultRoute', {
      httpApi: this.httpApi,
      routeKey: HttpRouteKey.DEFAULT,
      integration: new HttpLambdaIntegration('ApiIntegration', handler),
    });
    return this.route;
  }
}
