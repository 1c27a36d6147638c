/**
 * @module conductor/state-machine/transition
 * Moves a node between provision states: checks the edge, writes the new state and any other
 * fields in one compare-and-set update, and logs one line `{node, from, to, reason}`.
 */
import type { Logger } from "../../common/logger.ts";
import { conductorError } from "../errors.ts";
import type { NodeRecord } from "../store/node-record.ts";
import type { NodeStore } from "../store/node-store.ts";
import { isEdge } from "./states.ts";

export interface TransitionInput {
  from: string;
  to: string;
  reason: string;
  /** Other fields written in the same update (target state, last_error, step info...). */
  fields?: Partial<NodeRecord>;
}

export type Transition = (uuid: string, input: TransitionInput) => NodeRecord;

/**
 * Creates the transition function.
 * @example
 * const move = createTransition(store.nodes, log);
 * move(node.uuid, { from: "enroll", to: "verifying", reason: "manage requested" });
 */
export function createTransition(nodes: NodeStore, log: Logger): Transition {
  return (uuid, { from, to, reason, fields = {} }) => {
    if (!isEdge(from, to)) {
      throw conductorError("INTERNAL", { reason: `illegal transition ${from} -> ${to} for node ${uuid}` });
    }
    const now = Date.now();
    const updated = nodes.update(uuid, { ...fields, provision_state: to, provision_updated_at: now, updated_at: now }, from);
    log.info({ node: uuid, from, to, reason }, "state transition");
    return updated;
  };
}
