// Some integration tests have a load shape (hundreds of calls or events at a fixed rate). npm
// test runs them small, as functional tests; `npm run test:load` (the `load` jest project,
// test/load/*.test.ts, which .ci/run runs) runs the same file at full size.

/** True under the `load` jest project (its setupFiles sets AH_LOAD_SHAPED=1). */
export const loadShaped = process.env.AH_LOAD_SHAPED === '1';

/** `full` under `npm run test:load`, `small` under npm test. */
export function loadSize<T>(small: T, full: T): T {
  return loadShaped ? full : small;
}
