/**
 * The operator CLI's BMC verbs (`teeth node power|boot-device|validate`), its waits through a
 * conductor restart (issue 9, finding 14) and its secrets kept off the command line (finding
 * 15: `TEETH_TOKEN`, `--token-file`, `--driver-info K=@FILE`, `K=-` from stdin,
 * `--configdrive @FILE`), against an in-process conductor with a scripted BMC.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { conductorError } from "../../conductor/errors.ts";
import { startTestConductor, type TestConductor } from "./helpers/harness.ts";
import { createScriptedBmc, type ScriptedBmc } from "./helpers/scripted-bmc.ts";
import { startStandInAgent, type StandInAgent } from "./helpers/stand-in-agent.ts";
import { TEETH_BIN } from "../support/agent-process.ts";
import { existsSync } from "node:fs";

const ROOT = join(import.meta.dir, "../..");
const TOKEN = "tok-" + "9f3c2a71e4b8d605".repeat(2);
const tmp = mkdtempSync(join(tmpdir(), "teeth-cli-power-"));
let tc: TestConductor;
let bmc: ScriptedBmc;

interface Run {
  code: number;
  out: string;
  err: string;
}

function spawnTeeth(args: string[], options: { env?: Record<string, string>; stdin?: string; url?: string; compiled?: boolean } = {}) {
  const teethCmd = options.compiled ? [TEETH_BIN] : [process.execPath, join(ROOT, "main.ts")];
  return Bun.spawn([...teethCmd, ...args, "--url", options.url ?? tc.url], {
    stdout: "pipe",
    stderr: "pipe",
    stdin: options.stdin === undefined ? "ignore" : new TextEncoder().encode(options.stdin),
    cwd: ROOT,
    env: { ...process.env, TEETH_TOKEN: TOKEN, ...options.env },
  });
}

async function teeth(...args: string[]): Promise<Run> {
  return finished(spawnTeeth(args));
}

async function finished(p: ReturnType<typeof spawnTeeth>): Promise<Run> {
  const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  return { code: await p.exited, out, err };
}

/** Collects a running CLI's output as it comes, so a test can wait for a line. */
function watch(p: ReturnType<typeof spawnTeeth>) {
  let out = "";
  let err = "";
  const pump = async (stream: ReadableStream<Uint8Array>, add: (s: string) => void) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) add(decoder.decode(chunk, { stream: true }));
  };
  const done = Promise.all([pump(p.stdout, (s) => (out += s)), pump(p.stderr, (s) => (err += s))]).then(async () => ({ code: await p.exited, out, err }));
  return {
    done,
    async until(text: string, timeoutMs = 30_000) {
      const end = Date.now() + timeoutMs;
      while (!err.includes(text) && Date.now() < end) await Bun.sleep(20);
      if (!err.includes(text)) throw new Error(`the CLI never printed '${text}'; stderr so far: ${err}`);
    },
  };
}

async function node(name: string) {
  const r = await tc.api("POST", "/v1/nodes", { name, driver: "scripted-bmc" }, { Authorization: `Bearer ${TOKEN}` });
  expect(r.status).toBe(201);
  return r.json.uuid as string;
}

beforeAll(async () => {
  bmc = createScriptedBmc();
  tc = await startTestConductor(
    { enabled_drivers: ["fake-hardware", "scripted-bmc"], auth: { token: TOKEN }, agent: { poll_interval_s: 0.1, heartbeat_timeout_s: 10 }, cleaning: { automated_clean: false } },
    undefined,
    undefined,
    { extraDrivers: [bmc] },
  );
});
afterAll(async () => {
  await tc.destroy();
  rmSync(tmp, { recursive: true, force: true });
});
beforeEach(() => {
  bmc.failWith = null;
  bmc.calls.length = 0;
});

describe("teeth node power", () => {
  test("on, off --soft --timeout, reboot: waits for the state and prints it", async () => {
    const uuid = await node("c-pow");
    let r = await teeth("node", "power", "on", "c-pow");
    expect([r.code, r.out, r.err]).toEqual([0, "c-pow: power on\n", ""]);
    expect(bmc.state.get(uuid)).toBe("power on");
    bmc.calls.length = 0;
    r = await teeth("node", "power", "off", "--soft", "--timeout", "30", "c-pow", "--json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ uuid, name: "c-pow", power_state: "power off" });
    expect(bmc.calls.find((c) => c.method === "setPowerState")).toMatchObject({ arg: "soft power off", timeoutS: 30 });
    r = await teeth("node", "power", "c-pow", "reboot"); // the older order still works
    expect([r.code, r.out]).toEqual([0, "c-pow: power on\n"]);
  });

  test("a BMC failure exits 1 with the node's last_error", async () => {
    await node("c-powfail");
    bmc.failWith = conductorError("BMC_AUTH_FAILED", { driver: "scripted-bmc", bmc: "127.0.0.1:6232", reason: "Unable to establish IPMI v2 / RMCP+ session" });
    const r = await teeth("node", "power", "on", "c-powfail");
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      "teeth: c-powfail: Failed to change power state to 'power on': scripted-bmc authentication failed for 127.0.0.1:6232: Unable to establish IPMI v2 / RMCP+ session\n",
    );
  });

  test("usage errors exit 2; refusals exit 1 with the conductor's message", async () => {
    await node("c-powbad");
    expect((await teeth("node", "power", "on", "--soft", "c-powbad")).code).toBe(2);
    expect((await teeth("node", "power", "sideways", "c-powbad")).code).toBe(2);
    expect((await teeth("node", "power", "on", "--timeout", "0", "c-powbad")).code).toBe(2);
    const r = await teeth("node", "power", "on", "nope");
    expect(r.code).toBe(1);
    expect(r.err).toContain("Node nope could not be found. (HTTP 404)");
  });
});

describe("teeth node boot-device and validate", () => {
  test("set, show, --supported; an unsupported device is refused", async () => {
    await node("c-boot");
    let r = await teeth("node", "boot-device", "set", "c-boot", "disk", "--persistent");
    expect([r.code, r.out]).toEqual([0, "c-boot: next boot from disk (persistent)\n"]);
    r = await teeth("node", "boot-device", "show", "c-boot");
    expect(r.out).toBe("boot_device  disk\npersistent   true\n");
    r = await teeth("node", "boot-device", "show", "c-boot", "--json");
    expect(JSON.parse(r.out)).toEqual({ boot_device: "disk", persistent: true });
    r = await teeth("node", "boot-device", "show", "c-boot", "--supported");
    expect(r.out).toBe("pxe\ndisk\n");
    r = await teeth("node", "boot-device", "set", "c-boot", "cdrom");
    expect([r.code, r.err]).toEqual([1, "teeth: Invalid boot device cdrom specified. (HTTP 400)\n"]);
    expect((await teeth("node", "boot-device", "frob", "c-boot")).code).toBe(2);
  });

  test("validate prints a table of interface, result, reason", async () => {
    const uuid = await node("c-val");
    let r = await teeth("node", "validate", "c-val");
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^INTERFACE\s+RESULT\s+REASON$/);
    expect(lines.find((l) => l.startsWith("power "))).toMatch(/^power\s+true$/);
    expect(lines.find((l) => l.startsWith("deploy "))).toContain(`false   Node ${uuid} failed to validate deploy image info`);
    expect(lines.find((l) => l.startsWith("console "))).toContain("false   Driver scripted-bmc does not support console");
    r = await teeth("node", "validate", "c-val", "--json");
    expect(JSON.parse(r.out).power).toEqual({ result: true });
  });

  test("--help says what each verb does and how to keep secrets off the command line", async () => {
    let r = await teeth("node", "power", "--help");
    expect(r.out).toContain("power on|off|reboot [--soft] [--timeout S]");
    r = await teeth("node", "--help");
    for (const s of ["boot-device set NODE", "validate NODE", "--token-file", "$TEETH_TOKEN", "KEY=@FILE", "--configdrive DATA|@FILE"]) expect({ s, found: r.out.includes(s) }).toEqual({ s, found: true });
  });
});

/** Every process's command line on this host, NUL-separated arguments joined by spaces. */
function allCmdlines(): string[] {
  const out: string[] = [];
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      out.push(readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " "));
    } catch {
      /* gone */
    }
  }
  return out;
}

describe("secrets stay off the command line", () => {
  test("token from TEETH_TOKEN or --token-file; --token on argv warns; none is required on loopback without auth", async () => {
    let r = await finished(spawnTeeth(["node", "list"], { env: { TEETH_TOKEN: "" } }));
    expect(r.code).toBe(1);
    expect(r.err).toContain("(HTTP 401)");
    writeFileSync(join(tmp, "token"), `${TOKEN}\n`, { mode: 0o600 });
    r = await finished(spawnTeeth(["node", "list", "--token-file", join(tmp, "token")], { env: { TEETH_TOKEN: "" } }));
    expect(r.code).toBe(0);
    r = await finished(spawnTeeth(["node", "list", "--token", TOKEN], { env: { TEETH_TOKEN: "" } }));
    expect(r.code).toBe(0);
    expect(r.err).toContain("warning: --token on the command line is visible to other users");
  });

  test("enroll with the BMC password from a file and the user from stdin; deploy with a configdrive from a file; no command line holds them", async () => {
    const password = "pw-" + crypto.randomUUID();
    const user = "admin-" + crypto.randomUUID().slice(0, 8);
    const configdrive = "H4sI-configdrive-" + crypto.randomUUID();
    writeFileSync(join(tmp, "bmc-password"), `${password}\n`, { mode: 0o600 });
    writeFileSync(join(tmp, "configdrive"), configdrive, { mode: 0o600 });
    const secrets = [TOKEN, password, user, configdrive];
    const leaks: string[] = [];
    let scanning = true;
    const scanner = (async () => {
      while (scanning) {
        for (const line of allCmdlines()) for (const s of secrets) if (line.includes(s)) leaks.push(`${s.slice(0, 6)}... in: ${line.slice(0, 200)}`);
        await Bun.sleep(5);
      }
    })();
    let agent: StandInAgent | null = null;
    try {
      let r = await finished(
        spawnTeeth(["node", "create", "--name", "c-sec", "--driver", "fake-hardware", "--driver-info", `ipmi_password=@${join(tmp, "bmc-password")}`, "--driver-info", "ipmi_username=-", "--driver-info", "ipmi_address=127.0.0.1"], { stdin: `${user}\n` }),
      );
      expect(r.code).toBe(0);
      expect(r.out).not.toContain(password);
      const uuid = tc.conductor.store.nodes.find("c-sec")!.uuid;
      expect(tc.conductor.store.nodes.get(uuid)!.driver_info).toEqual({ ipmi_password: password, ipmi_username: user, ipmi_address: "127.0.0.1" });
      await tc.api("POST", "/v1/ports", { address: "52:54:00:0c:5e:01", node_uuid: "c-sec" }, { Authorization: `Bearer ${TOKEN}` });
      expect((await teeth("node", "manage", "c-sec", "--wait")).code).toBe(0);
      expect((await teeth("node", "provide", "c-sec", "--wait")).code).toBe(0);
      mkdirSync(join(tc.dataDir, "images"), { recursive: true });
      writeFileSync(join(tc.dataDir, "images", "sec.raw"), Buffer.alloc(8192, 7));
      agent = await startStandInAgent({ apiUrl: tc.url, macs: ["52:54:00:0c:5e:01"], writeImagePolls: 10 });
      r = await teeth("node", "deploy", "c-sec", "--image", "sec.raw", "--configdrive", `@${join(tmp, "configdrive")}`, "--wait");
      expect([r.code, r.out]).toEqual([0, "c-sec: active\n"]);
      expect(tc.conductor.store.nodes.get(uuid)!.instance_info.configdrive).toBe(configdrive);
    } finally {
      scanning = false;
      await scanner;
      agent?.stop();
    }
    expect(leaks).toEqual([]);
  }, 60_000);

  test.skipIf(!Bun.which("script"))("on a terminal, KEY=- prompts without echo", async () => {
    const password = "pty-" + crypto.randomUUID().slice(0, 12);
    // script(1) gives the CLI a pseudo-terminal; what it prints there comes back on stdout.
    const cmd = `${process.execPath} ${join(ROOT, "main.ts")} node create --name c-tty --driver-info ipmi_password=- --url ${tc.url}`;
    const p = Bun.spawn(["script", "-qec", cmd, "/dev/null"], { stdin: "pipe", stdout: "pipe", stderr: "pipe", env: { ...process.env, TEETH_TOKEN: TOKEN } });
    const out = new Response(p.stdout).text();
    await Bun.sleep(1500); // let it reach the prompt and switch the terminal to raw mode
    p.stdin.write(`${password}\r`);
    await p.stdin.end();
    expect(await p.exited).toBe(0);
    const text = await out;
    expect(text).toContain("ipmi_password: ");
    expect(text).not.toContain(password);
    expect(tc.conductor.store.nodes.find("c-tty")!.driver_info.ipmi_password).toBe(password);
  });

  test("a secret given on the command line works but warns", async () => {
    const r = await finished(spawnTeeth(["node", "create", "--name", "c-sec3", "--driver-info", "ipmi_password=inline-pw", "--driver-info", "ipmi_address=127.0.0.1"]));
    expect(r.code).toBe(0);
    expect(r.err).toBe("teeth: warning: ipmi_password on the command line is visible to other users; use ipmi_password=@FILE or ipmi_password=-\n");
  });

  test("a second '-' value is refused (standard input is read once)", async () => {
    const r = await finished(spawnTeeth(["node", "create", "--name", "c-sec2", "--driver-info", "a=-", "--driver-info", "b=-"], { stdin: "x\n" }));
    expect(r.code).toBe(2);
    expect(r.err).toContain("only one value can be read from standard input");
  });
});

describe.skipIf(!existsSync(TEETH_BIN))("the compiled binary (make build)", () => {
  test("reads a driver_info secret from a pipe, powers the node and validates it", async () => {
    const password = "pw-" + crypto.randomUUID();
    let r = await finished(spawnTeeth(["node", "create", "--name", "c-bin", "--driver", "scripted-bmc", "--driver-info", "ipmi_password=-"], { stdin: `${password}\n`, compiled: true }));
    expect(r.code).toBe(0);
    const uuid = tc.conductor.store.nodes.find("c-bin")!.uuid;
    expect(tc.conductor.store.nodes.get(uuid)!.driver_info.ipmi_password).toBe(password);
    r = await finished(spawnTeeth(["node", "power", "reboot", "c-bin"], { compiled: true }));
    expect([r.code, r.out]).toEqual([0, "c-bin: power on\n"]);
    r = await finished(spawnTeeth(["node", "validate", "c-bin"], { compiled: true }));
    expect(r.out).toMatch(/^power\s+true$/m);
  });
});

describe("waits through a conductor restart", () => {
  test("deploy --wait keeps waiting while the conductor restarts, says so, and ends with the node's outcome", async () => {
    const t1 = await startTestConductor({ agent: { poll_interval_s: 0.1, heartbeat_timeout_s: 10 }, cleaning: { automated_clean: false } });
    const url = t1.url;
    const port = Number(new URL(url).port);
    let t2: TestConductor | null = null;
    const agent = await startStandInAgent({ apiUrl: url, macs: ["52:54:00:0c:5e:02"], writeImagePolls: 60, heartbeatMs: 300 });
    try {
      await t1.enroll("c-rs", "52:54:00:0c:5e:02");
      await t1.api("PUT", "/v1/nodes/c-rs/states/provision", { target: "provide" });
      await t1.waitFor("c-rs", (n) => n.provision_state === "available");
      mkdirSync(join(t1.dataDir, "images"), { recursive: true });
      writeFileSync(join(t1.dataDir, "images", "rs.raw"), Buffer.alloc(8192, 5));
      const cli = watch(spawnTeeth(["node", "deploy", "c-rs", "--image", "rs.raw", "--wait", "--timeout", "60"], { url }));
      await t1.waitFor("c-rs", (n) => n.provision_state === "wait call-back" && n.driver_internal_info.deploy_progress, 20_000);
      await t1.stop();
      await cli.until("conductor unavailable"); // the CLI is polling a dead conductor
      t2 = await startTestConductor({ agent: { poll_interval_s: 0.1, heartbeat_timeout_s: 10 }, cleaning: { automated_clean: false } }, t1.dataDir, port);
      const r = await cli.done;
      expect(r.err).toContain("retrying...");
      expect(r.err).toContain("conductor is back");
      expect([r.code, r.out]).toEqual([0, "c-rs: active\n"]);
    } finally {
      agent.stop();
      await t2?.destroy();
    }
  }, 90_000);

  test("a wait that outlives its timeout with the conductor down exits 1 with the timeout", async () => {
    const t1 = await startTestConductor();
    await t1.api("POST", "/v1/nodes", { name: "c-down", driver: "fake-hardware" });
    await t1.api("PUT", "/v1/nodes/c-down/states/provision", { target: "manage" });
    await t1.waitFor("c-down", (n) => n.provision_state === "manageable");
    const cli = spawnTeeth(["node", "inspect", "c-down", "--wait", "--timeout", "4"], { url: t1.url });
    await t1.waitFor("c-down", (n) => n.provision_state !== "manageable"); // the CLI's request went through
    await t1.destroy();
    const r = await finished(cli);
    expect(r.code).toBe(1);
    expect(r.err).toContain("conductor unavailable");
    expect(r.err).toContain("timed out after 4 s");
  }, 30_000);
});
