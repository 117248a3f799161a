// asterisk-config --only features: the day/night key's context and one BLF hint per number.
import { join, resolve } from 'node:path';
import { asteriskConfigOptions, renderAsteriskConfig } from '../../../src/cli/asteriskConfig';

const SAMPLE = resolve(__dirname, '..', '..', '..', 'config', 'after-hours.yaml');

describe('asterisk-config features', () => {
  it('prints the feature-code context for the app, and a hint template without --config', () => {
    const text = renderAsteriskConfig(
      asteriskConfigOptions({
        only: 'features',
        app: 'ah-test',
        context: 'x',
        bind: '127.0.0.1',
        port: '8088',
        ariPassword: 'Secret-123456',
      }),
    );
    expect(text).toContain(
      '[after-hours-features]\nexten => _*28.,1,Stasis(ah-test,feature,daynight,${EXTEN:3})\n same => n,Playback(feature-not-avail-line)\n same => n,Hangup()\n',
    );
    expect(text).toContain('; exten => *28<index>,hint,Stasis:ah-test-<DID digits>');
    expect(text).not.toContain('[after-hours-inbound]');
  });

  it('with --config: one hint per number, in file order, named as the daemon publishes it', () => {
    const text = renderAsteriskConfig(
      asteriskConfigOptions({
        only: 'features',
        config: join(SAMPLE),
        context: 'x',
        bind: '127.0.0.1',
        port: '8088',
        ariPassword: 'Secret-123456',
      }),
    );
    expect(text).toMatch(/^exten => \*281,hint,Stasis:after-hours-48221234567 ; \+48221234567$/m);
    expect(text).toMatch(/^exten => \*282,hint,Stasis:after-hours-\d+ ; \+\d+$/m);
  });
});
