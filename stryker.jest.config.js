// The jest config StrykerJS runs (stryker.config.mjs): the `unit` project of jest.config.js,
// narrowed to the tests of the folders under mutation (test/unit/schedule, policy, phone).
// The other unit tests reach the core too (the config loader's, the CLI's), but each mutant
// re-runs the files of the tests that reach it: with them, a run took hours on two cores.
const { projects, ...shared } = require('./jest.config.js');

const unit = projects.find((p) => p.displayName === 'unit');
if (!unit) throw new Error('jest.config.js has no project named unit');

module.exports = {
  ...shared,
  ...unit,
  testMatch: ['schedule', 'policy', 'phone'].map((f) => `<rootDir>/test/unit/${f}/**/*.test.ts`),
  // A mutant a property test catches fails on the first counterexample, without shrinking it.
  setupFilesAfterEnv: ['<rootDir>/test/support/mutationSetup.ts'],
};
