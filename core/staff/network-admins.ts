/**
 * lumina's `isAdmin` in the member response: whether the member's address belongs to an active staff user holding
 * `network:admin`. Read from the staff records each time (no flag is stored on the member).
 */
import { normalizeEmail } from '../keys.js';
import { isNetworkAdmin } from './rules.js';
import { findStaffByEmail, listStaff, scopesOf } from './repository.js';

export async function isNetworkAdminEmail(email: string): Promise<boolean> {
  const staff = await findStaffByEmail(email);
  return staff?.status === 'active' && isNetworkAdmin(await scopesOf(staff.id));
}

/** The addresses (normalized) of every active network admin: one pass over the staff list, for member listings. */
export async function networkAdminEmails(): Promise<Set<string>> {
  const emails = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = await listStaff({ limit: 100, ...(cursor ? { cursor } : {}) });
    for (const { staff, scopes } of page.items) {
      if (staff.status === 'active' && isNetworkAdmin(scopes)) emails.add(normalizeEmail(staff.email));
    }
    cursor = page.cursor;
  } while (cursor);
  return emails;
}
