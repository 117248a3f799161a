import { DateTime } from 'luxon';
import { parseDaysOff, parseHours, type SyntaxProblem } from '../../../src/config/hoursSyntax';
import { parseIsoDate } from '../../../src/schedule/calendar';
import { compileSchedule, type CompiledSchedule } from '../../../src/schedule/compile';
import { decide } from '../../../src/schedule/decide';
import { referenceState } from '../../support/referenceSchedule';
import type { HolidaySpec, Override, Reason, ScheduleInput } from '../../../src/schedule/types';
import { ZoneOffsetsCache } from '../../../src/schedule/zoneOffsets';

// Schedules written the way the YAML writes them, so a test reads like the README.

/** One offset table for every test: 2023 to 2030 covers every instant the tests use. */
export const zones = new ZoneOffsetsCache(Date.UTC(2023, 0, 1), Date.UTC(2030, 0, 1));

export interface ScheduleSpec {
  timezone: string;
  /** As in the YAML: a range string, a list, or a map of weekday keys. */
  hours: unknown;
  daysOff?: string[];
  /** `YYYY-MM-DD` or `YYYY-MM-DD..YYYY-MM-DD` (inclusive). */
  holidays?: string[];
}

export function scheduleInput(spec: ScheduleSpec): ScheduleInput {
  const problems: SyntaxProblem[] = [];
  const hours = parseHours(spec.hours, ['hours'], problems);
  if (problems.length > 0) throw new Error(`bad test schedule: ${problems.map((p) => p.message).join('; ')}`);
  const holidays = (spec.holidays ?? []).map((h): HolidaySpec => {
    const [a, b = a] = h.split('..');
    if (parseIsoDate(a!) === undefined || parseIsoDate(b!) === undefined) throw new Error(`bad test holiday ${h}`);
    return { kind: 'range', from: a!, to: b! };
  });
  return {
    timezone: spec.timezone,
    hours,
    daysOff: parseDaysOff(spec.daysOff ?? []),
    holidays,
  };
}

export interface Built {
  input: ScheduleInput;
  schedule: CompiledSchedule;
}

export function build(spec: ScheduleSpec): Built {
  const input = scheduleInput(spec);
  return { input, schedule: compileSchedule(input, zones) };
}

/** An instant from ISO 8601 with an explicit offset (never local wall time: that can be ambiguous). */
export function at(iso: string): number {
  if (!/(Z|[+-]\d{2}:\d{2})$/.test(iso)) throw new Error(`give ${iso} an offset`);
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad instant ${iso}`);
  return ms;
}

export function isoIn(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toISO({ suppressMilliseconds: true })!;
}

export interface Verdict {
  open: boolean;
  reason: Reason;
  nextChange: string | null;
}

/** The engine's decision with nextChange shown in the number's zone (with offset). */
export function verdict(b: Built, t: number, override?: Override): Verdict {
  const d = decide(b.schedule, override, t);
  return { open: d.open, reason: d.reason, nextChange: d.nextChange === null ? null : isoIn(d.nextChange, b.input.timezone) };
}

/** Open/reason from the compiled engine and from the reference evaluator; they must agree. */
export function stateOf(b: Built, t: number): { open: boolean; reason: Reason } {
  const d = decide(b.schedule, undefined, t);
  const r = referenceState(b.input, t);
  const ref: { open: boolean; reason: Reason } = { open: r.open, reason: r.open ? 'working-hours' : r.reason };
  expect({ open: d.open, reason: d.reason }).toEqual(ref);
  return ref;
}

export const OPEN = { open: true, reason: 'working-hours' } as const;
export const closed = (reason: Reason) => ({ open: false, reason });
