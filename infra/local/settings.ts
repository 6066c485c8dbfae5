import { DEFAULT_REQUEST_TIMEOUT_MS } from '../../api/server.js';
import { localDefaults } from '../../core/config.js';
import { InvalidOriginError, parseOrigins } from '../../core/cors.js';

/** The local runtime's settings, from the environment, with the documented defaults. */
export interface LocalSettings {
  apiPort: number;
  dynamoDbPort: number;
  sesPort: number;
  sfnPort: number;
  s3Port: number;
  dataDir: string;
  timeScale: number;
  tableName: string;
  /** Origins allowed by CORS (`SITE_ORIGINS`), validated; undefined: the default, which depends on `SITE_URL`. */
  siteOrigins: string | undefined;
  /** How long the API waits for a whole request (headers and body) before answering 408. */
  apiRequestTimeoutMs: number;
}

export function readLocalSettings(env: NodeJS.ProcessEnv = process.env): LocalSettings {
  return {
    apiPort: port(env, 'API_PORT', 8080),
    dynamoDbPort: port(env, 'DYNAMODB_PORT', 8000),
    sesPort: port(env, 'SES_PORT', 8005),
    sfnPort: port(env, 'SFN_PORT', 8083),
    s3Port: port(env, 'S3_PORT', 4569),
    dataDir: env.LOCAL_DATA_DIR || '.local',
    timeScale: positiveNumber(env, 'LOCAL_TIME_SCALE', 1),
    tableName: env.TABLE_NAME || localDefaults.tableName,
    siteOrigins: origins(env, 'SITE_ORIGINS'),
    apiRequestTimeoutMs: positiveNumber(env, 'API_REQUEST_TIMEOUT_MS', DEFAULT_REQUEST_TIMEOUT_MS),
  };
}

/** Thrown for a setting that cannot work; the supervisor prints the message as one line. */
export class InvalidSettingError extends Error {
  override name = 'InvalidSettingError';
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new InvalidSettingError(`${name} must be a port number between 1 and 65535, not '${raw}'`);
  }
  return value;
}

function positiveNumber(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new InvalidSettingError(`${name} must be a positive number, not '${raw}'`);
  }
  return value;
}

function origins(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  try {
    parseOrigins(raw, name);
  } catch (error) {
    if (error instanceof InvalidOriginError) throw new InvalidSettingError(error.message);
    throw error;
  }
  return raw;
}
