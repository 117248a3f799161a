// What the CLI loads to start: `--help`, `--version` and `validate` load only what they use,
// read from the built program (npm test builds dist/ first; test/support/cliProcess says when it is missing or stale) in a process of its own.
import { spawnSync } from 'node:child_process';
import { packageRoot } from '../../../src/shared/paths';
import { builtCli } from '../../support/cliProcess';

const root = packageRoot();
const MAIN = builtCli();

/** The modules under node_modules that `after-hours ARGS` required, by package name. */
function packagesLoaded(args: string[]): string[] {
  const probe = `
    process.on('exit', () => {
      const names = new Set(Object.keys(require.cache).map((k) => /node_modules[\\\\/]((?:@[^\\\\/]+[\\\\/])?[^\\\\/]+)/.exec(k)?.[1]).filter(Boolean));
      process.stderr.write('LOADED ' + JSON.stringify([...names].sort()) + '\\n');
    });
    process.argv = [process.argv[0], 'after-hours', ...${JSON.stringify(args)}];
    require(${JSON.stringify(MAIN)});`;
  const { stderr } = spawnSync(process.execPath, ['-e', probe], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  const line = stderr.split('\n').find((l) => l.startsWith('LOADED '));
  if (line === undefined) throw new Error(`no module list from after-hours ${args.join(' ')}: ${stderr}`);
  return JSON.parse(line.slice('LOADED '.length)) as string[];
}

const HEAVY = ['fastify', 'ioredis', 'date-holidays', 'nodemailer', 'node-ical', 'prom-client', 'ws', 'libphonenumber-js'];

describe('the CLI loads a verb only when it runs', () => {
  it('--help and --version load commander and nothing heavy', () => {
    for (const args of [['--help'], ['--version']]) {
      const loaded = packagesLoaded(args);
      expect(loaded).toContain('commander');
      expect(loaded.filter((p) => HEAVY.includes(p))).toEqual([]);
    }
  });

  it('start --help loads the daemon; validate does not load the console, Redis or e-mail', () => {
    expect(packagesLoaded(['start', '--help'])).toEqual(expect.arrayContaining(['ioredis']));
    const validate = packagesLoaded(['validate', 'config/after-hours.yaml']);
    expect(validate.filter((p) => ['fastify', 'ioredis', 'nodemailer', 'prom-client', 'ws'].includes(p))).toEqual([]);
  });
});
