// Errors travel to the log as objects (type, message, stack), not as strings.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { PermanentCrmError, type CrmAdapter, type StepJournal } from '../../../src/crm/adapter';
import { WebhookAdapter } from '../../../src/crm/webhook';
import { EventStream } from '../../../src/store/eventStream';
import { createLogger } from '../../../src/shared/log';
import { startRedisServer, type RedisServer } from '../../support/redisServer';
import { makeEvent } from './fixtures';
import { freshKeys, startWorker, waitFor } from './harness';

jest.setTimeout(30_000);

function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l.trim() !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger('test', { level: 'debug', destination }), lines };
}

const isLoggedError = (type: string, message: RegExp) =>
  expect.objectContaining({ type, message: expect.stringMatching(message), stack: expect.stringContaining(`${type}: `) });

describe('error objects in logs', () => {
  it('a retried webhook POST logs the error with its type and stack', async () => {
    const answers = [500, 204];
    const server: Server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(answers.shift() ?? 204);
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const { logger, lines } = capturingLogger();
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      const adapter = new WebhookAdapter({ url, secret: 's'.repeat(20), logger, backoffBaseMs: 1, backoffMaxMs: 2 });
      const steps = new Map<string, string>();
      const journal: StepJournal = { get: async (s) => steps.get(s), set: async (s, v) => void steps.set(s, v) };
      await adapter.apply(makeEvent(), [], { journal, signal: new AbortController().signal });
      const warn = lines.find((l) => l.msg === 'webhook POST failed; retrying');
      expect(warn?.err).toEqual(isLoggedError('TransientCrmError', /HTTP 500/));
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  describe('the worker', () => {
    let redis: RedisServer;
    beforeAll(async () => {
      redis = await startRedisServer();
    });
    afterAll(async () => {
      await redis.stop();
    });

    it('logs the error object when it dead-letters an event', async () => {
      const keys = freshKeys();
      const { logger, lines } = capturingLogger();
      const refusing: CrmAdapter = {
        name: 'test',
        lookupCaller: async () => ({ kind: 'not-found' }),
        apply: async () => {
          throw new PermanentCrmError('the CRM refuses it');
        },
      };
      await new EventStream(redis.client(), keys).append(makeEvent());
      const r = await startWorker(redis, keys, { adapter: refusing, logger });
      try {
        await waitFor(() => lines.some((l) => l.msg === 'event moved to the dead-letter stream'), 'the dead-letter log line');
        const line = lines.find((l) => l.msg === 'event moved to the dead-letter stream');
        expect(line?.err).toEqual(isLoggedError('PermanentCrmError', /the CRM refuses it/));
        expect(line?.reason).toBe('PermanentCrmError: the CRM refuses it');
      } finally {
        await r.worker.stop();
      }
    });
  });
});
