/**
 * @module conductor/state-machine/event-types
 * Ironic's node history `event_type` for a provision state: the operation the node is in.
 */
import { S } from "./states.ts";

const BY_STATE: Readonly<Record<string, string>> = Object.freeze({
  [S.VERIFYING]: "verify",
  [S.ENROLL]: "verify",
  [S.INSPECTING]: "introspection",
  [S.INSPECTWAIT]: "introspection",
  [S.INSPECTFAIL]: "introspection",
  [S.CLEANING]: "cleaning",
  [S.CLEANWAIT]: "cleaning",
  [S.CLEANFAIL]: "cleaning",
  [S.DEPLOYING]: "deploying",
  [S.DEPLOYWAIT]: "deploying",
  [S.DEPLOYFAIL]: "deploying",
  [S.DELETING]: "unprovision",
  [S.ERROR]: "unprovision",
  [S.ADOPTING]: "adoption",
  [S.ADOPTFAIL]: "adoption",
  [S.RESCUING]: "rescue",
  [S.RESCUEWAIT]: "rescue",
  [S.RESCUEFAIL]: "rescue",
  [S.UNRESCUING]: "rescue",
  [S.UNRESCUEFAIL]: "rescue",
  [S.SERVICING]: "servicing",
  [S.SERVICEWAIT]: "servicing",
  [S.SERVICEFAIL]: "servicing",
});

/**
 * The event type of a transition, named after the state left when the node comes to rest
 * (`clean wait -> available` is "cleaning") and after the state entered otherwise.
 * @example
 * eventType("clean wait", "clean failed"); // "cleaning"
 */
export function eventType(from: string, to: string): string {
  return BY_STATE[to] ?? BY_STATE[from] ?? "provisioning";
}
