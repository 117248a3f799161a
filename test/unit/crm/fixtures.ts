import type { AfterHoursEvent } from '../../../src/events/types';

let counter = 0;

/** A valid voicemail event for +48221002030 "Sales"; override any field. */
export function makeEvent(patch: Partial<Record<keyof AfterHoursEvent, unknown>> = {}): AfterHoursEvent {
  counter += 1;
  const base = {
    id: `ev-${process.pid}-${Date.now()}-${counter}`,
    type: 'after-hours.call',
    time: '2025-01-06T19:42:00+01:00',
    did: '+48221002030',
    name: 'Sales',
    timezone: 'Europe/Warsaw',
    caller: '+48600100200',
    reason: 'outside-hours',
    action: 'voicemail',
    outcome: { kind: 'recorded', recording: { name: 'vm-1', format: 'wav' }, durationSeconds: 72 },
    crm: { lookup: true, unknownCaller: 'lead', queue: [11, 12, 13], notify: 'first', language: 'en' },
    channel: { id: '1736188920.12', name: 'PJSIP/trunk-00000012' },
    linkedid: '1736188920.12',
  };
  return { ...base, ...patch } as AfterHoursEvent;
}
