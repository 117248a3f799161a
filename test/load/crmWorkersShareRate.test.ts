// The load-shaped run of test/integration/crmWorkersShareRate.test.ts: the same tests at full size (the
// load jest project sets AH_LOAD_SHAPED=1, see test/support/loadShaped.ts). npm run test:load.
import '../integration/crmWorkersShareRate.test';
