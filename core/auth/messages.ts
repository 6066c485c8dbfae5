/** lumina's authentication error texts, which the sites match on. */
export const authMessages = {
  required: 'Authorization required',
  invalid: 'Invalid or expired token',
  memberGone: 'Member no longer exists',
  forbidden: 'You do not have permission to perform this action',
} as const;
