/**
 * The one identity of an email address (`normalizeEmail`, core/keys.ts): the rules docs/api.md documents for
 * uniqueness, limits and blocks (issue 12, finding 6).
 */
import { describe, expect, it } from 'vitest';
import { normalizeEmail } from '../../core/keys.js';
import { studentSenderKey } from '../../core/relay/model.js';

describe('normalizeEmail: the mailbox an address reaches', () => {
  it.each([
    ['a +tag on any domain', 's+1@students.example.ac.uk', 's@students.example.ac.uk'],
    ['several + signs (all from the first)', 's+a+b@example.org', 's@example.org'],
    ['case and spaces', '  Stella.Smith@Students.Example.AC.UK ', 'stella.smith@students.example.ac.uk'],
    ['dots at gmail.com', 'Fred.Bloggs+news@gmail.com', 'fredbloggs@gmail.com'],
    ['googlemail.com is gmail.com', 'f.r.e.d.bloggs@googlemail.com', 'fredbloggs@gmail.com'],
  ])('folds %s', (_label, address, mailbox) => {
    expect(normalizeEmail(address)).toBe(mailbox);
  });

  it.each([
    [
      'dots at a university (Google Workspace and Microsoft 365 keep them)',
      'jo.smith@students.example.ac.uk',
    ],
    ['dots at any domain but gmail.com', 'jo.smith@outlook.com'],
    ['a sub-domain of the student domain', 's@cs.students.example.ac.uk'],
    ['a local part that is only a tag', '+tag@example.org'],
    ['a gmail.com look-alike', 'jo.smith@gmail.com.evil.example'],
  ])('keeps %s', (_label, address) => {
    expect(normalizeEmail(address)).toBe(address);
  });

  it('gives a student the same sender key (limits, pair rule, blocks) under every spelling', () => {
    const key = studentSenderKey('s@students.localhost');
    for (const spelling of ['s+1@students.localhost', 'S@STUDENTS.LOCALHOST', 'S+Flood@students.localhost']) {
      expect(studentSenderKey(spelling)).toBe(key);
    }
    expect(studentSenderKey('s.t@students.localhost')).not.toBe(key);
    expect(studentSenderKey('s@cs.students.localhost')).not.toBe(key);
  });
});
