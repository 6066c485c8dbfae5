/**
 * Registration step 3: record the consent choices in the ledger, one entry per consent, timed at the start of the
 * execution. The keys are deterministic, so a retry rewrites the same entries instead of adding more.
 */
import { z } from 'zod';
import { applyConsent } from '../core/members/consent.js';
import { RegistrationStartSchema, loadRegistrationRequest } from '../core/members/registration-request.js';
import { memberRepository } from '../core/members/repository.js';
import { defineTask } from './define-task.js';

export const handler = defineTask({
  name: 'record-consent',
  input: RegistrationStartSchema.extend({ at: z.iso.datetime() }),
  output: z.object({ entries: z.number().int() }),
  dependencies: { members: memberRepository },
  async run(input, { members }) {
    const { consent } = await loadRegistrationRequest(input, members);
    const { entries } = applyConsent(input.memberId, undefined, consent, input.at, 'registration');
    // Throttled writes that stay unprocessed are RetryableError: the workflow retries the whole (idempotent) step.
    await members.putConsentEntries(entries);
    return { entries: entries.length };
  },
});
