import type { CompiledSchedule } from '../schedule/compile';
import { decide } from '../schedule/decide';
import type { Overrides } from '../schedule/types';
import type { CallerRules } from './callers';

// The open fast path's decision: what the daemon publishes into Asterisk for a number at an
// instant. The dialplan routes a call straight to normal routing, without Stasis, while the
// published "open until T" (epoch seconds) is still in the future; anything else asks the
// daemon. So only a promise that holds for every caller until T may be published: the number
// is open now, stays open until T whatever happens meanwhile on the schedule's own account,
// and no caller can be treated otherwise (callers.block). Pure: data in, decision out.

/**
 * The farthest an open number is promised ahead (about a day, on the hour so it changes
 * once an hour): a daemon that died cannot keep a number open on the fast path for longer
 * than this, and a live one renews it (the publisher wakes at least hourly).
 */
export const OPEN_UNTIL_CAP_MS = 24 * 3_600_000;
const HOUR_MS = 3_600_000;

/** What of a number the fast path needs (a compiled NumberConfig is one). */
export interface FastPathNumber {
  callers?: CallerRules;
  /** The number's `fastPath` setting; absent means on. */
  fastPath?: boolean;
}

export type OpenUntilReason = 'open' | 'closed' | 'callers-block' | 'off-for-number' | 'off';

export interface OpenUntil {
  /** Epoch seconds the call may go straight to normal routing before; null: publish nothing (ask the daemon). */
  until: number | null;
  reason: OpenUntilReason;
  /** UTC ms of the number's next open/closed flip (null: none within the engine's horizon): the publisher's next wake. */
  nextChange: number | null;
}

/**
 * What to publish for `number` at `now` (UTC ms). `enabled` is the global switch. T is the
 * next flip rounded down to the second (the dialplan compares `T > ${EPOCH}`, so the number
 * is never routed open on the fast path at or after its flip), at most OPEN_UNTIL_CAP_MS ahead.
 */
export function openUntil(
  number: FastPathNumber,
  schedule: CompiledSchedule,
  overrides: Overrides,
  now: number,
  enabled = true,
): OpenUntil {
  const d = decide(schedule, overrides, now);
  const none = (reason: OpenUntilReason): OpenUntil => ({ until: null, reason, nextChange: d.nextChange });
  if (!enabled) return none('off');
  if (number.fastPath === false) return none('off-for-number');
  if (!d.open) return none('closed');
  // A blocked caller is rejected even while the number is open: every call must be looked at.
  if ((number.callers?.block.length ?? 0) > 0) return none('callers-block');
  const cap = Math.floor((now + OPEN_UNTIL_CAP_MS) / HOUR_MS) * HOUR_MS;
  const untilMs = d.nextChange === null ? cap : Math.min(d.nextChange, cap);
  const until = Math.floor(untilMs / 1000);
  // A flip within this very second: the dialplan would ask the daemon anyway.
  if (until * 1000 <= now) return none('closed');
  return { until, reason: 'open', nextChange: d.nextChange };
}
