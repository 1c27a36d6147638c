/**
 * @module conductor/drivers/redfish/connection
 * One authenticated conversation with a BMC as one user (Ironic's cached sushy connection):
 * the service root, fetched once without credentials; session authentication (POST
 * `SessionService/Sessions`, then `X-Auth-Token`, logging in again once on a 401) or HTTP
 * basic, chosen by `redfish_auth_type` (`auto`: a session, falling back to basic when the BMC
 * offers none or refuses to create one, as sushy's SessionOrBasicAuth does); requests to
 * paths on the BMC only; connection failures retried within the call's budget.
 */
import { z } from "zod";
import type { Logger } from "../../../common/logger.ts";
import { conductorError } from "../../errors.ts";
import type { NodeRecord } from "../../store/node-record.ts";
import { createBudget, sleepWithin, type Budget } from "./budget.ts";
import { httpError, isConnectRefused, isTimeout, isTlsVerifyFailure, transportError } from "./bmc-errors.ts";
import type { RedfishTarget } from "./driver-info.ts";
import { exchange, NoAnswer, type ExchangeSpec, type FetchLike, type RedfishResponse } from "./transport.ts";

const Link = z.looseObject({ "@odata.id": z.string() });
/** The part of the ServiceRoot this driver reads. */
export const ServiceRootSchema = z.looseObject({
  Systems: Link.optional(),
  SessionService: Link.optional(),
  Links: z.looseObject({ Sessions: Link.optional() }).optional(),
});
export type ServiceRoot = z.infer<typeof ServiceRootSchema>;

export interface ConnectionSettings {
  connectionAttempts: number;
  connectionRetryIntervalS: number;
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RedfishConnection {
  readonly target: RedfishTarget;
  /** The service root (`GET <root_prefix>`), fetched once. */
  root(budget: Budget): Promise<ServiceRoot>;
  /**
   * Sends an authenticated request to a path (or a URL on the BMC's own origin) and returns
   * whatever HTTP status came back; throws only when there was no usable answer (unreachable,
   * timed out, authentication refused, a URL outside the BMC).
   */
  request(method: ExchangeSpec["method"], path: string, budget: Budget, options?: RequestOptions): Promise<RedfishResponse>;
  /** Logs out (DELETE of the session), best effort, within a few seconds. */
  close(): Promise<void>;
  /** Memo of the BMC's only ComputerSystem, found by discovery (system.ts). */
  systemPath: string | null;
}

/**
 * Opens the node's connection (driver_info checked) for one call. The connection is shared
 * by every node behind the same BMC and user; the system id is the node's own.
 */
export type OpenConnection = (node: NodeRecord) => { conn: RedfishConnection; systemId: string | null };

type AuthState = { mode: "unknown" } | { mode: "basic" } | { mode: "session"; token: string; sessionUrl: string | null };

/**
 * Opens (lazily: nothing is sent until the first request) a connection to `target`.
 * @example
 * const conn = createConnection(target, { fetch, logger, settings: { connectionAttempts: 3, connectionRetryIntervalS: 2 } });
 * const r = await conn.request("GET", "/redfish/v1/Systems", budget);
 */
export function createConnection(
  target: RedfishTarget,
  deps: { fetch: FetchLike; logger: Logger; settings: ConnectionSettings },
): RedfishConnection {
  const log = deps.logger;
  const secrets = [target.password];
  let auth: AuthState = { mode: target.authType === "basic" ? "basic" : "unknown" };
  let login: Promise<void> | null = null;
  let rootDoc: ServiceRoot | null = null;

  const basicHeader = (): Record<string, string> =>
    target.username ? { Authorization: `Basic ${Buffer.from(`${target.username}:${target.password ?? ""}`).toString("base64")}` } : {};

  function urlFor(pathOrUrl: string): string {
    const url = new URL(pathOrUrl, target.origin);
    // A BMC's Location or @odata.id must not send the conductor (and the credentials) elsewhere.
    if (url.origin !== target.origin) {
      throw conductorError("BMC_ERROR", { driver: "redfish", bmc: target.origin, action: "follow a link", reason: `the BMC pointed outside itself (${url.origin})` });
    }
    return url.href;
  }

  /** One request with connection retries: any request when nothing reached the BMC, reads also after a reset. */
  async function send(method: ExchangeSpec["method"], url: string, headers: Record<string, string>, body: unknown, budget: Budget): Promise<RedfishResponse> {
    const attempts = deps.settings.connectionAttempts;
    for (let attempt = 1; ; attempt++) {
      const started = Date.now();
      try {
        const r = await exchange(deps.fetch, { method, url, headers, body }, { verifyCa: target.verifyCa }, budget);
        log.debug({ bmc: target.origin, method, path: new URL(url).pathname, status: r.status, ms: Date.now() - started }, "redfish request");
        return r;
      } catch (e) {
        if (!(e instanceof NoAnswer)) throw e;
        const cause = e.original;
        if (isTimeout(cause) || budget.remainingMs() <= 0) throw budget.timeout();
        const retryable = !isTlsVerifyFailure(cause) && (method === "GET" || method === "DELETE" || isConnectRefused(cause));
        const err = transportError(cause, { bmc: target.origin, action: budget.action, seconds: budget.seconds, secrets });
        if (!retryable || attempt >= attempts) throw err;
        log.warn({ bmc: target.origin, method, path: new URL(url).pathname, attempt, err }, "redfish request failed; retrying");
        await sleepWithin(budget, deps.settings.connectionRetryIntervalS * 1000);
        if (budget.remainingMs() <= 0) throw budget.timeout();
      }
    }
  }

  async function root(budget: Budget): Promise<ServiceRoot> {
    if (rootDoc) return rootDoc;
    const url = urlFor(target.rootPrefix);
    let r = await send("GET", url, {}, undefined, budget);
    // The root must answer without credentials; some BMCs want them anyway.
    if (r.status === 401 && target.username) r = await send("GET", url, basicHeader(), undefined, budget);
    if (r.status !== 200) throw httpError(r.status, r.json, { bmc: target.origin, action: "read the service root", username: target.username, secrets });
    const parsed = ServiceRootSchema.safeParse(r.json);
    if (!parsed.success) {
      throw conductorError("BMC_ERROR", { driver: "redfish", bmc: target.origin, action: "read the service root", reason: `${target.rootPrefix} is not a Redfish service root` });
    }
    rootDoc = parsed.data;
    return rootDoc;
  }

  function useBasic(why: string) {
    log.info({ bmc: target.origin, user: target.username, why }, "redfish: using basic authentication");
    auth = { mode: "basic" };
  }

  async function createSession(budget: Budget): Promise<void> {
    const doc = await root(budget);
    const sessionsPath = doc.Links?.Sessions?.["@odata.id"] ?? (doc.SessionService ? `${target.rootPrefix}SessionService/Sessions` : null);
    if (!sessionsPath) {
      if (target.authType === "session") {
        throw conductorError("BMC_UNSUPPORTED", { driver: "redfish", bmc: target.origin, what: "session authentication (its service root has no SessionService); set redfish_auth_type to basic or auto" });
      }
      return useBasic("the service root has no SessionService");
    }
    const r = await send("POST", urlFor(sessionsPath), {}, { UserName: target.username ?? "", Password: target.password ?? "" }, budget);
    const token = r.headers.get("x-auth-token");
    if (r.status >= 200 && r.status < 300 && token) {
      const where = r.headers.get("location") ?? ((r.json as Record<string, unknown> | null)?.["@odata.id"] as string | undefined) ?? null;
      auth = { mode: "session", token, sessionUrl: where ? urlFor(where) : null };
      log.info({ bmc: target.origin, user: target.username }, "redfish session created");
      return;
    }
    if (target.authType === "session") {
      if (r.status >= 200 && r.status < 300) {
        throw conductorError("BMC_ERROR", { driver: "redfish", bmc: target.origin, action: "create a session", reason: "the BMC answered without an X-Auth-Token" });
      }
      throw httpError(r.status, r.json, { bmc: target.origin, action: "create a session", what: "session authentication", username: target.username, secrets });
    }
    // auto: sushy falls back to basic when the first session cannot be created, for any reason.
    useBasic(r.status >= 200 && r.status < 300 ? "session created without a token" : `session creation answered HTTP ${r.status}`);
  }

  async function authHeaders(budget: Budget): Promise<Record<string, string>> {
    if (auth.mode === "unknown") {
      login ??= createSession(budget).finally(() => (login = null));
      await login;
    }
    if (auth.mode === "session") return { "X-Auth-Token": auth.token };
    return basicHeader();
  }

  const conn: RedfishConnection = {
    target,
    systemPath: null,
    root,
    async request(method, path, budget, options = {}) {
      const url = urlFor(path);
      let relogged = false;
      for (;;) {
        const headers = await authHeaders(budget);
        const r = await send(method, url, { ...options.headers, ...headers }, options.body, budget);
        if (r.status === 401 && auth.mode === "session" && headers["X-Auth-Token"] === auth.token && !relogged) {
          // The session expired or was deleted on the BMC: log in again, once.
          log.info({ bmc: target.origin, user: target.username }, "redfish session refused; logging in again");
          auth = { mode: "unknown" };
          relogged = true;
          continue;
        }
        if (r.status === 401 || r.status === 403) {
          throw httpError(r.status, r.json, { bmc: target.origin, action: budget.action, username: target.username, secrets });
        }
        return r;
      }
    },
    async close() {
      const state = auth;
      auth = { mode: target.authType === "basic" ? "basic" : "unknown" };
      if (state.mode !== "session" || !state.sessionUrl) return;
      try {
        await send("DELETE", state.sessionUrl, { "X-Auth-Token": state.token }, undefined, createBudget("log out", target.origin, 5));
        log.info({ bmc: target.origin, user: target.username }, "redfish session deleted");
      } catch (e) {
        log.warn({ bmc: target.origin, err: e }, "redfish session could not be deleted");
      }
    },
  };
  return conn;
}
