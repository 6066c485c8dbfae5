/** The staff authorization rules (core/staff/rules.ts): pure functions over scopes, as CompactConnect states them. */
import { describe, expect, it } from 'vitest';
import type { Scope } from '../../core/staff/model.js';
import {
  adminSites,
  canGrantScope,
  canManage,
  canSee,
  checkPermissionChange,
  isNetworkAdmin,
} from '../../core/staff/rules.js';

const networkAdmin: Scope[] = ['network:admin', 'network:read'];
const historyAdmin: Scope[] = ['site:history:admin', 'site:history:moderate'];
const historyModerator: Scope[] = ['site:history:moderate'];
const bothSitesModerator: Scope[] = ['site:history:moderate', 'site:alumni:moderate'];
const networkReader: Scope[] = ['network:read'];

const every: Scope[] = [
  'network:admin',
  'network:read',
  'site:history:admin',
  'site:history:moderate',
  'site:alumni:admin',
  'site:alumni:moderate',
];

describe('staff rules', () => {
  it('a network admin can grant every scope, and see and manage every user', () => {
    expect(isNetworkAdmin(networkAdmin)).toBe(true);
    for (const scope of every) expect(canGrantScope(networkAdmin, scope)).toBe(true);
    for (const target of [historyModerator, bothSitesModerator, networkReader, networkAdmin, []]) {
      expect(canSee(networkAdmin, 'admin', 'other', target)).toBe(true);
      expect(canManage(networkAdmin, 'admin', 'other', target)).toBe(true);
    }
    expect(checkPermissionChange(networkAdmin, 'admin', 'other', historyModerator, every)).toBeUndefined();
  });

  it('a site admin of history grants only history scopes, never network:read', () => {
    expect(adminSites(historyAdmin)).toEqual(new Set(['history']));
    expect(canGrantScope(historyAdmin, 'site:history:moderate')).toBe(true);
    expect(canGrantScope(historyAdmin, 'site:history:admin')).toBe(true);
    expect(canGrantScope(historyAdmin, 'site:alumni:moderate')).toBe(false);
    expect(canGrantScope(historyAdmin, 'network:read')).toBe(false);
    expect(canGrantScope(historyAdmin, 'network:admin')).toBe(false);
    expect(checkPermissionChange(historyAdmin, 'hadmin', 'mod', [], ['network:read'])).toBe('not-grantable');
    expect(
      checkPermissionChange(historyAdmin, 'hadmin', 'mod', historyModerator, [
        'site:history:moderate',
        'site:alumni:moderate',
      ]),
    ).toBe('not-grantable');
  });

  it('a site admin of history sees and manages a history-only moderator', () => {
    expect(canSee(historyAdmin, 'hadmin', 'mod', historyModerator)).toBe(true);
    expect(canManage(historyAdmin, 'hadmin', 'mod', historyModerator)).toBe(true);
    expect(
      checkPermissionChange(historyAdmin, 'hadmin', 'mod', historyModerator, [
        'site:history:admin',
        'site:history:moderate',
      ]),
    ).toBeUndefined();
    expect(checkPermissionChange(historyAdmin, 'hadmin', 'mod', historyModerator, [])).toBeUndefined();
  });

  it('a site admin of history neither sees nor manages a user who also holds an alumni scope (not found)', () => {
    expect(canSee(historyAdmin, 'hadmin', 'both', bothSitesModerator)).toBe(false);
    expect(canManage(historyAdmin, 'hadmin', 'both', bothSitesModerator)).toBe(false);
    // Nor a network reader, nor an invitee without scopes (only network staff see those).
    expect(canSee(historyAdmin, 'hadmin', 'reader', networkReader)).toBe(false);
    expect(canSee(historyAdmin, 'hadmin', 'bare', [])).toBe(false);
    expect(canManage(historyAdmin, 'hadmin', 'bare', [])).toBe(false);
  });

  it('a moderator or a network reader manages nobody; a reader sees everyone', () => {
    expect(canManage(historyModerator, 'mod', 'other', historyModerator)).toBe(false);
    expect(canGrantScope(historyModerator, 'site:history:moderate')).toBe(false);
    expect(canSee(historyModerator, 'mod', 'other', historyModerator)).toBe(false);
    expect(canSee(networkReader, 'reader', 'other', bothSitesModerator)).toBe(true);
    expect(canManage(networkReader, 'reader', 'other', bothSitesModerator)).toBe(false);
  });

  it('nobody raises their own permissions, a network admin included', () => {
    expect(
      checkPermissionChange(historyAdmin, 'me', 'me', historyAdmin, [...historyAdmin, 'network:read']),
    ).toBe('raise-own');
    expect(
      checkPermissionChange(historyModerator, 'me', 'me', historyModerator, [
        'site:history:admin',
        'site:history:moderate',
      ]),
    ).toBe('raise-own');
    expect(
      checkPermissionChange(
        ['network:admin'],
        'me',
        'me',
        ['network:admin'],
        ['network:admin', 'network:read'],
      ),
    ).toBe('raise-own');
    // A site admin cannot manage themself through canManage either; a network admin can (to step down).
    expect(canManage(historyAdmin, 'me', 'me', historyAdmin)).toBe(false);
    expect(canManage(networkAdmin, 'me', 'me', networkAdmin)).toBe(true);
  });

  it('a user may remove their own scopes', () => {
    expect(
      checkPermissionChange(historyAdmin, 'me', 'me', historyAdmin, ['site:history:moderate']),
    ).toBeUndefined();
    expect(checkPermissionChange(networkAdmin, 'me', 'me', networkAdmin, ['network:read'])).toBeUndefined();
    // Anyone sees themself.
    expect(canSee(historyModerator, 'me', 'me', historyModerator)).toBe(true);
  });
});
