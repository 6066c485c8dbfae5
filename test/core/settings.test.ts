/**
 * The settings schema (core/settings.ts): one parser for every numeric setting, the same defaults and messages
 * wherever a setting is read (a task, `npm start`, the CDK app), and every variable the code reads declared once.
 * No emulator.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verificationTimeoutSeconds, duplicateNoticesPerDay } from '../../core/members/settings.js';
import { relaySettings } from '../../core/relay/settings.js';
import { InvalidSettingError, parseNumberSetting, settings } from '../../core/settings.js';
import { staffInvitationTimeoutSeconds } from '../../core/staff/settings.js';
import { submissionSettings } from '../../core/submissions/settings.js';
import { signInAllowance } from '../../core/sign-in-limit.js';
import { readLocalSettings } from '../../infra/local/settings.js';
import { deployParameters, workflowSettingsEnvironment } from '../../infra/settings.js';
import { repoRoot } from '../../infra/workflows.js';

describe('the settings schema', () => {
  it('gives the documented defaults when nothing is set', () => {
    expect(verificationTimeoutSeconds({})).toBe(259_200);
    expect(duplicateNoticesPerDay({})).toBe(3);
    expect(staffInvitationTimeoutSeconds({})).toBe(604_800);
    expect(relaySettings({})).toEqual({
      studentEmailDomains: ['students.localhost'],
      studentVerificationTimeoutSeconds: 86_400,
      senderDailyLimit: 5,
      recipientDailyLimit: 3,
      studentDailyRequestLimit: 3,
      retentionDays: 180,
    });
    expect(submissionSettings({})).toEqual({
      decisionTimeoutSeconds: 259_200,
      reminderRounds: 2,
      claimSeconds: 1800,
      defaultSite: 'history',
      moderationNoticesPerDay: 20,
      anonymousSubmissionsPerSitePerDay: 100,
    });
    expect(signInAllowance({})).toEqual({ burst: 3, intervalSeconds: 1800 });
    expect(readLocalSettings({})).toEqual({
      apiPort: 8080,
      dynamoDbPort: 8000,
      sesPort: 8005,
      sfnPort: 8083,
      s3Port: 4569,
      dataDir: '.local',
      timeScale: 1,
      tableName: 'lumina-local',
      siteOrigins: undefined,
      apiRequestTimeoutMs: 10_000,
    });
  });

  it('parses every number with one parser: empty is the default, anything else within the bounds, named', () => {
    const rule = { integer: true, min: 1, max: 10 };
    expect(parseNumberSetting(undefined, 4, rule, 'X')).toBe(4);
    expect(parseNumberSetting('', 4, rule, 'X')).toBe(4);
    expect(parseNumberSetting(' 7 ', 4, rule, 'X')).toBe(7);
    for (const bad of ['0', '11', '2.5', 'seven', 'Infinity']) {
      expect(() => parseNumberSetting(bad, 4, rule, 'X')).toThrow(InvalidSettingError);
    }
    expect(() => parseNumberSetting('11', 4, rule, 'X')).toThrow(
      "X must be a positive integer and at most 10, not '11'",
    );
    expect(() => verificationTimeoutSeconds({ VERIFICATION_TIMEOUT_SECONDS: '59' })).toThrow(
      "VERIFICATION_TIMEOUT_SECONDS must be an integer of at least 60, not '59'",
    );
    expect(() => submissionSettings({ SUBMISSION_REMINDER_ROUNDS: '11' })).toThrow(
      /SUBMISSION_REMINDER_ROUNDS/,
    );
    expect(() => readLocalSettings({ API_PORT: '70000' })).toThrow(
      "API_PORT must be a port number between 1 and 65535, not '70000'",
    );
    expect(() => readLocalSettings({ LOCAL_TIME_SCALE: '0' })).toThrow(
      "LOCAL_TIME_SCALE must be a positive number, not '0'",
    );
    expect(readLocalSettings({ LOCAL_TIME_SCALE: '0.001' }).timeScale).toBe(0.001);
    // A CDK context value is named as such.
    expect(() => settings.apiRateLimit.parse('0', 'context apiRateLimit')).toThrow(
      "context apiRateLimit must be a positive integer, not '0'",
    );
    expect(() => settings.sesIdentityExists.parse('yes', 'context sesIdentityExists')).toThrow(
      "context sesIdentityExists must be true or false, not 'yes'",
    );
  });

  it('keeps the lists as before: lower-cased, trimmed, invalid sites left out, the default site one of them', () => {
    expect(
      relaySettings({ STUDENT_EMAIL_DOMAINS: ' Students.Example.ac.uk, ,b.example' }).studentEmailDomains,
    ).toEqual(['students.example.ac.uk', 'b.example']);
    expect(settings.sites.read({ SITES: 'History, bad site!,alumni' })).toEqual(['history', 'alumni']);
    expect(submissionSettings({ SITES: 'alumni,history' }).defaultSite).toBe('alumni');
    expect(() => submissionSettings({ SUBMISSION_DEFAULT_SITE: 'elsewhere' })).toThrow(
      'SUBMISSION_DEFAULT_SITE must be one of SITES',
    );
  });

  it('validates the workflow settings a deploy passes, by the same parser', () => {
    expect(workflowSettingsEnvironment({ relaySenderDailyLimit: '2' })).toMatchObject({
      RELAY_SENDER_DAILY_LIMIT: '2',
      SUBMISSION_DEFAULT_SITE: 'history',
      SITES: 'history,alumni',
    });
    expect(() => workflowSettingsEnvironment({ moderationClaimSeconds: '30' })).toThrow(
      /MODERATION_CLAIM_SECONDS/,
    );
  });

  it('declares every deploy parameter and every variable the code reads', () => {
    const names = deployParameters().map((parameter) => parameter.name);
    expect(names).toContain('verificationTimeoutSeconds');
    expect(names).toContain('failedExecutionsAlarmThreshold');
    expect(new Set(names).size).toBe(names.length);

    const declared = new Set(Object.values(settings).flatMap((setting) => setting.variable ?? []));
    // Variables the AWS SDK, CDK, the tooling or the local runtime's wiring own, not settings of this system.
    const notSettings = /^(AWS_|CDK_|BENCH_|DDB_LOCAL_|[A-Z_]+_STATE_MACHINE_ARN$)/;
    const read = new Set<string>();
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((entry) => {
        const path = join(dir, entry);
        return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
      });
    for (const dir of ['core', 'api', 'tasks', 'infra']) {
      for (const file of files(join(repoRoot, dir))) {
        const text = readFileSync(file, 'utf8');
        for (const [, name] of text.matchAll(/(?:env\.|env\[')([A-Z][A-Z0-9_]{2,})/g)) read.add(name!);
        for (const [, name] of text.matchAll(/requiredEnv\('([A-Z][A-Z0-9_]+)'\)/g)) read.add(name!);
        if (relative(repoRoot, file) !== 'core/settings.ts') {
          // One parser: nobody else turns a variable into a number.
          expect(text, relative(repoRoot, file)).not.toMatch(/Number\((?:process\.)?env\b/);
        }
      }
    }
    const undeclared = [...read].filter((name) => !notSettings.test(name) && !declared.has(name));
    expect(undeclared).toEqual([]);
  });
});
