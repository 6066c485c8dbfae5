/** lumina's member error texts, which the sites match on: the API answers them, `core/` throws them. */
export const memberMessages = {
  notFound: 'Member not found',
  alreadyExists: 'Member already exists',
  cannotRead: 'You cannot read another member',
  cannotUpdate: 'You cannot update another member',
  cannotDelete: 'You cannot delete another member',
  concurrentChange: 'The member was changed by another request; reload it and try again',
  emailUnavailable: 'The email could not be sent; please try again later',
  tooLarge: 'Request body too large',
} as const;
