import type { ActionName } from '../policy/actions';
import type { CallAction } from './callAction';
import { dialplanAction } from './dialplan';
import { forwardAction } from './forward';
import { hangupAction } from './hangup';
import { voicemailAction } from './voicemail';

// Every after-hours action, one line each (jambonz's make_task.js). A new action is one
// module beside this file, which adds itself to ActionCatalogue (src/policy/actions.ts),
// plus one line here; what else needs it (notification texts, the JSON schemas) fails to
// compile or fails test/unit/policy/actionRegistry.test.ts until it is there.
export const ACTIONS: { readonly [A in ActionName]: CallAction<A> } = {
  voicemail: voicemailAction,
  forward: forwardAction,
  hangup: hangupAction,
  dialplan: dialplanAction,
};

/** In the registry's order: the schemas' enums list them the same way. */
export const ACTION_NAMES = Object.keys(ACTIONS) as ActionName[];

export function isActionName(name: string): name is ActionName {
  return Object.prototype.hasOwnProperty.call(ACTIONS, name);
}

/** The registry entry of `name`, typed for it (TypeScript cannot correlate a union key with its value). */
export function actionOf<A extends ActionName>(name: A): CallAction<A> {
  return ACTIONS[name] as unknown as CallAction<A>;
}
