// Mutation testing of the pure core: npm run test:mutation (scripts/mutation.js runs one
// folder at a time, MUTATION_FOLDER=schedule|policy|phone). See TESTING.md, "Mutation testing".
const folder = process.env.MUTATION_FOLDER;
const folders = folder ? [folder] : ['schedule', 'policy', 'phone'];
const name = folder ?? 'all';
// MUTATION_SAMPLE=0.15: about 15 % of the mutants only (scripts/mutationSample.mjs).
const sample = process.env.MUTATION_SAMPLE !== undefined;

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate: folders.map((f) => `src/${f}/**/*.ts`),
  testRunner: 'jest',
  plugins: ['@stryker-mutator/jest-runner', './scripts/mutationSample.mjs'],
  ignorers: sample ? ['sample'] : [],
  // Only the `unit` project (stryker.jest.config.js), and of it only the files that import
  // the mutated code (findRelatedTests).
  jest: { projectType: 'custom', configFile: 'stryker.jest.config.js', enableFindRelatedTests: true },
  // Each mutant runs only the tests that reached it in the first run.
  coverageAnalysis: 'perTest',
  // Mutants reached only while modules load (tables, regexes and messages at a module's top
  // level) would each need a fresh run of every test: hours on two cores. TESTING.md counts them.
  ignoreStatic: true,
  concurrency: 2,
  // A shared machine: a slow run is not a timeout (the default, 5 s over, kills too early).
  timeoutMS: 20000,
  incremental: true,
  // A sample's results are not the folder's: they are kept apart.
  incrementalFile: `reports/mutation/${name}${sample ? `.sample-${process.env.MUTATION_SAMPLE_BY ?? 'unit'}` : ''}.incremental.json`,
  // event-recorder: one file per tested mutant as it is tested (reports/mutation/<folder>-events).
  reporters: ['clear-text', 'progress', 'html', 'json', 'event-recorder'],
  eventReporter: { baseDir: `reports/mutation/${name}-events` },
  htmlReporter: { fileName: `reports/mutation/${name}.html` },
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  clearTextReporter: { allowColor: false, logTests: false, allowEmojis: false },
  // The sandbox needs src, test and the configs, not the build, the benchmarks or the stack.
  ignorePatterns: [
    'dist',
    'bench',
    'deploy',
    'reports',
    '.stack',
    'test-artifacts',
    'coverage',
    'test/integration',
    'test/sipp',
    'test/screenshots',
  ],
  thresholds: { high: 90, low: 85, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
