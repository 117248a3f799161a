// test/support/sipp.ts reads sipp's -trace_msg files. The machine's sipp (bookworm, 3.6.1)
// and the one in the stack's Debian sid root (3.8, used by the Node 24 CI step through
// `scripts/stack node24`) stamp each message differently; both must parse alike.
import { parseTrace } from '../../support/sipp';

const message = (stamp: string, first: string) =>
  [
    `----------------------------------------------- ${stamp}`,
    'UDP message received [320] bytes :',
    '',
    first,
    'Via: SIP/2.0/UDP 127.0.0.1:45123;branch=z9hG4bK-1',
    'Call-ID: 1-13416@127.0.0.1',
    'CSeq: 1 INVITE',
    'Content-Length: 0',
    '',
    '',
  ].join('\n');

describe('parseTrace', () => {
  test.each([
    ['sipp 3.6', '2026-11-29 07:45:06.884092', '2026-11-29 07:45:06.885592'],
    ['sipp 3.8', '2026-11-29T07:45:06.884092Z', '2026-11-29T07:45:06.885592Z'],
  ])('%s time stamps', (_, first, second) => {
    const msgs = parseTrace(message(first, 'SIP/2.0 100 Trying') + message(second, 'SIP/2.0 486 Busy Here'));
    expect(msgs.map((m) => [m.direction, m.code, m.method, m.headers['call-id']])).toEqual([
      ['received', 100, 'INVITE', '1-13416@127.0.0.1'],
      ['received', 486, 'INVITE', '1-13416@127.0.0.1'],
    ]);
    expect(msgs[0]!.at).toBeCloseTo(Date.UTC(2026, 10, 29, 7, 45, 6, 884) + 0.092, 2);
    expect(msgs[1]!.at - msgs[0]!.at).toBeCloseTo(1.5, 2);
  });
});
