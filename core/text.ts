/**
 * What people may write in free text and in one-line fields (names, subjects). Shared by every schema that takes
 * text which ends up in an email to someone else: a control character or a line break in a name would let its
 * writer start new lines in the plain-text part of that email (a fake footer, a second "Report" line).
 */
import { z } from 'zod';

/** Text a person may write: no control characters but line breaks and tabs. */
export const plainText = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'Must not be empty')
    .max(max)
    .refine(
      // Matching control characters is the point of this expression.
      // eslint-disable-next-line no-control-regex
      (value) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029]/.test(value),
      'Must not contain control characters',
    );

/** One line (names, subjects): line breaks are refused outright. */
export const singleLine = (max: number) =>
  plainText(max).refine((value) => !/[\r\n]/.test(value), 'Must be a single line');
