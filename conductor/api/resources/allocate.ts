/**
 * @module conductor/api/resources/allocate
 * Ironic's allocation process (conductor/allocations.py): pick an `available` node with a
 * power state, not in maintenance, with no instance, of the requested resource class,
 * carrying every requested trait, among `candidate_nodes` if given; the node named like the
 * allocation goes first, the rest in random order. The node gets `instance_uuid` and
 * `allocation_uuid`; a failure leaves the allocation in `error` with Ironic's `last_error`.
 * Backfilling binds an `active` node that already runs an instance.
 */
import { conductorError } from "../../errors.ts";
import type { ConductorContext } from "../../orchestration/context.ts";
import type { NodeRecord } from "../../store/node-record.ts";
import type { AllocationRecord } from "../../store/resource-stores.ts";
import { nodeTraits } from "../../store/node-traits.ts";

function rc(node: NodeRecord): string | null {
  return (node.attrs.resource_class as string | undefined) ?? null;
}

function hasTraits(node: NodeRecord, traits: readonly string[]): boolean {
  const have = new Set(nodeTraits(node));
  return traits.every((t) => have.has(t));
}

function shuffle<T>(xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

/** Nodes the allocation may take, best first; or the reason there are none (Ironic's words). */
function candidates(ctx: ConductorContext, a: AllocationRecord): NodeRecord[] | string {
  let nodes = ctx.store.nodes
    .list({ provision_state: "available", maintenance: false, associated: false, resource_class: a.resource_class ?? undefined })
    .filter((n) => n.power_state !== null && !n.allocation_uuid && rc(n) === a.resource_class);
  if (a.candidate_nodes.length) nodes = nodes.filter((n) => a.candidate_nodes.includes(n.uuid));
  if (a.owner) nodes = nodes.filter((n) => n.attrs.owner === a.owner || n.attrs.lessee === a.owner);
  if (!nodes.length) {
    return a.candidate_nodes.length
      ? `none of the requested nodes are available and match the resource class ${a.resource_class}`
      : `no available nodes match the resource class ${a.resource_class}`;
  }
  if (a.traits.length) {
    nodes = nodes.filter((n) => hasTraits(n, a.traits));
    if (!nodes.length) return `no suitable nodes have the requested traits ${a.traits.join(", ")}`;
  }
  shuffle(nodes);
  const named = a.name ? nodes.findIndex((n) => n.name === a.name) : -1;
  if (named > 0) nodes.unshift(...nodes.splice(named, 1));
  return nodes;
}

function failed(ctx: ConductorContext, a: AllocationRecord, error: string): AllocationRecord {
  return ctx.store.allocations.update(a.uuid, { state: "error", node_uuid: null, last_error: `Failed to process allocation ${a.uuid}: ${error}.` });
}

/**
 * Runs the allocation to `active` or `error` in one transaction (no other writer can take
 * the node in between: the store is one SQLite file written by this process).
 * @example const done = allocate(ctx, ctx.store.allocations.insert(pending));
 */
export function allocate(ctx: ConductorContext, a: AllocationRecord): AllocationRecord {
  return ctx.store.tx(() => {
    const found = candidates(ctx, a);
    if (typeof found === "string") return failed(ctx, a, found);
    const node = found[0]!;
    ctx.store.nodes.update(node.uuid, { instance_uuid: a.uuid, allocation_uuid: a.uuid });
    return ctx.store.allocations.update(a.uuid, { state: "active", node_uuid: node.uuid, last_error: null });
  });
}

/** Backfill: binds `node` (which must be active and match) to the new allocation, or refuses (400). */
export function backfill(ctx: ConductorContext, a: AllocationRecord, node: NodeRecord): AllocationRecord {
  const errors: string[] = [];
  if (node.provision_state !== "active") errors.push(`Node must be in the "active" state, but the current state is "${node.provision_state}"`);
  if (a.resource_class && rc(node) !== a.resource_class) errors.push(`Resource class ${rc(node)} does not match the requested resource class ${a.resource_class}`);
  if (a.traits.length && !hasTraits(node, a.traits)) errors.push(`List of traits ${JSON.stringify(nodeTraits(node))} does not match the requested traits ${JSON.stringify(a.traits)}`);
  if (a.candidate_nodes.length && !a.candidate_nodes.includes(node.uuid)) errors.push(`Candidate nodes must be empty or contain the target node, but got ${JSON.stringify(a.candidate_nodes)}`);
  if (node.allocation_uuid) errors.push(`Node ${node.uuid} already has allocation ${node.allocation_uuid}`);
  if (node.instance_uuid && node.instance_uuid !== a.uuid) errors.push(`Node ${node.uuid} is associated with instance ${node.instance_uuid}`);
  if (errors.length) {
    ctx.store.allocations.delete(a.uuid);
    throw conductorError("INVALID_PARAMETER", { reason: `Failed to process allocation ${a.uuid}: Cannot backfill an allocation for node ${node.uuid}: ${errors.join("; ")}.` });
  }
  return ctx.store.tx(() => {
    ctx.store.nodes.update(node.uuid, { instance_uuid: a.uuid, allocation_uuid: a.uuid });
    return ctx.store.allocations.update(a.uuid, { state: "active", node_uuid: node.uuid });
  });
}

/** Frees the allocation's node (Ironic's `verify_node_for_deallocation` first) and deletes it. */
export function deallocate(ctx: ConductorContext, a: AllocationRecord): void {
  const node = a.node_uuid ? ctx.store.nodes.get(a.node_uuid) : null;
  if (node && !node.maintenance) {
    const updatable = ["enroll", "manageable", "inspect wait", "available", "active", "deploy failed", "clean failed", "inspect failed", "error", "rescue", "rescue failed", "service failed"];
    if (node.target_provision_state && !updatable.includes(node.provision_state)) {
      throw conductorError("INVALID_STATE", { reason: `Cannot remove allocation ${a.uuid} for node ${node.uuid}, because the node is in state ${node.provision_state} where updates are not allowed (and maintenance mode is off)` });
    }
    if (node.provision_state === "active") {
      throw conductorError("INVALID_STATE", { reason: `Cannot remove allocation ${a.uuid} for node ${node.uuid}, because the node is active (and maintenance mode is off)` });
    }
  }
  ctx.store.tx(() => {
    if (node && node.allocation_uuid === a.uuid) {
      ctx.store.nodes.update(node.uuid, { allocation_uuid: null, instance_uuid: node.instance_uuid === a.uuid ? null : node.instance_uuid });
    }
    ctx.store.allocations.delete(a.uuid);
  });
}
