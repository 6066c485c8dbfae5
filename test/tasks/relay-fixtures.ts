/** Items of the relay's fast task tests. */
import { keys } from '../../core/keys.js';
import type { RelayItem, RelayMember } from '../../core/relay/model.js';

export const RELAY_ID = '0b8f5a3c-5a0e-4d7e-9a43-2f1d1f0c6b11';

export function relayMember(overrides: Partial<RelayMember> = {}): RelayMember {
  return {
    id: 'rita',
    uid: 'uid-rita',
    status: 'active',
    fullName: 'Rita Recipient',
    email: 'rita@recipient.example',
    consent: { consentMembers: { granted: true }, consentStudents: { granted: true } },
    ...overrides,
  };
}

export const sender = relayMember({
  id: 'sam',
  uid: 'uid-sam',
  fullName: 'Sam Sender',
  email: 'sam@sender.example',
});

export function relayRequest(overrides: Partial<RelayItem> = {}): RelayItem {
  return {
    ...keys.relay(RELAY_ID),
    entity: 'relay',
    relayId: RELAY_ID,
    recipientId: 'rita',
    recipientKey: 'member:uid-rita',
    senderKind: 'member',
    senderKey: 'member:uid-sam',
    senderMemberId: 'sam',
    createdAt: '2026-03-14T10:00:00.000Z',
    updatedAt: '2026-03-14T10:00:00.000Z',
    subject: 'The 1985 panto',
    message: 'Do you still have the programme?',
    expiresAt: 1_773_655_200,
    ...overrides,
  };
}
