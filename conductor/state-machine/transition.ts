/**
 * @module conductor/state-machine/transition
 * Moves a node between provision states: checks the edge, writes the new state and any other
 * fields in one compare-and-set update, logs one line `{node, from, to, reason}` and writes
 * the same into the node's history (ERROR when the move records a `last_error`).
 */
import type { Logger } from "../../common/logger.ts";
import { conductorError } from "../errors.ts";
import type { NodeRecord } from "../store/node-record.ts";
import type { HistoryStore } from "../store/history-store.ts";
import type { NodeStore } from "../store/node-store.ts";
import { eventType } from "./event-types.ts";
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
export function createTransition(nodes: NodeStore, log: Logger, history?: { store: HistoryStore; conductor: string }): Transition {
  return (uuid, { from, to, reason, fields = {} }) => {
    if (!isEdge(from, to)) {
      throw conductorError("INTERNAL", { reason: `illegal transition ${from} -> ${to} for node ${uuid}` });
    }
    const now = Date.now();
    const updated = nodes.update(uuid, { ...fields, provision_state: to, provision_updated_at: now, updated_at: now }, from);
    log.info({ node: uuid, from, to, reason }, "state transition");
    if (history) {
      const error = typeof fields.last_error === "string" && fields.last_error !== "";
      const event = error ? String(fields.last_error) : `${from} -> ${to}: ${reason}`;
      try {
        history.store.record({ node_uuid: uuid, severity: error ? "ERROR" : "INFO", event_type: eventType(from, to), event, conductor: history.conductor, user: null });
      } catch (e) {
        // The move is made; a history row that could not be written must not undo or fail it.
        log.warn({ node: uuid, err: (e as Error).message }, "could not record node history");
      }
    }
    return updated;
  };
}
