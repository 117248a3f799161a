// What the CRM should do about one after-hours call. Pure: the event and the result of the
// caller look-up in, a list of CRM actions out. Adapters perform the look-up and the actions.
import type { RecordingRef } from './actions';
import type { AfterHoursEvent } from './callEvent';
import { ANONYMOUS, recordedVoicemail } from './callEvent';
import type { CrmEntityType, CrmRecord } from './crmRecord';
import { notificationText } from './notificationText';

export type { CrmEntityType, CrmRecord } from './crmRecord';

/** Every record the CRM matched for the caller; the policy picks one (pickRecord). */
export type LookupResult = { kind: 'skipped' } | { kind: 'found'; matches: CrmRecord[] } | { kind: 'not-found' };

export interface RegisterCallAction {
  kind: 'register-call';
  /** The user the call activity belongs to. */
  userId: number;
  /**
   * Who takes the call when the CRM refuses `userId` (fired or deactivated: "User is not found or
   * is not active"): the number's queue users in order, without `userId`. Bitrix24's own
   * telephony hands such a call to the queue the same way.
   */
  fallbackUserIds: number[];
  /** Caller, E.164. */
  phone: string;
  /** The DID the call came in on (an external line in the CRM). */
  line: string;
  /** The number's name, the line's name in the CRM. */
  lineName: string;
  /** ISO 8601 with offset. */
  startTime: string;
  /** Attach to this record; absent when creating a lead. */
  attachTo?: { type: CrmEntityType; id: number };
  /** Create a lead for the caller (unknown caller, unknownCaller: lead). */
  createLead: boolean;
  /** The lead's source (crm.source); absent: the CRM's default. */
  source?: string;
  /** 'answered' only for a forward that was answered. */
  status: 'missed' | 'answered';
  /**
   * Talk time: a forward's answered leg, else 0. A voicemail's length is not talk time: Bitrix24
   * counts any call with a duration as a conversation in its statistics and writes "Call
   * duration" on the activity, so a missed call with a message goes as 0 (the recording is
   * attached, and its length is in the notification text).
   */
  durationSeconds: number;
}

export interface AttachRecordingAction {
  kind: 'attach-recording';
  recording: RecordingRef;
  durationSeconds: number;
}

export interface NotifyAction {
  kind: 'notify';
  userId: number;
  text: string;
  /** Same tag for every delivery of the event: a repeat replaces, never duplicates (applications only). */
  tag: string;
  /**
   * The notification is for the user the call is registered to: when the CRM hands the call to a
   * queue user instead (the first one is inactive), that user gets it.
   */
  followsCall?: boolean;
}

export type CrmAction = RegisterCallAction | AttachRecordingAction | NotifyAction;

const TYPE_ORDER: Record<CrmEntityType, number> = { CONTACT: 0, COMPANY: 1, LEAD: 2 };

/** The CRM is asked about the caller only when the number wants it and the caller is known. */
export function needsLookup(event: AfterHoursEvent): boolean {
  return event.crm.lookup && event.caller !== ANONYMOUS && event.reason !== 'caller-blocked';
}

/**
 * Several records match one phone number: a contact wins over a company, a company over a
 * lead (a person before an organisation, an established record before a prospect); among
 * records of one type the lowest id (the oldest) wins.
 */
export function pickRecord(matches: readonly CrmRecord[]): CrmRecord | undefined {
  let best: CrmRecord | undefined;
  for (const m of matches) {
    if (best === undefined || TYPE_ORDER[m.type] < TYPE_ORDER[best.type] || (m.type === best.type && m.id < best.id)) best = m;
  }
  return best;
}

export function notificationTag(event: AfterHoursEvent): string {
  return `after-hours:${event.id}`;
}

/** `outcome`: the sentence of the event's outcome for the notification (src/actions/outcomes.ts' outcomeText). */
export function decideCrmActions(event: AfterHoursEvent, lookup: LookupResult, outcome: string): CrmAction[] {
  // A caller the operator blocked is not a missed customer: no record, no lead, no notification.
  if (event.reason === 'caller-blocked') return [];
  const queueUsers = event.crm.notify === 'all' ? event.crm.queue : event.crm.queue.slice(0, 1);
  const firstQueueUser: number | undefined = event.crm.queue[0];
  const notify = (userIds: readonly number[], record?: CrmRecord, callUser?: number): NotifyAction[] => {
    const text = notificationText(event, outcome, { record });
    return [...new Set(userIds)].map((userId) => ({
      kind: 'notify',
      userId,
      text,
      tag: notificationTag(event),
      ...(userId === callUser ? { followsCall: true } : {}),
    }));
  };

  // Anonymous caller, look-up off, or a CRM that cannot look up: notify only.
  if (!needsLookup(event) || lookup.kind === 'skipped') return notify(queueUsers);

  if (lookup.kind === 'found') {
    const record = pickRecord(lookup.matches);
    if (record !== undefined) {
      // Bitrix24's rule: the record's responsible user, else the first queue user.
      const userId = record.responsibleUserId ?? firstQueueUser;
      if (userId === undefined) return [];
      return [
        registerCall(event, userId, { attachTo: { type: record.type, id: record.id }, createLead: false }),
        ...recordingActions(event),
        ...notify([userId], record, userId),
      ];
    }
  }

  // Not found.
  if (event.crm.unknownCaller === 'offer' || firstQueueUser === undefined) return notify(queueUsers);
  return [
    registerCall(event, firstQueueUser, { createLead: true }),
    ...recordingActions(event),
    ...notify(queueUsers, undefined, event.crm.notify === 'first' ? firstQueueUser : undefined),
  ];
}

function registerCall(
  event: AfterHoursEvent,
  userId: number,
  target: { attachTo?: RegisterCallAction['attachTo']; createLead: boolean },
): RegisterCallAction {
  const o = event.outcome;
  const answered = o.kind === 'forwarded' && o.answered;
  return {
    kind: 'register-call',
    userId,
    fallbackUserIds: [...new Set(event.crm.queue)].filter((u) => u !== userId),
    phone: event.caller,
    line: event.did,
    lineName: event.name,
    startTime: event.time,
    ...(target.attachTo ? { attachTo: target.attachTo } : {}),
    createLead: target.createLead,
    ...(target.createLead && event.crm.source !== undefined ? { source: event.crm.source } : {}),
    status: answered ? 'answered' : 'missed',
    durationSeconds: answered ? Math.round(o.durationSeconds ?? 0) : 0,
  };
}

function recordingActions(event: AfterHoursEvent): AttachRecordingAction[] {
  const vm = recordedVoicemail(event);
  return vm ? [{ kind: 'attach-recording', recording: vm.recording, durationSeconds: vm.durationSeconds }] : [];
}
