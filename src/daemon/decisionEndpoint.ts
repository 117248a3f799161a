import type { AppConfig } from '../config/types';
import { normaliseNumber } from '../phone/e164';
import { callerFor } from '../policy/callers';
import { explainDecision } from '../policy/decisionReport';
import type { NumberDirectory } from '../schedule/directory';
import type { StoredOverride } from '../store/overrideStore';
import type { Route } from '../shared/httpServer';

// GET /decision?did=[&caller=]: what this daemon would do with a call to the number now, for
// operations and tests. The same explanation as `check --json`, plus the configuration
// version that decided and what the open fast path has published for the number.

export interface DecisionSource {
  directory: () => NumberDirectory<AppConfig> | undefined;
  overrides: () => ReadonlyMap<string, StoredOverride[]>;
  configVersion: () => number | 'file';
  /** The fast path's published "open until" (epoch seconds as a string), null when withdrawn, undefined when not yet published. */
  fastPath: (did: string) => string | null | undefined;
  now: () => number;
}

export function decisionRoutes(src: DecisionSource): Record<string, Route> {
  return {
    '/decision': (query) => {
      const dir = src.directory();
      const n = dir ? normaliseNumber(query.get('did') ?? '', dir.config.region) : undefined;
      const entry = n?.ok ? dir?.get(n.e164) : undefined;
      if (!entry) return { status: 404, body: { error: 'unknown DID' } };
      // ?caller= asks what a call from that number gets (callers.bypass / callers.block).
      const caller = query.get('caller');
      const report = explainDecision(
        entry,
        src.overrides().get(entry.number.did),
        src.now(),
        caller === null ? undefined : callerFor(caller, entry.number.did),
      );
      const published = src.fastPath(entry.number.did);
      return {
        status: 200,
        body: { ...report, configVersion: src.configVersion(), fastPathOpenUntil: published == null ? null : Number(published) },
      };
    },
  };
}
