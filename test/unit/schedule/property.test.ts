import fc from 'fast-check';
import { formatEpochDay, MS_PER_DAY, MS_PER_MINUTE } from '../../../src/schedule/calendar';
import { compileSchedule, type WeekTablesCache } from '../../../src/schedule/compile';
import { decide } from '../../../src/schedule/decide';
import { referenceState } from '../../support/referenceSchedule';
import {
  NEXT_CHANGE_HORIZON_MS,
  type HolidaySpec,
  type Override,
  type ScheduleInput,
  type TimeRange,
  type Weekday,
} from '../../../src/schedule/types';
import { zones } from './support';
import { mulberry32 } from '../../support/seededRandom';

// The compiled fast path (offset table + wall-clock rules) against the plain luxon
// evaluator written from the README, on random schedules and instants in 2024-2028.
// Instants are biased towards DST transitions and day boundaries, where bugs live.

const ZONES = [
  'Australia/Lord_Howe',
  'Australia/Sydney',
  'America/Santiago',
  'America/New_York',
  'Europe/Warsaw',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'UTC',
] as const;
const FROM = Date.UTC(2024, 0, 1);
const TO = Date.UTC(2029, 0, 1);

/** Every offset change of each zone in [FROM, TO], from the luxon-built table. */
const transitions = new Map<string, number[]>();
for (const name of ZONES) {
  const z = zones.get(name);
  z.ensure(FROM, TO);
  const list: number[] = [];
  for (let i = z.segmentIndex(FROM); z.segmentEnd(i) < TO; i++) list.push(z.segmentEnd(i));
  transitions.set(name, list);
}

test('the transition table has what the zones are known to do', () => {
  expect(transitions.get('Europe/Warsaw')).toHaveLength(10);
  expect(transitions.get('Australia/Lord_Howe')).toHaveLength(10);
  expect(transitions.get('Asia/Kolkata')).toHaveLength(0);
});

// Minutes biased to the hour and half hour so ranges start and end inside DST gaps and repeats.
const minute = fc.oneof(
  fc.integer({ min: 0, max: 48 }).map((x) => x * 30),
  fc.integer({ min: 0, max: 1440 }),
);

/** A day's ranges as the config would allow: sorted, not overlapping on their own date, optionally one overnight. */
const dayRanges: fc.Arbitrary<TimeRange[]> = fc
  .record({ cuts: fc.uniqueArray(minute, { maxLength: 6 }), overnight: fc.option(fc.tuple(minute, minute), { freq: 3 }) })
  .map(({ cuts, overnight }) => {
    const sorted = [...cuts].sort((a, b) => a - b);
    const out: TimeRange[] = [];
    for (let i = 0; i + 1 < sorted.length; i += 2) out.push({ start: sorted[i]!, end: sorted[i + 1]! });
    if (overnight) {
      const lastEnd = out.length ? out[out.length - 1]!.end : 0;
      const start = Math.max(lastEnd, Math.min(1439, overnight[0]));
      const end = Math.min(overnight[1], start) % 1440;
      if (start < 1440 && end !== start && (out.length === 0 || start >= lastEnd)) out.push({ start, end });
    }
    return out.filter((r) => r.start < 1440);
  });

const scheduleArb = fc.record({
  timezone: fc.constantFrom(...ZONES),
  days: fc.array(dayRanges, { minLength: 7, maxLength: 7 }),
  daysOff: fc.subarray([1, 2, 3, 4, 5, 6, 7] as Weekday[], { maxLength: 3 }),
  // Holidays relative to the instant's date (so they matter), plus a few anywhere.
  nearHolidays: fc.uniqueArray(fc.integer({ min: -2, max: 6 }), { maxLength: 4 }),
  farHolidays: fc.uniqueArray(fc.integer({ min: Math.floor(FROM / MS_PER_DAY), max: Math.floor(TO / MS_PER_DAY) }), { maxLength: 30 }),
});

const instantArb = fc.oneof(
  fc.integer({ min: FROM, max: TO - 1 }),
  // Near a transition of some zone, give or take a day, often on a whole minute.
  fc
    .tuple(
      fc.constantFrom(...ZONES.filter((z) => z !== 'UTC' && !z.startsWith('Asia'))),
      fc.nat(),
      fc.integer({ min: -MS_PER_DAY, max: MS_PER_DAY }),
      fc.boolean(),
    )
    .map(([zone, i, delta, round]) => {
      const list = transitions.get(zone)!;
      const t = list[i % list.length]! + delta;
      return round ? Math.floor(t / MS_PER_MINUTE) * MS_PER_MINUTE : t;
    }),
);

type Case = fc.Arbitrary<{ input: ScheduleInput; t: number }>;
const caseArb: Case = fc.tuple(scheduleArb, instantArb).map(([s, t]) => {
  const hours = {} as Record<Weekday, TimeRange[]>;
  s.days.forEach((r, i) => (hours[(i + 1) as Weekday] = r));
  const today = Math.floor(t / MS_PER_DAY);
  const holidays = new Set([...s.nearHolidays.map((k) => today + k), ...s.farHolidays]);
  return {
    t,
    input: {
      timezone: s.timezone,
      hours,
      daysOff: s.daysOff,
      holidays: [...holidays].map((d): HolidaySpec => ({ kind: 'date', date: formatEpochDay(d) })),
    },
  };
});

const refOpen = (input: ScheduleInput, t: number) => referenceState(input, t).open;

/** Shared across every run, as NumberDirectory shares it across numbers: a wrong cache key would show. */
const weekTables: WeekTablesCache = new Map();

/** Every whole UTC minute in (a, b), then b - 1: offsets are whole minutes, so no flip can hide between them. */
function expectNoFlipBetween(state: (x: number) => boolean, a: number, b: number, was: boolean): void {
  for (let x = Math.floor(a / MS_PER_MINUTE) * MS_PER_MINUTE + MS_PER_MINUTE; x < b; x += MS_PER_MINUTE) {
    if (state(x) !== was) throw new Error(`flip at ${new Date(x).toISOString()} before nextChange ${new Date(b).toISOString()}`);
  }
  if (b - 1 > a && state(b - 1) !== was) throw new Error(`flip just before nextChange ${new Date(b).toISOString()}`);
}

function checkNextChange(state: (x: number) => boolean, t: number, next: number | null, rng: () => number): void {
  const was = state(t);
  if (next === null) {
    for (let i = 0; i < 8; i++) {
      const x = t + Math.floor(rng() * NEXT_CHANGE_HORIZON_MS);
      if (state(x) !== was) throw new Error(`nextChange null but ${new Date(x).toISOString()} differs`);
    }
    return;
  }
  expect(next).toBeGreaterThan(t);
  expect(next - t).toBeLessThanOrEqual(NEXT_CHANGE_HORIZON_MS);
  expect(state(next)).toBe(!was);
  if (next - t <= 3 * MS_PER_DAY) expectNoFlipBetween(state, t, next, was);
  else for (let i = 0; i < 8; i++) expect(state(t + Math.floor(rng() * (next - t)))).toBe(was);
}

describe('compiled engine agrees with the reference evaluator', () => {
  it('open and reason at random instants', () => {
    fc.assert(
      fc.property(caseArb, ({ input, t }) => {
        const d = decide(compileSchedule(input, zones, weekTables), undefined, t);
        const r = referenceState(input, t);
        expect({ open: d.open, reason: d.reason }).toEqual({ open: r.open, reason: r.open ? 'working-hours' : r.reason });
      }),
      { numRuns: 3000 },
    );
  });

  it('nextChange is the first flip (checked minute by minute when within 3 days)', () => {
    fc.assert(
      fc.property(caseArb, fc.integer(), ({ input, t }, seed) => {
        const rng = mulberry32(seed);
        const d = decide(compileSchedule(input, zones), undefined, t);
        checkNextChange((x) => refOpen(input, x), t, d.nextChange, rng);
      }),
      { numRuns: 120 },
    );
  });

  it('with an override: its state until it expires, then the schedule', () => {
    const overrideArb = fc.record({
      state: fc.constantFrom('open' as const, 'closed' as const),
      until: fc.option(fc.integer({ min: -MS_PER_DAY, max: 3 * MS_PER_DAY })),
    });
    fc.assert(
      fc.property(caseArb, overrideArb, fc.integer(), ({ input, t }, o, seed) => {
        const override: Override = { state: o.state, ...(o.until === null ? {} : { until: t + o.until }) };
        const active = (x: number) => override.until === undefined || x < override.until;
        const effective = (x: number) => (active(x) ? override.state === 'open' : refOpen(input, x));
        const d = decide(compileSchedule(input, zones, weekTables), override, t);
        expect(d.open).toBe(effective(t));
        if (active(t)) expect(d.reason).toBe('override');
        checkNextChange(effective, t, d.nextChange, mulberry32(seed));
      }),
      { numRuns: 60 },
    );
  });
});

describe('several overrides (current, scheduled, nested) against a plain evaluator of the rule', () => {
  it('the most recently set of those in force applies, else the schedule; nextChange is the first flip of that', () => {
    // Boundaries on whole minutes (expectNoFlipBetween checks minute by minute), within 3 days of t.
    const window = fc.record({
      state: fc.constantFrom('open' as const, 'closed' as const),
      from: fc.option(fc.integer({ min: -24 * 60, max: 3 * 24 * 60 })),
      length: fc.option(fc.integer({ min: 1, max: 2 * 24 * 60 })),
      setAt: fc.integer({ min: 0, max: 5 }),
    });
    fc.assert(
      fc.property(caseArb, fc.array(window, { maxLength: 5 }), fc.integer(), ({ input, t }, ws, seed) => {
        const base = Math.floor(t / MS_PER_MINUTE) * MS_PER_MINUTE;
        const list: Override[] = ws.map((w) => {
          const from = w.from === null ? undefined : base + w.from * MS_PER_MINUTE;
          const until = w.length === null ? undefined : (from ?? base) + w.length * MS_PER_MINUTE;
          return { state: w.state, setAt: w.setAt, ...(from === undefined ? {} : { from }), ...(until === undefined ? {} : { until }) };
        });
        const inForce = (x: number) => {
          let best: Override | undefined;
          for (const o of list)
            if ((o.from === undefined || o.from <= x) && (o.until === undefined || x < o.until) && (!best || o.setAt! >= best.setAt!))
              best = o;
          return best;
        };
        const effective = (x: number) => {
          const o = inForce(x);
          return o ? o.state === 'open' : refOpen(input, x);
        };
        const d = decide(compileSchedule(input, zones, weekTables), list, t);
        expect(d.open).toBe(effective(t));
        expect(d.reason === 'override').toBe(inForce(t) !== undefined);
        checkNextChange(effective, t, d.nextChange, mulberry32(seed));
      }),
      { numRuns: 150 },
    );
  });
});
