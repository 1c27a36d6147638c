/**
 * @module conductor/state-machine/states
 * Ironic's provision states and the edges between them, for the life cycle Teeth runs:
 * enroll -> manageable -> (inspect | clean) -> available -> deploy -> active -> undeploy, and
 * manageable -> adopt -> active for servers already running their instance.
 */

export const S = Object.freeze({
  ENROLL: "enroll",
  VERIFYING: "verifying",
  MANAGEABLE: "manageable",
  INSPECTING: "inspecting",
  INSPECTWAIT: "inspect wait",
  INSPECTFAIL: "inspect failed",
  CLEANING: "cleaning",
  CLEANWAIT: "clean wait",
  CLEANFAIL: "clean failed",
  AVAILABLE: "available",
  DEPLOYING: "deploying",
  DEPLOYWAIT: "wait call-back",
  DEPLOYFAIL: "deploy failed",
  ACTIVE: "active",
  DELETING: "deleting",
  ERROR: "error",
  ADOPTING: "adopting",
  ADOPTFAIL: "adopt failed",
  RESCUING: "rescuing",
  RESCUEWAIT: "rescue wait",
  RESCUEFAIL: "rescue failed",
  RESCUE: "rescue",
  UNRESCUING: "unrescuing",
  UNRESCUEFAIL: "unrescue failed",
  SERVICING: "servicing",
  SERVICEWAIT: "service wait",
  SERVICEFAIL: "service failed",
  // A run paused by its `hold` step (Ironic 1.85) until the operator's `unhold`.
  CLEANHOLD: "clean hold",
  DEPLOYHOLD: "deploy hold",
  SERVICEHOLD: "service hold",
} as const);
export type ProvisionState = (typeof S)[keyof typeof S];

/** Every edge the conductor may take. Anything else is a bug and is refused. */
export const EDGES: Readonly<Record<ProvisionState, readonly ProvisionState[]>> = Object.freeze({
  [S.ENROLL]: [S.VERIFYING],
  [S.VERIFYING]: [S.MANAGEABLE, S.ENROLL],
  [S.MANAGEABLE]: [S.CLEANING, S.INSPECTING, S.ADOPTING],
  [S.INSPECTING]: [S.INSPECTWAIT, S.MANAGEABLE, S.INSPECTFAIL],
  [S.INSPECTWAIT]: [S.INSPECTING, S.MANAGEABLE, S.INSPECTFAIL],
  [S.INSPECTFAIL]: [S.MANAGEABLE, S.INSPECTING],
  [S.CLEANING]: [S.CLEANWAIT, S.AVAILABLE, S.MANAGEABLE, S.CLEANFAIL, S.CLEANHOLD],
  [S.CLEANWAIT]: [S.CLEANING, S.CLEANFAIL],
  [S.CLEANHOLD]: [S.CLEANWAIT, S.CLEANFAIL],
  [S.CLEANFAIL]: [S.MANAGEABLE],
  [S.AVAILABLE]: [S.MANAGEABLE, S.DEPLOYING],
  [S.DEPLOYING]: [S.DEPLOYWAIT, S.ACTIVE, S.DEPLOYFAIL, S.DEPLOYHOLD],
  [S.DEPLOYWAIT]: [S.DEPLOYING, S.DEPLOYFAIL],
  [S.DEPLOYHOLD]: [S.DEPLOYWAIT, S.DEPLOYFAIL],
  [S.DEPLOYFAIL]: [S.DEPLOYING, S.DELETING],
  [S.ACTIVE]: [S.DELETING, S.DEPLOYING, S.SERVICING],
  [S.DELETING]: [S.CLEANING, S.ERROR],
  [S.ERROR]: [S.DELETING, S.DEPLOYING],
  // Adoption: a server already running its instance becomes active without a deploy.
  [S.ADOPTING]: [S.ACTIVE, S.ADOPTFAIL],
  [S.ADOPTFAIL]: [S.ADOPTING, S.MANAGEABLE],
  // Rescue states exist for Ironic's names and `abort`; no Teeth driver has a rescue interface
  // yet, so nothing enters them (rescue/unrescue are refused before any transition).
  [S.RESCUING]: [S.RESCUEWAIT, S.RESCUE, S.RESCUEFAIL],
  [S.RESCUEWAIT]: [S.RESCUING, S.RESCUEFAIL, S.DELETING],
  [S.RESCUEFAIL]: [S.RESCUING, S.UNRESCUING, S.DELETING],
  [S.RESCUE]: [S.RESCUING, S.UNRESCUING, S.DELETING],
  [S.UNRESCUING]: [S.ACTIVE, S.UNRESCUEFAIL],
  [S.UNRESCUEFAIL]: [S.RESCUING, S.UNRESCUING, S.DELETING],
  // Servicing (API 1.87): service steps on an active node through its agent, back to active.
  [S.SERVICING]: [S.SERVICEWAIT, S.ACTIVE, S.SERVICEFAIL, S.SERVICEHOLD],
  [S.SERVICEWAIT]: [S.SERVICING, S.SERVICEFAIL],
  [S.SERVICEHOLD]: [S.SERVICEWAIT, S.SERVICEFAIL],
  [S.SERVICEFAIL]: [S.SERVICING, S.ACTIVE, S.RESCUING],
});

/** Operator verbs (`PUT .../states/provision`) -> from-state -> the state the node enters. */
export const VERBS: Readonly<Record<string, Partial<Record<ProvisionState, ProvisionState>>>> = Object.freeze({
  manage: { [S.ENROLL]: S.VERIFYING, [S.AVAILABLE]: S.MANAGEABLE, [S.INSPECTFAIL]: S.MANAGEABLE, [S.CLEANFAIL]: S.MANAGEABLE, [S.ADOPTFAIL]: S.MANAGEABLE },
  provide: { [S.MANAGEABLE]: S.CLEANING },
  inspect: { [S.MANAGEABLE]: S.INSPECTING, [S.INSPECTFAIL]: S.INSPECTING },
  clean: { [S.MANAGEABLE]: S.CLEANING },
  active: { [S.AVAILABLE]: S.DEPLOYING, [S.DEPLOYFAIL]: S.DEPLOYING },
  rebuild: { [S.ACTIVE]: S.DEPLOYING, [S.DEPLOYFAIL]: S.DEPLOYING, [S.ERROR]: S.DEPLOYING },
  deleted: {
    [S.ACTIVE]: S.DELETING, [S.DEPLOYFAIL]: S.DELETING, [S.ERROR]: S.DELETING,
    [S.RESCUE]: S.DELETING, [S.RESCUEWAIT]: S.DELETING, [S.RESCUEFAIL]: S.DELETING, [S.UNRESCUEFAIL]: S.DELETING,
  },
  abort: {
    [S.CLEANWAIT]: S.CLEANFAIL, [S.INSPECTWAIT]: S.INSPECTFAIL, [S.DEPLOYWAIT]: S.DEPLOYFAIL, [S.RESCUEWAIT]: S.RESCUEFAIL,
    [S.SERVICEWAIT]: S.SERVICEFAIL, [S.SERVICEFAIL]: S.ACTIVE,
    [S.CLEANHOLD]: S.CLEANFAIL, [S.DEPLOYHOLD]: S.DEPLOYFAIL, [S.SERVICEHOLD]: S.SERVICEFAIL,
  },
  service: { [S.ACTIVE]: S.SERVICING, [S.SERVICEFAIL]: S.SERVICING },
  adopt: { [S.MANAGEABLE]: S.ADOPTING, [S.ADOPTFAIL]: S.ADOPTING },
  rescue: { [S.ACTIVE]: S.RESCUING, [S.RESCUE]: S.RESCUING, [S.RESCUEFAIL]: S.RESCUING, [S.UNRESCUEFAIL]: S.RESCUING },
  unrescue: { [S.RESCUE]: S.UNRESCUING, [S.RESCUEFAIL]: S.UNRESCUING, [S.UNRESCUEFAIL]: S.UNRESCUING },
  // Ironic's unhold (1.85): a held run waits for its agent again; the next heartbeat goes on
  // with the step after `hold`.
  unhold: { [S.CLEANHOLD]: S.CLEANWAIT, [S.DEPLOYHOLD]: S.DEPLOYWAIT, [S.SERVICEHOLD]: S.SERVICEWAIT },
});

/** The state `verb` (or its alias) moves a node in `state` to, or undefined when the state refuses it. */
export function verbTarget(verb: string, state: string): ProvisionState | undefined {
  return VERBS[VERB_ALIASES[verb] ?? verb]?.[state as ProvisionState];
}

/** Verb aliases the API accepts (Ironic's `deploy`/`undeploy` are CLI words for these). */
export const VERB_ALIASES: Readonly<Record<string, string>> = Object.freeze({ deploy: "active", undeploy: "deleted" });

/** States in which a node waits for its agent to look up and heartbeat. */
export const AGENT_STATES: readonly ProvisionState[] = [
  S.INSPECTING,
  S.INSPECTWAIT,
  S.CLEANING,
  S.CLEANWAIT,
  S.DEPLOYING,
  S.DEPLOYWAIT,
  S.SERVICING,
  S.SERVICEWAIT,
  // Held runs keep their agent (it heartbeats; nothing is sent to it until unhold).
  S.CLEANHOLD,
  S.DEPLOYHOLD,
  S.SERVICEHOLD,
];
/** With fast track, agents may also stay up in these. */
export const FAST_TRACK_STATES: readonly ProvisionState[] = [S.MANAGEABLE, S.AVAILABLE, S.ENROLL];

/** Transient states: the conductor is working. A conductor that died here fails the node at start. */
export const TRANSIENT_FAILURE: Readonly<Partial<Record<ProvisionState, ProvisionState>>> = Object.freeze({
  [S.VERIFYING]: S.ENROLL,
  [S.INSPECTING]: S.INSPECTFAIL,
  [S.CLEANING]: S.CLEANFAIL,
  [S.DEPLOYING]: S.DEPLOYFAIL,
  [S.DELETING]: S.ERROR,
  [S.ADOPTING]: S.ADOPTFAIL,
  [S.SERVICING]: S.SERVICEFAIL,
});

/** Wait states and the failure state a timeout leads to. */
export const WAIT_FAILURE: Readonly<Partial<Record<ProvisionState, ProvisionState>>> = Object.freeze({
  [S.INSPECTWAIT]: S.INSPECTFAIL,
  [S.CLEANWAIT]: S.CLEANFAIL,
  [S.DEPLOYWAIT]: S.DEPLOYFAIL,
  [S.SERVICEWAIT]: S.SERVICEFAIL,
});

/** Stable states in which a node may be deleted (in maintenance: any non-transient state). */
export const DELETE_ALLOWED: readonly ProvisionState[] = [S.ENROLL, S.MANAGEABLE, S.AVAILABLE, S.INSPECTFAIL, S.CLEANFAIL, S.ADOPTFAIL];

export function isEdge(from: string, to: string): boolean {
  return (EDGES[from as ProvisionState] ?? []).includes(to as ProvisionState);
}
