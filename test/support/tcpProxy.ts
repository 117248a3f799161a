// A TCP proxy a test can cut, refuse or freeze, to break the daemon's ARI connection the
// ways networks break: reset, refused, or silently dead.
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Resets every open connection. */
  cut(): void;
  /** Refuse (reset) new connections until `allow()`. */
  refuse(): void;
  allow(): void;
  /** Keeps connections open but passes no more bytes (a dead peer TCP has not noticed). */
  freeze(): void;
  /** Holds what the target sends back for `ms` before passing it on (0: at once), as a slow network would. */
  delayAnswers(ms: number): void;
  connections(): number;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let refusing = false;
  let frozen = false;
  let answerDelayMs = 0;
  const server: Server = createServer((client) => {
    if (refusing) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(targetPort, targetHost);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    // Answers held back keep their order, also when the delay is changed meanwhile.
    let heldUntil = 0;
    const forward = (from: Socket, to: Socket, delayed: boolean) =>
      from.on('data', (d: Buffer) => {
        if (frozen) return;
        const now = Date.now();
        if (!delayed || (answerDelayMs === 0 && heldUntil <= now)) {
          to.write(d);
          return;
        }
        heldUntil = Math.max(heldUntil, now + answerDelayMs);
        // A cut before then loses the bytes, as a reset loses what was in flight.
        setTimeout(() => to.destroyed || to.write(d), heldUntil - now);
      });
    forward(client, upstream, false);
    forward(upstream, client, true);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    cut: () => {
      for (const [c, u] of pairs) {
        c.resetAndDestroy();
        u.destroy();
      }
      pairs.clear();
    },
    refuse: () => {
      refusing = true;
    },
    allow: () => {
      refusing = false;
      frozen = false;
    },
    freeze: () => {
      frozen = true;
    },
    delayAnswers: (ms) => {
      answerDelayMs = ms;
    },
    connections: () => pairs.size,
    close: () =>
      new Promise<void>((r) => {
        for (const [c, u] of pairs) {
          c.destroy();
          u.destroy();
        }
        server.close(() => r());
      }),
  };
}
