// The layer rules of src/, run by `npm run lint` (depcruise). Type-only imports count: the
// arrow is the same. Bottom up:
//   shared                      helpers every process uses; imports nothing of ours
//   schedule                    pure; imports nothing of ours
//   phone                       numbers; shared
//   policy                      pure decisions and the domain's words; schedule, phone
//   events, sounds, call        the event's contract; audio; one call's session and signals
//   actions                     one module per after-hours action (settings, outcomes, texts, run)
//   config, ari, store, crm, …  the loader, the call path, Redis, the CRM worker
//   daemon, console, cli        wiring and entry points
// test/unit/layers/layers.test.ts checks that a new cycle fails these rules.

/** The call path: ARI, the daemon's wiring, the actions and the call's session. */
const CALL_PATH = '^src/(ari|daemon|actions|call)/';

module.exports = {
  forbidden: [
    {
      name: 'no-module-cycle',
      comment: 'No module reaches itself through its imports.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-folder-cycle',
      comment: 'No folder of src/ reaches itself through the imports of its modules.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'schedule-is-pure',
      comment: 'src/schedule imports nothing of ours but itself.',
      severity: 'error',
      from: { path: '^src/schedule/' },
      to: { path: '^src/', pathNot: '^src/schedule/' },
    },
    {
      name: 'policy-is-pure',
      comment: 'src/policy imports only src/schedule, src/phone and itself.',
      severity: 'error',
      from: { path: '^src/policy/' },
      to: { path: '^src/', pathNot: '^src/(policy|schedule|phone)/' },
    },
    {
      name: 'shared-is-a-leaf',
      comment: 'src/shared is imported by anyone (but the pure core) and imports nothing of ours.',
      severity: 'error',
      from: { path: '^src/shared/' },
      to: { path: '^src/', pathNot: '^src/shared/' },
    },
    {
      name: 'phone-imports-shared-only',
      comment: 'src/phone (numbers, toll fraud) is part of the core policy uses: itself and src/shared only.',
      severity: 'error',
      from: { path: '^src/phone/' },
      to: { path: '^src/', pathNot: '^src/(phone|shared)/' },
    },
    {
      name: 'events-are-the-contract',
      comment: "src/events (the event's types and schema check) imports only the core and src/shared.",
      severity: 'error',
      from: { path: '^src/events/' },
      to: { path: '^src/', pathNot: '^src/(events|policy|schedule|phone|shared)/' },
    },
    {
      name: 'actions-see-ports-only',
      comment: 'An action sees ARI and the loader through its context (src/actions/context.ts, callAction.ts), never their modules.',
      severity: 'error',
      from: { path: '^src/(actions|call)/' },
      to: { path: '^src/(ari|ariHttp|daemon|config|store|crm|console|cli|export)/' },
    },
    {
      name: 'nobody-imports-the-cli',
      comment: 'src/cli is the entry point of every process: only it imports itself.',
      severity: 'error',
      from: { pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'nobody-imports-the-console',
      comment: 'src/console is imported only by itself and by the CLI verb that starts it.',
      severity: 'error',
      from: { pathNot: '^src/(console|cli)/' },
      to: { path: '^src/console/' },
    },
    {
      name: 'worker-apart-from-call-path',
      comment:
        "The CRM worker (src/crm) shares with the call path only the event (src/events), the actions' outcome texts (src/actions) and a plain ARI HTTP client (src/ariHttp).",
      severity: 'error',
      from: { path: '^src/crm/' },
      to: { path: '^src/(ari|daemon|call)/' },
    },
    {
      name: 'settings-are-a-leaf',
      comment: 'src/settings (the declaration of every setting and their parsers) imports only src/shared: every process reads it.',
      severity: 'error',
      from: { path: '^src/settings/' },
      to: { path: '^src/', pathNot: '^src/(settings|shared)/' },
    },
    {
      name: 'call-path-apart-from-worker',
      comment: 'The call path never imports the CRM worker.',
      severity: 'error',
      from: { path: CALL_PATH },
      to: { path: '^src/crm/' },
    },
    {
      name: 'ari-http-is-plain',
      comment:
        "src/ariHttp is a plain ARI HTTP client: it knows no action, worker or daemon (ARI's event payloads, src/call/ariEvents.ts, it may).",
      severity: 'error',
      from: { path: '^src/ariHttp/' },
      to: { path: '^src/(ari|daemon|actions|crm|config|store|console|cli)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)node_modules/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
