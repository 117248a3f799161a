import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { AfterHoursEvent } from '../../../src/events/types';
import { EventSpool, type EventSink } from '../../../src/store/eventSpool';

const log = pino({ level: 'silent' });

function event(id: string): AfterHoursEvent {
  return {
    id,
    type: 'after-hours.call',
    time: '2026-11-25T20:00:00.000+01:00',
    did: '+48221234567',
    name: 'Warsaw office',
    timezone: 'Europe/Warsaw',
    caller: '+48600100200',
    reason: 'outside-hours',
    action: 'hangup',
    outcome: { kind: 'rejected', cause: 'busy' },
    crm: { lookup: true, unknownCaller: 'lead', queue: [1], notify: 'first', language: 'en' },
    channel: { id: 'c1', name: 'PJSIP/callers-1' },
    linkedid: 'c1',
  };
}

/** A sink that fails while `down` is true and records what it accepted. */
class FlakySink implements EventSink {
  down = true;
  readonly accepted: string[] = [];
  async append(e: AfterHoursEvent): Promise<void> {
    if (this.down) throw new Error('redis down');
    this.accepted.push(e.id);
  }
}

const until = async (fn: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!fn() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  return fn();
};

describe('EventSpool', () => {
  test('keeps events on disk while the sink is down, then sends each once, in order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spool-'));
    const sink = new FlakySink();
    const spool = new EventSpool(dir, sink, log);
    await spool.add(event('a'));
    await spool.add(event('b'));
    await spool.flush();
    expect(sink.accepted).toEqual([]);
    expect(
      readdirSync(dir)
        .sort()
        .map((n) => n.replace(/^\d+-\d+-/, '')),
    ).toEqual(['a.json', 'b.json']);
    sink.down = false;
    await spool.flush();
    expect(sink.accepted).toEqual(['a', 'b']);
    expect(readdirSync(dir)).toEqual([]);
    await spool.flush();
    expect(sink.accepted).toEqual(['a', 'b']);
    spool.close();
  });

  test('retries by itself with backoff once the sink is back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spool-'));
    const sink = new FlakySink();
    const spool = new EventSpool(dir, sink, log);
    await spool.add(event('x'));
    await new Promise((r) => setTimeout(r, 50));
    sink.down = false;
    expect(await until(() => sink.accepted.length === 1)).toBe(true);
    spool.close();
  });

  test('a new spool on the same folder (a restarted daemon) sends what the old one left', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spool-'));
    const first = new EventSpool(dir, new FlakySink(), log);
    await first.add(event('left-behind'));
    first.close();
    const sink = new FlakySink();
    sink.down = false;
    const second = new EventSpool(dir, sink, log);
    await second.flush();
    expect(sink.accepted).toEqual(['left-behind']);
    second.close();
  });
});

describe('EventSpool under a steady stream', () => {
  test('an event added while a flush is running is sent by that flush, not left for the next one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spool-'));
    const accepted: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const sink: EventSink = {
      async append(e) {
        if (e.id === 'first') await gate; // the first send is slow
        accepted.push(e.id);
      },
    };
    const spool = new EventSpool(dir, sink, log);
    await spool.add(event('first'));
    const flushing = spool.flush();
    await spool.add(event('second')); // arrives mid-flush
    release();
    await flushing;
    expect(accepted).toEqual(['first', 'second']);
    expect(readdirSync(dir)).toEqual([]);
    spool.close();
  });
});
