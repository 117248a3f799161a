// Four projects: `unit` needs nothing running and starts no program; `unit-io` is the unit
// tests that start one (see startsPrograms); both run in parallel workers. `integration` runs
// against the real stack (Asterisk, Redis, sipp) that test/support/globalSetup starts once per
// run; its files run in parallel workers, each against a stack of its own (test/support/stackSlots:
// worker k's ports are slot 1's moved up, started on the worker's first file). `load` is the
// load-shaped versions of some integration files (test/load: the same file at full size, see
// test/support/loadShaped.ts), run by `npm run test:load` and .ci/run, not by npm test.
// TESTING.md says which command runs what.
const { readdirSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

const transform = { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] };

/**
 * The tests under test/unit that start a program: a throwaway redis-server
 * (test/support/redisServer's startRedisServer), openssl (test/support/pki's makePki) or a
 * process through node:child_process (the CLI, node under another TZ, ffmpeg, mkfifo). Read
 * from the files themselves, so a new test lands in the right project without a list to keep.
 */
function startsPrograms() {
  const root = join(__dirname, 'test', 'unit');
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts'))
    .filter((f) => /\bstartRedisServer\b|\bmakePki\b|['"]node:child_process['"]/.test(readFileSync(join(root, f), 'utf8')))
    .map((f) => `test/unit/${f.split('\\').join('/')}`)
    .sort();
}
// AH_TESTS_WITHOUT_FFMPEG=1 (a machine without ffmpeg) leaves out the tests that make or decode
// audio with it; npm test and .ci/run's Node 24 step (the root carries Debian sid's ffmpeg 9) run them.
const NEEDS_FFMPEG = ['test/unit/sounds/soundUpload.test.ts', 'test/unit/console/sounds.test.ts', 'test/unit/cli/soundCli.test.ts'];
const NEEDS_FFMPEG_INTEGRATION = ['/test/integration/ownRecordings\\.test\\.ts$', '/test/integration/ownRecordingsLocal\\.test\\.ts$'];
// AH_TESTS_WITHOUT_BROWSER=1 (.ci/run's Node 24 step: the stack's root has no chromium) leaves
// out the test that drives the console's page in a browser.
const NEEDS_BROWSER = ['/test/integration/consolePage\\.test\\.ts$'];
// AH_TESTS_IN_ROOT=1 (.ci/run's Node 24 step, inside the stack's root) leaves out the test of
// scripts/stack itself: a host's script (debootstrap, chroot, mounts) that cannot run from inside
// the root, and whose checks do not depend on the Node that runs jest (npm test runs it).
const NEEDS_HOST = ['/test/integration/stack\\.test\\.ts$'];
const allIo = startsPrograms();
const io = allIo.filter((f) => process.env.AH_TESTS_WITHOUT_FFMPEG !== '1' || !NEEDS_FFMPEG.includes(f));
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

module.exports = {
  // Per-project testTimeout is ignored by jest 29; real calls take seconds.
  testTimeout: 60000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', ...allIo.map((f) => `/${escape(f)}$`)],
    },
    {
      displayName: 'unit-io',
      testEnvironment: 'node',
      transform,
      // No such file when there is none: an empty testMatch would mean jest's default.
      testMatch: io.length > 0 ? io.map((f) => `<rootDir>/${f}`) : ['<rootDir>/test/unit/none'],
    },
    {
      displayName: 'integration',
      // Node's, with each worker on a stack of its own (test/support/stackSlots).
      testEnvironment: '<rootDir>/test/support/integrationEnvironment.ts',
      transform,
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      testPathIgnorePatterns: [
        '/node_modules/',
        ...(process.env.AH_TESTS_WITHOUT_BROWSER === '1' ? NEEDS_BROWSER : []),
        ...(process.env.AH_TESTS_IN_ROOT === '1' ? NEEDS_HOST : []),
        ...(process.env.AH_TESTS_WITHOUT_FFMPEG === '1' ? NEEDS_FFMPEG_INTEGRATION : []),
      ],
      globalSetup: '<rootDir>/test/support/globalSetup.ts',
      globalTeardown: '<rootDir>/test/support/globalTeardown.ts',
    },
    {
      displayName: 'load',
      testEnvironment: '<rootDir>/test/support/integrationEnvironment.ts',
      transform,
      testMatch: ['<rootDir>/test/load/**/*.test.ts'],
      setupFiles: ['<rootDir>/test/support/loadShapedSetup.js'],
      globalSetup: '<rootDir>/test/support/globalSetup.ts',
      globalTeardown: '<rootDir>/test/support/globalTeardown.ts',
    },
  ],
};
