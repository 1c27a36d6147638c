/**
 * @module test/support/redfish-mock
 * A Redfish BMC for tests: a Bun.serve HTTPS server on 127.0.0.1 whose certificate is signed
 * by a throw-away CA made with `openssl` (so tests can trust it through a CA bundle path, or
 * see it refused), shaped like DMTF's public-rackmount1 mockup: the service root,
 * `SessionService/Sessions`, `Systems` and `Systems/{id}` with `PowerState`, `Boot`
 * (`BootSourceOverrideTarget` with its AllowableValues, `Enabled`, `Mode`) and
 * `Actions.#ComputerSystem.Reset` (target and AllowableValues), ETags (header and
 * `@odata.etag`), and task monitors for asynchronous resets. A reset changes `PowerState`
 * after `powerDelayMs`, so a driver has to wait for it.
 *
 * @example
 * const bmc = await startRedfishMock({ username: "admin", password: "s3cret", systems: 1 });
 * // driver_info: { redfish_address: bmc.url, redfish_username: "admin", redfish_password: "s3cret", redfish_verify_ca: bmc.caPath }
 * bmc.state().PowerState; // "Off"
 * await bmc.stop();
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface RedfishMockOptions {
  username?: string;
  password?: string;
  /** How many ComputerSystems the BMC manages (0 is allowed: discovery must fail clearly). */
  systems?: number;
  /** PATCH without the current ETag in `If-Match` is refused with 412. */
  requireEtag?: boolean;
  /** Offer a SessionService (default true); false: basic authentication only. */
  sessions?: boolean;
  /** Resets answer 202 with a TaskMonitor that finishes after `powerDelayMs`. */
  asyncReset?: boolean;
  /** Milliseconds between an accepted reset and the PowerState change (default 0). */
  powerDelayMs?: number;
  initialPower?: "On" | "Off";
  /** `ResetType@Redfish.AllowableValues` (default: public-rackmount1's list). */
  resetTypes?: string[];
  /** Whether the Reset action lists `resetTypes` as its AllowableValues (default true); false: it only refuses the others. */
  advertiseResetTypes?: boolean;
  /** `BootSourceOverrideTarget@Redfish.AllowableValues` (default: public-rackmount1's list). */
  bootTargets?: string[];
  /** Whether the system reports `BootSourceOverrideMode` (default true). */
  bootMode?: boolean;
  /** Accept connections but never answer a request (a hung BMC web server). */
  hang?: boolean;
}

export interface SystemState {
  PowerState: "On" | "Off";
  BootSourceOverrideTarget: string;
  BootSourceOverrideEnabled: string;
  BootSourceOverrideMode: string;
  /** The ETag's counter: bumped by every change. */
  version: number;
}

export interface MockRequest {
  method: string;
  path: string;
  /** How the request authenticated; `invalid`: an unknown token or wrong basic credentials. */
  auth: "session" | "basic" | "none" | "invalid";
  ifMatch: string | null;
  /** JSON body, with any `Password` replaced by `***`. */
  body: unknown;
  status: number;
}

export interface RedfishMock {
  /** `https://127.0.0.1:PORT` */
  url: string;
  /** PEM of the CA that signed the server certificate. */
  caPath: string;
  /** The system ids, e.g. `/redfish/v1/Systems/437XR1138R2`. */
  systemPaths: string[];
  state(systemPath?: string): SystemState;
  /** Changes the power as someone at the machine would (and bumps its ETag). */
  setPowerOutOfBand(power: "On" | "Off", systemPath?: string): void;
  /** Sessions currently open. */
  sessions(): number;
  /** Forgets every session, as a BMC does when they time out: the next use answers 401. */
  expireSessions(): void;
  /** Every request received, oldest first. */
  readonly requests: MockRequest[];
  /** The next PATCH is refused with 412, as if the resource changed meanwhile (its ETag is bumped). */
  failNextPatchWith412(): void;
  stop(): Promise<void>;
}

const ROOT = "/redfish/v1";
const SYSTEM_IDS = ["437XR1138R2", "2M220100SL", "4C4C4544", "7X77"];
const DEFAULT_RESETS = ["On", "ForceOff", "GracefulShutdown", "GracefulRestart", "ForceRestart", "Nmi", "ForceOn", "PushPowerButton"];
const DEFAULT_TARGETS = ["None", "Pxe", "Cd", "Usb", "Hdd", "BiosSetup", "Utilities", "Diags", "SDCard", "UefiTarget"];

function openssl(args: string[], cwd: string) {
  const r = Bun.spawnSync(["openssl", ...args], { cwd, stderr: "pipe", stdout: "pipe" });
  if (r.exitCode !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr.toString()}`);
}

/** A CA and a server certificate for 127.0.0.1 signed by it, in a new temp dir. */
export function makeCertificates(): { dir: string; caPath: string; certPath: string; keyPath: string } {
  const dir = mkdtempSync(join(tmpdir(), "teeth-redfish-mock-"));
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl(["req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=teeth test BMC CA",
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"], dir);
  openssl(["req", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"], dir);
  writeFileSync(join(dir, "ext.cnf"), "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n");
  openssl(["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf"], dir);
  return { dir, caPath: join(dir, "ca.pem"), certPath: join(dir, "server.pem"), keyPath: join(dir, "server.key") };
}

function error(status: number, messageId: string, message: string, extra: Record<string, string> = {}): Response {
  return Response.json(
    {
      error: {
        code: "Base.1.8.GeneralError",
        message: "A general error has occurred. See ExtendedInfo for more information.",
        "@Message.ExtendedInfo": [{ "@odata.type": "#Message.v1_1_1.Message", MessageId: `Base.1.8.${messageId}`, Message: message, Severity: "Warning" }],
      },
    },
    { status, headers: extra },
  );
}

/**
 * Starts a mock BMC on a free loopback port.
 * @example
 * const bmc = await startRedfishMock({ systems: 2, sessions: false });
 */
export async function startRedfishMock(options: RedfishMockOptions = {}): Promise<RedfishMock> {
  const o = {
    username: "admin", password: "password", systems: 1, requireEtag: false, sessions: true, asyncReset: false, powerDelayMs: 0,
    initialPower: "Off" as const, resetTypes: DEFAULT_RESETS, advertiseResetTypes: true, bootTargets: DEFAULT_TARGETS, bootMode: true, hang: false, ...options,
  };
  const certs = makeCertificates();
  const systemPaths = SYSTEM_IDS.slice(0, o.systems).map((id) => `${ROOT}/Systems/${id}`);
  const systems = new Map<string, SystemState>(
    systemPaths.map((p) => [p, { PowerState: o.initialPower, BootSourceOverrideTarget: "None", BootSourceOverrideEnabled: "Disabled", BootSourceOverrideMode: "UEFI", version: 1 }]),
  );
  const sessions = new Map<string, string>(); // token -> session path
  const tasks = new Map<string, { state: "Running" | "Completed"; id: string }>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const requests: MockRequest[] = [];
  let nextId = 1;
  let fail412 = false;

  const sys = (p?: string) => {
    const s = systems.get(p ?? systemPaths[0]!);
    if (!s) throw new Error(`no system ${p}`);
    return s;
  };
  const etag = (s: SystemState) => `W/"${s.version}"`;
  const later = (ms: number, fn: () => void) => {
    if (ms <= 0) return fn();
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  function systemDoc(path: string, s: SystemState) {
    const id = path.slice(path.lastIndexOf("/") + 1);
    const boot: Record<string, unknown> = {
      BootSourceOverrideEnabled: s.BootSourceOverrideEnabled,
      BootSourceOverrideTarget: s.BootSourceOverrideTarget,
      "BootSourceOverrideTarget@Redfish.AllowableValues": o.bootTargets,
      UefiTargetBootSourceOverride: "/0x31/0x33/0x01/0x01",
    };
    if (o.bootMode) boot.BootSourceOverrideMode = s.BootSourceOverrideMode;
    return {
      "@odata.type": "#ComputerSystem.v1_22_0.ComputerSystem",
      Id: id,
      Name: "WebFrontEnd483",
      SystemType: "Physical",
      Manufacturer: "Contoso",
      Model: "3500",
      SerialNumber: id,
      UUID: "38947555-7742-3448-3784-823347823834",
      Status: { State: "Enabled", Health: "OK", HealthRollup: "OK" },
      PowerState: s.PowerState,
      Boot: boot,
      Links: { Chassis: [{ "@odata.id": `${ROOT}/Chassis/1U` }], ManagedBy: [{ "@odata.id": `${ROOT}/Managers/BMC` }] },
      Actions: {
        "#ComputerSystem.Reset": {
          target: `${path}/Actions/ComputerSystem.Reset`,
          ...(o.advertiseResetTypes ? { "ResetType@Redfish.AllowableValues": o.resetTypes } : {}),
        },
      },
      "@odata.etag": etag(s),
      "@odata.id": path,
    };
  }

  function applyReset(s: SystemState, type: string, done: () => void) {
    const set = (p: "On" | "Off") => {
      s.PowerState = p;
      s.version++;
    };
    const wasOn = s.PowerState === "On";
    switch (type) {
      case "On":
      case "ForceOn":
        return later(o.powerDelayMs, () => (set("On"), done()));
      case "ForceOff":
      case "GracefulShutdown":
        return later(o.powerDelayMs, () => (set("Off"), done()));
      case "ForceRestart":
      case "GracefulRestart":
      case "PowerCycle":
        if (wasOn) set("Off");
        return later(o.powerDelayMs, () => (set("On"), done()));
      case "PushPowerButton":
        return later(o.powerDelayMs, () => (set(wasOn ? "Off" : "On"), done()));
      default:
        return done(); // Nmi
    }
  }

  function authOf(req: Request): MockRequest["auth"] {
    const token = req.headers.get("x-auth-token");
    if (token) return sessions.has(token) ? "session" : "invalid";
    const basic = req.headers.get("authorization");
    if (basic?.startsWith("Basic ")) {
      return Buffer.from(basic.slice(6), "base64").toString() === `${o.username}:${o.password}` ? "basic" : "invalid";
    }
    return "none";
  }

  const unauthorized = () => error(401, "NoValidSession", "There is no valid session established with the implementation.", { "WWW-Authenticate": 'Basic realm="Redfish"' });

  async function handle(req: Request, path: string, auth: MockRequest["auth"], body: any): Promise<Response> {
    const m = req.method;
    if (m === "GET" && (path === "/redfish" || path === "/redfish/")) return Response.json({ v1: `${ROOT}/` });
    if (m === "GET" && (path === ROOT || path === `${ROOT}/`)) {
      const root: Record<string, unknown> = {
        "@odata.type": "#ServiceRoot.v1_15_0.ServiceRoot",
        Id: "RootService",
        Name: "Root Service",
        RedfishVersion: "1.15.0",
        UUID: "92384634-2938-2342-8820-489239905423",
        Systems: { "@odata.id": `${ROOT}/Systems` },
        Chassis: { "@odata.id": `${ROOT}/Chassis` },
        Managers: { "@odata.id": `${ROOT}/Managers` },
        Tasks: { "@odata.id": `${ROOT}/TaskService` },
        "@odata.id": `${ROOT}/`,
      };
      if (o.sessions) {
        root.SessionService = { "@odata.id": `${ROOT}/SessionService` };
        root.Links = { Sessions: { "@odata.id": `${ROOT}/SessionService/Sessions` } };
      }
      return Response.json(root);
    }
    if (path.startsWith(`${ROOT}/SessionService`)) {
      if (!o.sessions) return error(404, "ResourceMissingAtURI", `The resource at the URI ${path} was not found.`);
      if (m === "POST" && path === `${ROOT}/SessionService/Sessions`) {
        if (body?.UserName !== o.username || body?.Password !== o.password) return error(401, "ResourceAtUriUnauthorized", "While accessing the resource at /redfish/v1/SessionService/Sessions, the service received an authorization error unauthorized.");
        const id = String(nextId++);
        const token = crypto.randomUUID().replace(/-/g, "");
        const where = `${ROOT}/SessionService/Sessions/${id}`;
        sessions.set(token, where);
        return Response.json(
          { "@odata.type": "#Session.v1_6_0.Session", Id: id, Name: "User Session", UserName: o.username, "@odata.id": where },
          { status: 201, headers: { "X-Auth-Token": token, Location: where } },
        );
      }
      if (auth === "invalid" || auth === "none") return unauthorized();
      if (m === "DELETE" && path.startsWith(`${ROOT}/SessionService/Sessions/`)) {
        for (const [t, p] of sessions) if (p === path) sessions.delete(t);
        return new Response(null, { status: 204 });
      }
      if (m === "GET" && path === `${ROOT}/SessionService`) {
        return Response.json({ "@odata.type": "#SessionService.v1_1_8.SessionService", Id: "SessionService", ServiceEnabled: true, SessionTimeout: 30, Sessions: { "@odata.id": `${ROOT}/SessionService/Sessions` }, "@odata.id": `${ROOT}/SessionService` });
      }
      return error(405, "OperationNotAllowed", "The HTTP method is not allowed on this resource.");
    }
    if (auth === "invalid" || auth === "none") return unauthorized();
    if (m === "GET" && path === `${ROOT}/Systems`) {
      return Response.json({
        "@odata.type": "#ComputerSystemCollection.ComputerSystemCollection",
        Name: "Computer System Collection",
        "Members@odata.count": systemPaths.length,
        Members: systemPaths.map((p) => ({ "@odata.id": p })),
        "@odata.id": `${ROOT}/Systems`,
      });
    }
    const s = systems.get(path);
    if (s && m === "GET") return Response.json(systemDoc(path, s), { headers: { ETag: etag(s) } });
    if (s && m === "PATCH") {
      const ifMatch = req.headers.get("if-match");
      if (fail412) {
        fail412 = false;
        s.version++;
        return error(412, "PreconditionFailed", "The ETag supplied did not match the ETag required to change this resource.");
      }
      if (o.requireEtag && ifMatch !== etag(s)) return error(412, "PreconditionFailed", "The ETag supplied did not match the ETag required to change this resource.");
      const b = body?.Boot;
      if (!b || typeof b !== "object") return error(400, "PropertyUnknown", "The property Boot is missing from the request body.");
      const valid: Record<string, string[]> = {
        BootSourceOverrideTarget: o.bootTargets,
        BootSourceOverrideEnabled: ["Disabled", "Once", "Continuous"],
        BootSourceOverrideMode: o.bootMode ? ["UEFI", "Legacy"] : [],
      };
      for (const [k, v] of Object.entries(b)) {
        if (!(k in valid)) return error(400, "PropertyUnknown", `The property ${k} is not in the list of valid properties for the resource.`);
        if (!valid[k]!.includes(String(v))) return error(400, "PropertyValueNotInList", `The value ${String(v)} for the property ${k} is not in the list of acceptable values.`);
      }
      Object.assign(s, b);
      s.version++;
      return new Response(null, { status: 204 });
    }
    const reset = [...systems].find(([p]) => path === `${p}/Actions/ComputerSystem.Reset`);
    if (reset && m === "POST") {
      const type = String(body?.ResetType ?? "");
      if (!o.resetTypes.includes(type)) {
        return error(400, "ActionParameterNotSupported", `The parameter ${type} for the action ComputerSystem.Reset is not supported on the target resource.`);
      }
      if (!o.asyncReset) {
        applyReset(reset[1], type, () => {});
        return new Response(null, { status: 204 });
      }
      const id = String(nextId++);
      const task = { state: "Running" as "Running" | "Completed", id };
      tasks.set(id, task);
      applyReset(reset[1], type, () => (task.state = "Completed"));
      return Response.json(taskDoc(task), { status: 202, headers: { Location: `${ROOT}/TaskService/TaskMonitors/${id}` } });
    }
    const monitor = /^\/redfish\/v1\/TaskService\/(TaskMonitors|Tasks)\/(\d+)$/.exec(path);
    if (monitor && m === "GET") {
      const task = tasks.get(monitor[2]!);
      if (!task) return error(404, "ResourceMissingAtURI", `The resource at the URI ${path} was not found.`);
      return Response.json(taskDoc(task), { status: monitor[1] === "TaskMonitors" && task.state === "Running" ? 202 : 200 });
    }
    return error(404, "ResourceMissingAtURI", `The resource at the URI ${path} was not found.`);
  }

  function taskDoc(t: { state: string; id: string }) {
    return {
      "@odata.type": "#Task.v1_7_0.Task",
      Id: t.id,
      Name: `Task ${t.id}`,
      TaskState: t.state,
      TaskStatus: "OK",
      PercentComplete: t.state === "Completed" ? 100 : 50,
      TaskMonitor: `${ROOT}/TaskService/TaskMonitors/${t.id}`,
      "@odata.id": `${ROOT}/TaskService/Tasks/${t.id}`,
    };
  }

  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    tls: { cert: readFileSync(certs.certPath, "utf8"), key: readFileSync(certs.keyPath, "utf8") },
    // A hung BMC keeps the connection open for ever: only the client's own deadline ends the wait.
    idleTimeout: o.hang ? 0 : 10,
    async fetch(req) {
      if (o.hang) return new Promise<Response>(() => {});
      const path = new URL(req.url).pathname;
      const text = await req.text();
      let body: any = null;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        return error(400, "MalformedJSON", "The request body submitted was malformed JSON and could not be parsed by the receiving service.");
      }
      const auth = authOf(req);
      const res = await handle(req, path, auth, body);
      const shown = body && typeof body === "object" && "Password" in body ? { ...body, Password: "***" } : body;
      requests.push({ method: req.method, path, auth, ifMatch: req.headers.get("if-match"), body: shown, status: res.status });
      // Bun closes the connection a client asked to close without saying so; a client that
      // reuses connections (urllib3, under sushy's "Connection: close") needs to be told.
      if (req.headers.get("connection")?.toLowerCase() === "close") res.headers.set("Connection", "close");
      return res;
    },
  });

  return {
    url: `https://127.0.0.1:${server.port}`,
    caPath: certs.caPath,
    systemPaths,
    state: (p) => ({ ...sys(p) }),
    setPowerOutOfBand(power, p) {
      const s = sys(p);
      s.PowerState = power;
      s.version++;
    },
    sessions: () => sessions.size,
    expireSessions: () => sessions.clear(),
    requests,
    failNextPatchWith412() {
      fail412 = true;
    },
    async stop() {
      for (const t of timers) clearTimeout(t);
      await server.stop(true);
      rmSync(certs.dir, { recursive: true, force: true });
    },
  };
}
