import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The one logger of the API and the task Lambdas: structured JSON, level from POWERTOOLS_LOG_LEVEL. Log ids, route
 * patterns, error names and durations; never task tokens, session tokens, email addresses or request bodies.
 */
export const logger = new Logger({ serviceName: 'lumina' });
