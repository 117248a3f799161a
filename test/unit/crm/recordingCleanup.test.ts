import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Redis } from 'ioredis';
import { RECORDING_STORED, RECORDING_STORED_STEP, type CrmAdapter, type StepJournal } from '../../../src/crm/adapter';
import { createAriRecordingDeleter, withRecordingCleanup } from '../../../src/crm/ariRecordings';
import { workerSettings } from '../../../src/settings/processes';
import { makeEvent } from './fixtures';

function memoryJournal(): StepJournal & { steps: Map<string, string> } {
  const steps = new Map<string, string>();
  return { steps, get: async (k) => steps.get(k), set: async (k, v) => void steps.set(k, v) };
}

/** A CRM that stores the voicemail (as the Bitrix24 adapter's journaled attach step does), or not. */
function inner(fail = false, stores = true): CrmAdapter & { applied: number } {
  const a: CrmAdapter & { applied: number } = {
    name: 'fake',
    applied: 0,
    lookupCaller: async () => ({ kind: 'skipped' as const }),
    async apply(_event, _actions, context) {
      a.applied += 1;
      if (fail) throw new Error('CRM down');
      if (stores) await context.journal.set(RECORDING_STORED_STEP, RECORDING_STORED);
    },
  };
  return a;
}

describe('voicemail deletion from Asterisk after the CRM work', () => {
  const signal = new AbortController().signal;
  const noRedis = {} as Redis;

  it('deletes once the adapter has stored it, as a journaled step a redelivery skips', async () => {
    const deleted: string[] = [];
    const a = withRecordingCleanup(inner(), {
      deleteRecording: async (n) => (deleted.push(n), deleted.length === 1),
      retentionMs: 0,
      redis: noRedis,
      dueKey: 'k',
    });
    const journal = memoryJournal();
    const event = makeEvent();
    await a.apply(event, [], { journal, signal });
    expect(deleted).toEqual(['vm-1']);
    expect(journal.steps.get('recording-deleted')).toBe('deleted');
    await a.apply(event, [], { journal, signal });
    expect(deleted).toEqual(['vm-1']);
  });

  it('never before: a failed CRM step leaves the recording in place', async () => {
    const deleted: string[] = [];
    const a = withRecordingCleanup(inner(true), {
      deleteRecording: async (n) => (deleted.push(n), true),
      retentionMs: 0,
      redis: noRedis,
      dueKey: 'k',
    });
    await expect(a.apply(makeEvent(), [], { journal: memoryJournal(), signal })).rejects.toThrow('CRM down');
    expect(deleted).toEqual([]);
  });

  it('a voicemail no CRM stored stays in Asterisk when there is no retention (never deleted unseen)', async () => {
    const deleted: string[] = [];
    const a = withRecordingCleanup(inner(false, false), {
      deleteRecording: async (n) => (deleted.push(n), true),
      retentionMs: 0,
      redis: noRedis,
      dueKey: 'k',
    });
    const journal = memoryJournal();
    await a.apply(makeEvent(), [], { journal, signal });
    expect(deleted).toEqual([]);
    expect(journal.steps.get('recording-kept')).toBe('kept');
  });

  it('a recording already gone is fine; events without one delete nothing', async () => {
    const deleted: string[] = [];
    const a = withRecordingCleanup(inner(), {
      deleteRecording: async (n) => (deleted.push(n), false),
      retentionMs: 0,
      redis: noRedis,
      dueKey: 'k',
    });
    const journal = memoryJournal();
    await a.apply(makeEvent(), [], { journal, signal });
    expect(journal.steps.get('recording-deleted')).toBe('already gone');
    await a.apply(makeEvent({ action: 'hangup', outcome: { kind: 'rejected', cause: 'busy' } }), [], { journal: memoryJournal(), signal });
    expect(deleted).toEqual(['vm-1']);
  });

  it('a forward nobody answered that fell back to voicemail: that recording goes the same way', async () => {
    const deleted: string[] = [];
    const a = withRecordingCleanup(inner(), {
      deleteRecording: async (n) => (deleted.push(n), true),
      retentionMs: 0,
      redis: noRedis,
      dueKey: 'k',
    });
    const fallback = { kind: 'recorded' as const, recording: { name: 'vm-fwd', format: 'wav' }, durationSeconds: 4 };
    const journal = memoryJournal();
    await a.apply(makeEvent({ action: 'forward', outcome: { kind: 'forwarded', to: '+48601234567', answered: false, fallback } }), [], {
      journal,
      signal,
    });
    expect(deleted).toEqual(['vm-fwd']);
    expect(journal.steps.get('recording-deleted')).toBe('deleted');
  });

  it('with a retention, schedules the deletion instead', async () => {
    const zadd = jest.fn(async () => 1);
    const a = withRecordingCleanup(inner(), {
      deleteRecording: async () => true,
      retentionMs: 3_600_000,
      redis: { zadd } as unknown as Redis,
      dueKey: 'due',
    });
    const journal = memoryJournal();
    const before = Date.now();
    await a.apply(makeEvent(), [], { journal, signal });
    expect(zadd).toHaveBeenCalledWith('due', 'NX', expect.any(Number), 'vm-1');
    const at = (zadd.mock.calls[0] as unknown[])[2] as number;
    expect(at).toBeGreaterThanOrEqual(before + 3_600_000);
    await a.close?.();
  });

  describe("the worker's stop closes the deletion's connection to Asterisk", () => {
    let server: Server;
    const sockets: Socket[] = [];
    const requests: string[] = [];
    beforeAll(async () => {
      server = createServer((req, res) => {
        requests.push(`${req.method} ${req.url}`);
        res.writeHead(204).end();
      });
      server.on('connection', (s: Socket) => sockets.push(s));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    });

    it("kept alive after the deletion, ended by the adapter's close()", async () => {
      const { port } = server.address() as AddressInfo;
      const a = withRecordingCleanup(inner(), {
        deleteRecording: createAriRecordingDeleter({ url: `http://127.0.0.1:${port}/ari/`, user: 'ah', password: 'pw' }),
        retentionMs: 0,
        redis: noRedis,
        dueKey: 'k',
      });
      await a.apply(makeEvent(), [], { journal: memoryJournal(), signal });
      expect(requests).toEqual(['DELETE /ari/recordings/stored/vm-1']);
      expect(sockets).toHaveLength(1);
      const socket = sockets[0]!;
      expect(socket.destroyed).toBe(false);
      // Without the close, this socket stayed open (and held crm-worker's process) until Asterisk dropped it.
      const closed = once(socket, 'close');
      await a.close?.();
      await closed;
      expect(socket.destroyed).toBe(true);
    }, 5000);
  });

  it('RECORDING_RETENTION_HOURS: default 0, refused when not a number', () => {
    expect(workerSettings({}).RECORDING_RETENTION_HOURS).toBe(0);
    expect(workerSettings({ RECORDING_RETENTION_HOURS: '1.5' }).RECORDING_RETENTION_HOURS).toBe(1.5);
    expect(() => workerSettings({ RECORDING_RETENTION_HOURS: '-1' })).toThrow(/RECORDING_RETENTION_HOURS must be a number from 0/);
    expect(() => workerSettings({ RECORDING_RETENTION_HOURS: 'week' })).toThrow(/RECORDING_RETENTION_HOURS/);
  });
});
