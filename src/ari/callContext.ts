import type { ActionContext } from '../actions/context';
import type { AriEventDispatcher } from './ariEventDispatcher';
import type { AriRest } from './rest';

/** The actions' context as the call path builds it: the full ARI client and event dispatch behind the actions' ports. */
export type CallContext = ActionContext & { rest: AriRest; router: AriEventDispatcher };
