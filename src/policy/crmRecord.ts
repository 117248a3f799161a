// A CRM record the caller matched: what the CRM policy picks from and the notification names.

export type CrmEntityType = 'CONTACT' | 'COMPANY' | 'LEAD';

export interface CrmRecord {
  type: CrmEntityType;
  id: number;
  /** The record's responsible (assigned) user; absent when the CRM has none. */
  responsibleUserId?: number;
}
