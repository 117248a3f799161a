import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { AfterHoursEvent } from '../../../src/events/types';
import { EventSpool, type EventSink } from '../../../src/store/eventSpool';
import { makeEvent } from '../crm/fixtures';

// A write the spool's disk refuses is not a crash and does not throw into the call: the event
// goes to the stream directly, or is logged as lost (AH_ERR_EVENT_LOST) and counted. A real
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

function refusingSpool(sink: Sink) {
  const dir = mkdtempSync(join(tmpdir(), 'spool-refused-'));
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) });
  const failures: [string, boolean][] = [];
  const spool = new EventSpool(dir, sink, log, {
    writeFailed: (code, lost) => failures.push([code, lost]),
    maskCaller: (n) => `***${n.slice(-3)}`,
  });
  rmSync(dir, { recursive: true });
  writeFileSync(dir, 'not a folder');
  return { spool, lines, failures };
}

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

  test('with Redis down too, the event is lost: the add resolves, the loss is counted and logged with what the CRM will miss', async () => {
    const sink = new Sink();
    sink.down = true;
    const { spool, lines, failures } = refusingSpool(sink);
    await expect(spool.add(event('gone'))).resolves.toBeUndefined();
    expect(sink.accepted).toEqual([]);
    expect(failures).toEqual([['ENOTDIR', true]]);
    const line = lines.find((l) => (l.err as { code?: string } | undefined)?.code === 'AH_ERR_EVENT_LOST');
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
    spool.close();
  });
});
