// Jest setup for mutation runs only (stryker.jest.config.js): a property that fails under a
// mutant has done its job; shrinking the counterexample would only cost time.
import fc from 'fast-check';

fc.configureGlobal({ ...fc.readConfigureGlobal(), endOnFailure: true });
