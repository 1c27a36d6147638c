/**
 * @module conductor/api/resources/deploy-templates
 * `/v1/deploy_templates` (API 1.55+): named sets of deploy steps a node's trait selects.
 * The name is a trait (`CUSTOM_*`), the steps Ironic's DEPLOY_STEP_SCHEMA (interface of the
 * deploy interfaces, non-negative priority, args a dict), no interface/step twice; step
 * args are shown with passwords masked.
 */
import { randomUUID } from "node:crypto";
import { Hono, type Context } from "hono";
import { z } from "zod";
import { maskSecrets } from "../../../common/secrets.ts";
import { dictField, STANDALONE, textField, uuidField } from "../../../protocol/ironic-fields.ts";
import { conductorError } from "../../errors.ts";
import type { ConductorContext } from "../../orchestration/context.ts";
import { isoTime } from "../../store/node-record.ts";
import type { DeployStep, DeployTemplateRecord } from "../../store/resource-stores.ts";
import { collectionBody, findIdent, gate, links, readList, readPatch, readShowFields, select, type ListSpec, type View } from "../collection.ts";
import { baseUrl, type ApiEnv } from "../env.ts";
import { readBody } from "../validate.ts";
import { traitField } from "./traits-field.ts";

export const DEPLOY_TEMPLATES_MINOR = 55;
/** Ironic's DEPLOYING_INTERFACE_PRIORITY keys. */
const STEP_INTERFACES = ["deploy", "power", "management", "bios", "raid", "boot", "vendor", "storage", "network", "console", "inspect", "rescue", "firmware"] as const;

const StepSchema = z
  .object({
    interface: z.enum(STEP_INTERFACES),
    step: z.string().min(1).max(255),
    args: z.record(z.string(), z.unknown()),
    priority: z.union([z.number().int().min(0), z.string().regex(/^[0-9]+$/).transform(Number)]),
  })
  .strict();

const steps = z
  .array(StepSchema)
  .min(1)
  .max(100)
  .superRefine((xs, ctx) => {
    const seen = new Map<string, number>();
    for (const s of xs) seen.set(`interface: ${s.interface}, step: ${s.step}`, (seen.get(`interface: ${s.interface}, step: ${s.step}`) ?? 0) + 1);
    const dups = [...seen].filter(([, n]) => n > 1).map(([k]) => k);
    if (dups.length) ctx.addIssue({ code: "custom", message: `Deploy template invalid: Duplicate deploy steps. A deploy template cannot have multiple deploy steps with the same interface and step. Duplicates: ${dups.join("; ")}.`, params: STANDALONE });
  });

const TemplateFields = { name: traitField("name"), steps, description: textField("description", 255).nullable(), extra: dictField("extra").nullable() };
const TemplateCreateSchema = z.object({ ...TemplateFields, description: TemplateFields.description.optional(), extra: TemplateFields.extra.optional(), uuid: uuidField("uuid").nullable().optional() }).strict();
const TemplatePatchedSchema = z.object(TemplateFields).loose();

const LIST: ListSpec = { sortKeys: ["uuid", "name", "description", "created_at", "updated_at"], unsortable: ["extra", "steps"], defaultFields: ["uuid", "name"] };
const NOT_ALLOWED = "The API version does not allow deploy templates";

/** A deploy template as Ironic shows it. */
export function templateView(t: DeployTemplateRecord, base: string): View {
  return {
    uuid: t.uuid,
    created_at: isoTime(t.created_at),
    updated_at: isoTime(t.updated_at),
    name: t.name,
    extra: t.extra ?? {},
    links: links(base, `deploy_templates/${t.uuid}`),
    steps: (t.steps ?? []).map((s) => ({ interface: s.interface, step: s.step, args: maskSecrets(s.args), priority: s.priority })),
  };
}

/**
 * @example app.route("/v1/deploy_templates", createDeployTemplateRoutes(ctx));
 */
export function createDeployTemplateRoutes(ctx: ConductorContext): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const table = ctx.store.deployTemplates;
  const find = (ident: string) => findIdent(table, ident, "template_ident", true, () => conductorError("DEPLOY_TEMPLATE_NOT_FOUND", { template: ident }));
  app.use("*", async (c, next) => {
    gate(c, DEPLOY_TEMPLATES_MINOR, NOT_ALLOWED, true);
    await next();
  });
  const list = (detail: boolean) => (c: Context<ApiEnv>) => {
    const p = readList(c, LIST, detail);
    const rows = table.list({ limit: p.limit, marker: p.marker, sort_key: p.sort_key, sort_dir: p.sort_dir });
    const base = baseUrl(c);
    return c.json(collectionBody(c, "deploy_templates", rows.map((r) => select(templateView(r, base), p.fields)), p, "deploy_templates", rows.at(-1)?.uuid));
  };
  app.get("/", list(false));
  // Ironic 21.4 has no /detail here: "detail" is looked up as a template name (404).
  app.get("/:id", (c) => c.json(select(templateView(find(c.req.param("id")), baseUrl(c)), readShowFields(c))));
  app.post("/", async (c) => {
    const body = await readBody(c, TemplateCreateSchema);
    const t = table.insert({
      uuid: body.uuid ?? randomUUID(),
      name: body.name,
      description: body.description ?? null,
      steps: body.steps as DeployStep[],
      extra: body.extra ?? {},
      created_at: Date.now(),
      updated_at: null,
    });
    const base = baseUrl(c);
    c.header("Location", `${base}/v1/deploy_templates/${t.uuid}`);
    return c.json(templateView(t, base), 201);
  });
  app.patch("/:id", async (c) => {
    const t = find(c.req.param("id"));
    const out = await readPatch(c, { name: t.name, steps: t.steps, description: t.description, extra: t.extra }, ["extra", "name", "steps", "description"], TemplatePatchedSchema);
    return c.json(templateView(table.update(t.uuid, { name: out.name, steps: out.steps as DeployStep[], description: out.description ?? null, extra: out.extra ?? {} }), baseUrl(c)));
  });
  app.delete("/:id", (c) => {
    table.delete(find(c.req.param("id")).uuid);
    return c.body(null, 204);
  });
  return app;
}
