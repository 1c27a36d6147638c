/**
 * @module conductor/api/node-traits
 * `/v1/nodes/{id}/traits` (API 1.37): list, replace all (`PUT {"traits": [...]}`), add one
 * (`PUT .../traits/NAME`, no body), remove one or all. A trait is `CUSTOM_` + uppercase
 * letters, digits and underscores, or one of os-traits' standard names; at most 255
 * characters, at most 50 per node (Ironic's limits). Kept sorted in the node's `traits`.
 */
import { Hono, type Context } from "hono";
import { z } from "zod";
import { baseUrl, type ApiEnv } from "./env.ts";
import { conductorError } from "../errors.ts";
import type { ConductorContext } from "../orchestration/context.ts";
import type { NodeRecord } from "../store/node-record.ts";
import { STANDARD_TRAITS } from "./standard-traits.ts";
import { requireUnlocked, subresourceNode } from "./subresource.ts";
import { parseJson, readText } from "./validate.ts";

export const TRAITS_MINOR = 37;
export const MAX_TRAITS_PER_NODE = 50;
const CUSTOM_TRAIT = /^CUSTOM_[A-Z0-9_]+$/;

/**
 * Whether Ironic accepts this trait name.
 * @example
 * validTrait("CUSTOM_GPU_A100"); // true
 * validTrait("HW_CPU_X86_AVX2"); // true (standard)
 * validTrait("custom_x"); // false
 */
export function validTrait(name: string): boolean {
  return name.length >= 1 && name.length <= 255 && (CUSTOM_TRAIT.test(name) || STANDARD_TRAITS.has(name));
}

/** Ironic's JSON-schema wording; `where` is "trait" (the path) or "body". */
function invalidTrait(name: string, where: "trait" | "body"): never {
  const t = name.slice(0, 300);
  throw conductorError("INVALID_PARAMETER", {
    reason: `Schema error for ${where}: '${t}' is not valid under any of the given schemas. Possible root cause: '${t}' does not match '^CUSTOM_[A-Z0-9_]+$'`,
  });
}

/** Before 1.37 Ironic answers the traits endpoints 406. */
function traitsNode(ctx: ConductorContext, c: Context<ApiEnv>): NodeRecord {
  if (c.get("minor") < TRAITS_MINOR) throw conductorError("NOT_ACCEPTABLE");
  return subresourceNode(ctx, c);
}

const TraitsBodySchema = z.object({ traits: z.array(z.string()) }).strict();
const ONE_OR_ALL =
  "A single node trait may be added via PUT /v1/nodes/<node identifier>/traits/<trait> with no body, or all node traits may be replaced via PUT /v1/nodes/<node identifier>/traits with the list of traits specified in the request body.";

function traitsOf(node: NodeRecord): string[] {
  return Array.isArray(node.attrs.traits) ? (node.attrs.traits as string[]) : [];
}

function save(ctx: ConductorContext, node: NodeRecord, traits: Set<string>): void {
  if (traits.size > MAX_TRAITS_PER_NODE) {
    throw conductorError("INVALID_PARAMETER", {
      reason: `Could not modify traits for node ${node.uuid} as it would exceed the maximum number of traits per node (${traits.size} vs. ${MAX_TRAITS_PER_NODE})`,
    });
  }
  ctx.store.nodes.update(node.uuid, { attrs: { ...node.attrs, traits: [...traits].sort() }, updated_at: Date.now() });
}

/**
 * @example
 * app.route("/v1/nodes", createNodeTraitRoutes(ctx));
 */
export function createNodeTraitRoutes(ctx: ConductorContext): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();

  app.get("/:ident/traits", (c) => c.json({ traits: traitsOf(traitsNode(ctx, c)) }));

  app.put("/:ident/traits", async (c) => {
    const node = traitsNode(ctx, c);
    const text = await readText(c);
    const raw = text.trim() ? parseJson(text) : null;
    if (raw === null || (typeof raw === "object" && !Array.isArray(raw) && !("traits" in raw))) {
      throw conductorError("INVALID_PARAMETER", { reason: ONE_OR_ALL });
    }
    const body = TraitsBodySchema.safeParse(raw);
    if (!body.success) throw conductorError("INVALID_BODY", { reason: "expected {\"traits\": [string, ...]}" });
    for (const t of body.data.traits) if (!validTrait(t)) invalidTrait(t, "body");
    requireUnlocked(ctx, node);
    save(ctx, node, new Set(body.data.traits));
    return c.body(null, 204);
  });

  app.put("/:ident/traits/:trait", async (c) => {
    const node = traitsNode(ctx, c);
    const trait = c.req.param("trait");
    if (!validTrait(trait)) invalidTrait(trait, "trait");
    const text = await readText(c);
    const raw = text.trim() ? parseJson(text) : null;
    if (raw && typeof raw === "object" && "traits" in raw) throw conductorError("INVALID_PARAMETER", { reason: ONE_OR_ALL });
    if (raw) throw conductorError("INVALID_PARAMETER", { reason: "No body should be provided when adding a trait" });
    requireUnlocked(ctx, node);
    save(ctx, node, new Set([...traitsOf(node), trait]));
    c.header("Location", `${baseUrl(c)}/v1/nodes/${c.req.param("ident")}/traits/${encodeURIComponent(trait)}`);
    return c.body(null, 204);
  });

  app.delete("/:ident/traits", (c) => {
    const node = traitsNode(ctx, c);
    requireUnlocked(ctx, node);
    save(ctx, node, new Set());
    return c.body(null, 204);
  });

  app.delete("/:ident/traits/:trait", (c) => {
    const node = traitsNode(ctx, c);
    const trait = c.req.param("trait");
    const traits = new Set(traitsOf(node));
    if (!traits.delete(trait)) throw conductorError("TRAIT_NOT_FOUND", { node: node.uuid, trait: trait.slice(0, 300) });
    requireUnlocked(ctx, node);
    save(ctx, node, traits);
    return c.body(null, 204);
  });

  return app;
}
