// The integration workers' stacks (test/support/stackSlots): worker k's ports never meet
// worker 1's or another worker's, and worker 1 is the stack the AH_* variables describe.
import { join } from 'node:path';
import { envOfSlot, slotEnv, slotOf, SLOT_PORT_STEP } from '../../support/stackSlots';
import { packageRoot } from '../../../src/shared/paths';

const PORTS = ['AH_REDIS_PORT', 'AH_ARI_PORT', 'AH_ARI_TLS_PORT', 'AH_SIP_PORT', 'AH_TRUNK_PORT', 'AH_OFFICE_PORT'];

describe('stack slots of the integration workers', () => {
  test('worker 1 (and a process outside jest) changes nothing', () => {
    expect(slotOf({})).toBe(1);
    expect(slotOf({ JEST_WORKER_ID: '1' })).toBe(1);
    expect(slotOf({ JEST_WORKER_ID: 'x' })).toBe(1);
    expect(slotEnv({ AH_SIP_PORT: '7060' }, 1)).toEqual({});
    expect(envOfSlot({ AH_SIP_PORT: '7060', AH_TLS_DIR: '/t' }, 1)).toEqual({ AH_SIP_PORT: '7060', AH_TLS_DIR: '/t' });
  });

  test('with the defaults, worker k is scripts/stack moved up by (k - 1) steps', () => {
    expect(slotOf({ JEST_WORKER_ID: '3' })).toBe(3);
    expect(slotEnv({}, 2)).toEqual({
      AH_REDIS_PORT: '6590',
      AH_ARI_PORT: '8288',
      AH_ARI_TLS_PORT: '8289',
      AH_SIP_PORT: '5260',
      AH_TRUNK_PORT: '5270',
      AH_OFFICE_PORT: '5280',
      AH_RTP_START: '11000',
      AH_RTP_END: '11999',
      AH_STACK_DIR: join(packageRoot(), '.stack-2'),
      AH_TLS_DIR: undefined,
      AH_ASTERISK_ENTITY_ID: undefined,
    });
    expect(slotEnv({}, 3)).toMatchObject({ AH_SIP_PORT: '5460', AH_REDIS_PORT: '6790', AH_RTP_START: '12000', AH_RTP_END: '12999' });
  });

  test("a contributor's own ports and run dir move the same way; the TLS dir and entity id follow the slot", () => {
    const base = {
      AH_REDIS_PORT: '7391',
      AH_ARI_PORT: '9088',
      AH_ARI_TLS_PORT: '9089',
      AH_SIP_PORT: '7060',
      AH_TRUNK_PORT: '7070',
      AH_OFFICE_PORT: '7080',
      AH_RTP_START: '14000',
      AH_RTP_END: '14499',
      AH_STACK_DIR: '/tmp/mine',
      AH_TLS_DIR: '/tmp/mine/tls',
      AH_ASTERISK_ENTITY_ID: '02:00:00:00:1b:94',
      OTHER: 'kept',
    };
    const env = envOfSlot(base, 4);
    expect(env).toMatchObject({ AH_REDIS_PORT: '7991', AH_SIP_PORT: '7660', AH_RTP_START: '15500', AH_RTP_END: '15999', OTHER: 'kept' });
    expect(env.AH_STACK_DIR).toBe('/tmp/mine-4');
    expect(env).not.toHaveProperty('AH_TLS_DIR');
    expect(env).not.toHaveProperty('AH_ASTERISK_ENTITY_ID');
  });

  test("no two workers' ports or RTP ranges meet, for up to 8 workers", () => {
    const defaults: Record<string, number> = {
      AH_REDIS_PORT: 6390,
      AH_ARI_PORT: 8088,
      AH_ARI_TLS_PORT: 8089,
      AH_SIP_PORT: 5060,
      AH_TRUNK_PORT: 5070,
      AH_OFFICE_PORT: 5080,
    };
    const slots = [1, 2, 3, 4, 5, 6, 7, 8].map((slot) => {
      const env = envOfSlot({}, slot);
      return {
        ports: PORTS.map((k) => Number(env[k] ?? defaults[k])),
        rtp: [Number(env.AH_RTP_START ?? 10000), Number(env.AH_RTP_END ?? 10999)] as const,
      };
    });
    // TCP and UDP ports are counted together: a clash of either kind fails.
    const ports = slots.flatMap((s) => s.ports);
    expect(new Set(ports).size).toBe(ports.length);
    for (const [i, a] of slots.entries()) {
      for (const p of ports) expect(p >= a.rtp[0] && p <= a.rtp[1]).toBe(false);
      for (const b of slots.slice(i + 1)) expect(a.rtp[1] < b.rtp[0] || a.rtp[0] > b.rtp[1]).toBe(true);
    }
    expect(SLOT_PORT_STEP).toBeGreaterThan(20);
  });

  test('a range moved past 65535 is refused with the reason', () => {
    expect(() => slotEnv({ AH_RTP_START: '60000', AH_RTP_END: '62999' }, 3)).toThrow(/passes 65535/);
  });
});
