/** The staff API's answers (the sites and tests match on them); the domain errors carry them. */
export const staffMessages = {
  notFound: 'Staff user not found',
  emailTaken: 'A staff user with this email already exists',
  raiseOwn: 'You cannot raise your own permissions',
  lastNetworkAdmin: 'The last network admin cannot be removed',
  notInvited: 'This staff user has already accepted their invitation',
  unknownSite: 'Unknown site',
  noPermissions: 'Give the staff user at least one permission',
  invalidCursor: 'Invalid cursor',
  tooLarge: 'Request body too large',
} as const;
