import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { AfterHoursEvent } from '../../../src/events/types';
import { EventSpool, type EventSink } from '../../../src/store/eventSpool';
import { makeEvent } from '../crm/fixtures';

// A write the spool's disk refuses is not a crash and does not throw into the call: the event
// goes to the stream directly; with Redis down too it is held in memory and retried (to Redis,
// or to the disk once it has room); only beyond the memory limit, or at exit, is it logged as
// lost (AH_ERR_EVENT_LOST) and counted. A real
// full disk (ENOSPC on a small tmpfs) is test/integration/spoolFull.test.ts; here the folder
// is replaced by a file after start, so every write fails (ENOTDIR), also as root.

const event = (id: string): AfterHoursEvent => makeEvent({ id, time: '2026-11-25T20:00:00.000+01:00', did: '+48221234567' });

class Sink implements EventSink {
  down = false;
  readonly accepted: string[] = [];
  async append(e: AfterHoursEvent): Promise<void> {
    if (this.down) throw new Error('redis down');
    this.accepted.push(e.id);
  }
}

function refusingSpool(sink: Sink, memoryLimit?: number) {
  const dir = mkdtempSync(join(tmpdir(), 'spool-refused-'));
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) });
  const failures: [string, boolean][] = [];
  const spool = new EventSpool(dir, sink, log, {
    writeFailed: (code, lost) => failures.push([code, lost]),
    maskCaller: (n) => `***${n.slice(-3)}`,
    memoryLimit,
  });
  rmSync(dir, { recursive: true });
  writeFileSync(dir, 'not a folder');
  /** The disk takes writes again. */
  const diskBack = () => {
    rmSync(dir);
    mkdirSync(dir);
  };
  return { spool, lines, failures, dir, diskBack };
}

const lostLine = (lines: Record<string, unknown>[]) =>
  lines.find((l) => (l.err as { code?: string } | undefined)?.code === 'AH_ERR_EVENT_LOST');

describe('EventSpool: a refused write', () => {
  test('with Redis up, the event goes to the stream directly; counted, logged with AH_ERR_SPOOL_WRITE', async () => {
    const sink = new Sink();
    const { spool, lines, failures } = refusingSpool(sink);
    await expect(spool.add(event('direct'))).resolves.toBeUndefined();
    expect(sink.accepted).toEqual(['direct']);
    expect(failures).toEqual([['ENOTDIR', false]]);
    const line = lines.find((l) => (l.err as { code?: string } | undefined)?.code === 'AH_ERR_SPOOL_WRITE');
    expect(line).toMatchObject({ level: 50, event: 'direct', msg: expect.stringContaining('sent to Redis directly') });
    spool.close();
  });

  test('with Redis down too, the event is held in memory and sent once Redis is back: nothing lost', async () => {
    const sink = new Sink();
    sink.down = true;
    const { spool, lines, failures } = refusingSpool(sink);
    await expect(spool.add(event('held'))).resolves.toBeUndefined();
    expect(sink.accepted).toEqual([]);
    expect(await spool.pending()).toBe(1);
    expect(failures).toEqual([['ENOTDIR', false]]);
    expect(lines.find((l) => l.event === 'held' && l.level === 50)?.msg).toMatch(/held in memory/);
    await spool.flush(); // still down: kept
    expect(await spool.pending()).toBe(1);
    sink.down = false;
    await spool.flush();
    expect(sink.accepted).toEqual(['held']);
    expect(await spool.pending()).toBe(0);
    expect(lostLine(lines)).toBeUndefined();
    spool.close();
    expect(lostLine(lines)).toBeUndefined();
  });

  test('a held event goes to the disk once it has room, while Redis is still down, and on to Redis later', async () => {
    const sink = new Sink();
    sink.down = true;
    const { spool, lines, dir, diskBack } = refusingSpool(sink);
    await spool.add(event('a'));
    await spool.add(event('b'));
    diskBack();
    await spool.flush();
    expect(readdirSync(dir).filter((n) => n.endsWith('.json'))).toHaveLength(2);
    expect(await spool.pending()).toBe(2);
    // Out of memory now: a restart would still send them.
    spool.close();
    expect(lostLine(lines)).toBeUndefined();
    sink.down = false;
    const next = new EventSpool(dir, sink, pino({ level: 'silent' }));
    await next.flush();
    expect(sink.accepted).toEqual(['a', 'b']);
    expect(await next.pending()).toBe(0);
    next.close();
  });

  test('beyond the memory limit the event is lost: the add resolves, the loss is counted and logged with what the CRM will miss', async () => {
    const sink = new Sink();
    sink.down = true;
    const { spool, lines, failures } = refusingSpool(sink, 1);
    await spool.add(event('kept'));
    await expect(spool.add(event('gone'))).resolves.toBeUndefined();
    expect(sink.accepted).toEqual([]);
    expect(failures).toEqual([
      ['ENOTDIR', false],
      ['ENOTDIR', true],
    ]);
    const line = lostLine(lines);
    expect(line).toMatchObject({
      level: 50,
      event: 'gone',
      did: '+48221234567',
      caller: '***200',
      action: 'voicemail',
      outcome: 'recorded',
      recording: 'vm-1',
      time: '2026-11-25T20:00:00.000+01:00',
    });
    expect((line?.err as { message: string }).message).toMatch(
      /^event lost: the spool refused it \(ENOTDIR\) and Redis did not take it \(redis down\)/,
    );
    expect((line?.err as { errno?: string }).errno).toBe('ENOTDIR');
    sink.down = false;
    await spool.flush();
    expect(sink.accepted).toEqual(['kept']);
    spool.close();
  });

  test('events still held when the daemon stops are logged and counted as lost', async () => {
    const sink = new Sink();
    sink.down = true;
    const { spool, lines, failures } = refusingSpool(sink);
    await spool.add(event('at-exit'));
    spool.close();
    expect(failures).toEqual([
      ['ENOTDIR', false],
      ['ENOTDIR', true],
    ]);
    expect(lostLine(lines)).toMatchObject({ event: 'at-exit', did: '+48221234567' });
    expect(await spool.pending()).toBe(0);
  });
});
