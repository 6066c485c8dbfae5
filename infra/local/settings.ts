/** The local runtime's settings (`npm start`), from the environment: the schema and defaults are core/settings.ts. */
import { settings } from '../../core/settings.js';
import { parseFaultPlan, type FaultPlan } from './faults.js';

export { InvalidSettingError } from '../../core/settings.js';

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
  /** Fault injection (`LOCAL_FAULTS`); undefined: off. */
  faults?: FaultPlan;
}

/** Throws `InvalidSettingError` (printed as one line by the supervisor) for a setting that cannot work. */
export function readLocalSettings(env: NodeJS.ProcessEnv = process.env): LocalSettings {
  return {
    apiPort: settings.apiPort.read(env),
    dynamoDbPort: settings.dynamoDbPort.read(env),
    sesPort: settings.sesPort.read(env),
    sfnPort: settings.sfnPort.read(env),
    s3Port: settings.s3Port.read(env),
    dataDir: settings.localDataDir.read(env),
    timeScale: settings.localTimeScale.read(env),
    tableName: settings.tableName.read(env),
    siteOrigins: settings.siteOrigins.read(env),
    apiRequestTimeoutMs: settings.apiRequestTimeoutMs.read(env),
    ...optionalFaults(settings.localFaults.read(env)),
  };
}

function optionalFaults(text: string | undefined): { faults?: FaultPlan } {
  return text === undefined ? {} : { faults: parseFaultPlan(text) };
}
