// setupFiles of the `load` jest project: the files it runs (test/load) take their full,
// load-shaped size (see loadShaped.ts).
process.env.AH_LOAD_SHAPED = '1';
