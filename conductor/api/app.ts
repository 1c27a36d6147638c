/**
 * @module conductor/api/app
 * The conductor's HTTP application: request ids and logging, authentication, microversions,
 * the operator API, the ramdisk API and image serving. Every error leaves in Ironic's body.
 */
import { randomUUID } from "node:crypto";
import { Hono, type MiddlewareHandler } from "hono";
import { isTeethError } from "../../common/branded-error.ts";
import type { Logger } from "../../common/logger.ts";
import { secretsEqual } from "../../common/timing-safe-equal.ts";
import { bodyLimit } from "hono/body-limit";
import { ironicErrorBody, REQUEST_ID_HEADER, webobErrorBody } from "../../protocol/ironic-api.ts";
import { isUuidLike, RESERVED_NODE_NAMES } from "../../protocol/ironic-fields.ts";
import { allowsNoAuth, authStrategies } from "../config/load.ts";
import { conductorError, toHttpError } from "../errors.ts";
import { createBootRoutes } from "../boot/index.ts";
import { createImageRoutes } from "../images/serve.ts";
import type { ConductorContext } from "../orchestration/context.ts";
import { createBasicAuth } from "./basic-auth.ts";
import { createDriverRoutes } from "./drivers.ts";
import { type ApiEnv } from "./env.ts";
import { microversion } from "./microversion.ts";
import { NODE_FIELD_MINOR } from "./versions.ts";
import { createNodeConsoleRoutes } from "./node-console.ts";
import { createNodeHardwareRoutes } from "./node-hardware.ts";
import { createNodeHistoryRoutes } from "./node-history.ts";
import { createNodeManagementRoutes } from "./node-management.ts";
import { createNodeRaidRoutes } from "./node-raid.ts";
import { createNodeTraitRoutes } from "./node-traits.ts";
import { createNodeVifRoutes } from "./node-vifs.ts";
import { createDriverVendorRoutes, createNodeVendorRoutes } from "./vendor-passthru.ts";
import { ironicNotFound } from "./not-found.ts";
import { createNodeStateRoutes } from "./node-states.ts";
import { createNodeRoutes } from "./nodes.ts";
import { createNodePortRoutes, createPortgroupPortRoutes, createPortRoutes } from "./ports.ts";
import { createAllocationRoutes, createNodeAllocationRoutes } from "./resources/allocations.ts";
import { createChassisRoutes } from "./resources/chassis.ts";
import { createConductorRoutes } from "./resources/conductors.ts";
import { createShardRoutes } from "./resources/shards.ts";
import { createDeployTemplateRoutes } from "./resources/deploy-templates.ts";
import { createEventRoutes } from "./resources/events.ts";
import { createNodePortgroupRoutes, createPortgroupRoutes } from "./resources/portgroups.ts";
import { createNodeVolumeRoutes, createVolumeRoutes } from "./resources/volume.ts";
import { createRamdiskRoutes } from "./ramdisk.ts";
import { createRootRoutes } from "./root.ts";

/**
 * Paths agents use without operator credentials, matched whole (a prefix match would also
 * open whatever is mounted below one of them later): version discovery, the ramdisk API, images, network boot
 * (iPXE scripts and the RAM disk: firmware has no credentials).
 */
const PUBLIC = /^\/(?:v1\/?)?$|^\/v1\/(?:lookup|continue_inspection)\/?$|^\/v1\/heartbeat\/[^/]+\/?$|^\/images\/[^/]+$|^\/boot\/(?:ramdisk\/)?[^/]+$/;

const WEBOB_ERRORS = new Set(["VERSION_INVALID", "VERSION_MAJOR", "VERSION_NOT_ACCEPTABLE"]);

/**
 * The request's child logger, made on first use: pino's `child()` serialises (and redacts)
 * the bindings, a cost a heartbeat that logs nothing should not pay.
 */
function lazyChild(log: Logger, bindings: Record<string, unknown>): Logger {
  let real: Logger | null = null;
  return new Proxy(log, {
    get(_, prop) {
      real ??= log.child(bindings);
      const v = Reflect.get(real, prop, real);
      return typeof v === "function" ? v.bind(real) : v;
    },
  });
}

/**
 * Builds the Hono app over a conductor context.
 * @example
 * Bun.serve({ port: 6385, fetch: createApiApp(ctx).fetch });
 */
export function createApiApp(ctx: ConductorContext): Hono<ApiEnv> {
  // strict: false: `GET /v1/nodes/?fields=...` (as `baremetal node list --fields` sends) is the
  // collection, as in Ironic.
  const app = new Hono<ApiEnv>({ strict: false });
  const noAuth = allowsNoAuth(ctx.config);

  app.use("*", async (c, next) => {
    const incoming = c.req.header(REQUEST_ID_HEADER);
    const reqId = incoming && /^req-[0-9a-f-]{36}$/.test(incoming) ? incoming : `req-${randomUUID()}`;
    c.set("reqId", reqId);
    c.set("publicUrl", ctx.config.public_url);
    c.set("log", lazyChild(ctx.log, { req_id: reqId }));
    c.header(REQUEST_ID_HEADER, reqId);
    c.header("Openstack-Request-Id", reqId);
    const start = performance.now();
    await next();
    const status = c.res.status;
    if (status < 400 && !ctx.log.isLevelEnabled("debug")) return;
    const line = { method: c.req.method, path: c.req.path, status, ms: Math.round((performance.now() - start) * 10) / 10 };
    if (status >= 500) c.get("log").error({ ...line, err: c.error }, "request failed");
    else if (status >= 400) c.get("log").info(line, "request refused");
    else c.get("log").debug(line, "request");
  });

  const strategies = authStrategies(ctx.config.auth);
  const token = strategies.includes("token") ? ctx.config.auth.token : null;
  const basic = strategies.includes("http_basic") ? createBasicAuth(ctx.config.auth.htpasswd_file!) : null;
  app.use("*", async (c, next) => {
    if (noAuth || PUBLIC.test(c.req.path)) return next();
    const auth = c.req.header("authorization");
    if (token) {
      const bearer = auth?.startsWith("Bearer ") ? auth.slice(7) : undefined;
      if (secretsEqual(token, bearer ?? c.req.header("x-auth-token"))) return next();
      if (!basic || (!auth?.toLowerCase().startsWith("basic ") && (bearer || c.req.header("x-auth-token")))) throw conductorError("UNAUTHORIZED");
    }
    // Ironic's basic-auth middleware answers in its own body, `{"error": {"message", "code"}}`.
    const failed = await basic!.check(auth);
    if (!failed) return next();
    return c.json(failed.body, failed.status, failed.headers);
  });

  // Bodies are small; only a deploy may carry a configdrive (<= 64 MiB, as IPA).
  const limit = (maxSize: number): MiddlewareHandler<ApiEnv> => {
    const check = bodyLimit({ maxSize, onError: () => { throw conductorError("BODY_TOO_LARGE", { limit: maxSize }); } });
    // bodyLimit reads a chunked body itself: a client gone mid-body fails that read, which is
    // the client's error (400), not an unhandled one. Errors from the routes pass untouched.
    return async (c, next) => {
      let routed = false;
      try {
        await check(c, () => ((routed = true), next()));
      } catch (e) {
        if (routed || isTeethError(e)) throw e;
        throw conductorError("INVALID_BODY", { reason: "the body could not be read (the client went away?)" }, e);
      }
    };
  };
  app.use("/v1/nodes/:ident/states/provision", limit(96 * 1024 * 1024));
  app.use("/v1/*", async (c, next) => {
    if (c.req.path.replace(/\/+$/, "").endsWith("/states/provision")) return next();
    return limit(1024 * 1024)(c, next);
  });
  app.use("/v1/*", microversion());
  app.use("/v1", microversion());
  // Nodes have names from 1.5: before it Ironic looks a node up by UUID only, a name is its 404.
  const uuidOnlyBefore5: MiddlewareHandler<ApiEnv> = async (c, next) => {
    const ident = c.req.param("ident") ?? "";
    if (c.get("minor") < NODE_FIELD_MINOR.name! && !RESERVED_NODE_NAMES.has(ident) && !isUuidLike(ident)) throw conductorError("NODE_NOT_FOUND", { node: ident });
    return next();
  };
  app.use("/v1/nodes/:ident", uuidOnlyBefore5);
  app.use("/v1/nodes/:ident/*", uuidOnlyBefore5);

  app.route("/", createRootRoutes());
  app.route("/", createImageRoutes(ctx.images) as unknown as Hono<ApiEnv>);
  app.route("/", createBootRoutes({ store: ctx.store, config: ctx.config, log: ctx.log }) as unknown as Hono<ApiEnv>);
  app.route("/v1", createRamdiskRoutes(ctx));
  app.route("/v1/nodes", createNodeStateRoutes(ctx));
  app.route("/v1/nodes", createNodeManagementRoutes(ctx));
  app.route("/v1/nodes", createNodePortRoutes(ctx));
  app.route("/v1/nodes", createNodePortgroupRoutes(ctx));
  app.route("/v1/nodes", createNodeAllocationRoutes(ctx));
  app.route("/v1/nodes", createNodeVolumeRoutes(ctx));
  app.route("/v1/nodes", createNodeTraitRoutes(ctx));
  app.route("/v1/nodes", createNodeVifRoutes(ctx));
  app.route("/v1/nodes", createNodeHistoryRoutes(ctx));
  app.route("/v1/nodes", createNodeRaidRoutes(ctx));
  app.route("/v1/nodes", createNodeConsoleRoutes(ctx));
  app.route("/v1/nodes", createNodeHardwareRoutes(ctx));
  app.route("/v1/nodes", createNodeVendorRoutes(ctx));
  app.route("/v1/drivers", createDriverVendorRoutes(ctx));
  app.route("/v1/nodes", createNodeRoutes(ctx));
  app.route("/v1/ports", createPortRoutes(ctx));
  app.route("/v1/chassis", createChassisRoutes(ctx));
  app.route("/v1/portgroups", createPortgroupPortRoutes(ctx));
  app.route("/v1/portgroups", createPortgroupRoutes(ctx));
  app.route("/v1/allocations", createAllocationRoutes(ctx));
  app.route("/v1/deploy_templates", createDeployTemplateRoutes(ctx));
  app.route("/v1/volume", createVolumeRoutes(ctx));
  app.route("/v1/conductors", createConductorRoutes(ctx));
  app.route("/v1/shards", createShardRoutes(ctx));
  app.route("/v1/events", createEventRoutes(ctx));
  app.route("/v1/drivers", createDriverRoutes(ctx));

  app.notFound(ironicNotFound);
  app.onError((err, c) => {
    // A locked or full database is a 503 the client may retry, not a 500.
    const unavailable = ctx.store.guard.unavailable(err);
    const { status, message, code } = toHttpError(unavailable ?? err);
    if (unavailable) c.header("Retry-After", String((unavailable.details as { retry_after: number }).retry_after));
    else if (status >= 500) (c.get("log") ?? ctx.log).error({ err }, "unhandled error");
    // Ironic's version negotiation fails before its controllers, in webob's body shape.
    if (WEBOB_ERRORS.has(code)) return c.json(webobErrorBody(message, status, "Not Acceptable"), status as 406);
    return c.json(ironicErrorBody(message, status), status as 400);
  });
  return app;
}
