/**
 * End-to-end tests of the compiled agent (`dist/teeth agent`) against a stand-in conductor:
 * token flow, heartbeats, every endpoint's codes and bodies, one command at a time, survival
 * of failing commands, vendor plugins from a directory.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import { startAgentProcess, type AgentProcess } from "../support/agent-process.ts";
import { startStandInConductor, type StandInConductor } from "../support/stand-in-conductor.ts";

const PLUGINS = resolve(import.meta.dir, "../fixtures/plugins");

async function call(agent: AgentProcess, method: string, path: string, body?: unknown) {
  const res = await fetch(`${agent.base}${path}`, {
    method,
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    tls: { rejectUnauthorized: false },
  } as RequestInit);
  const text = await res.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json };
}

async function waitDone(agent: AgentProcess, token: string, id: string) {
  return (await call(agent, "GET", `/v1/commands/${id}?wait=true&agent_token=${token}`)).json;
}

describe("agent with plugins, plain http", () => {
  let conductor: StandInConductor;
  let agent: AgentProcess;
  let startMs: number;
  let firstHeartbeatMs: number;

  beforeAll(async () => {
    conductor = startStandInConductor({ heartbeatTimeout: 4 });
    conductor.failLookups = 2; // the node is not enrolled yet: the agent must keep trying
    startMs = performance.now();
    agent = await startAgentProcess([
      `--ipa-api-url=${conductor.url}`,
      "--teeth-auto-tls=0",
      `--teeth-hardware-managers-dir=${PLUGINS}`,
    ]);
    await agent.waitForStatus();
    await conductor.waitForHeartbeats(1);
    firstHeartbeatMs = conductor.heartbeats[0]!.at - startMs;
    console.log(`start-to-first-heartbeat: ${firstHeartbeatMs.toFixed(0)} ms (including 2 refused lookups)`);
  }, 60_000);

  afterAll(async () => {
    await agent?.stop();
    conductor?.stop();
  });

  test("lookup retries until the node is known, with MACs and microversion 1.62", () => {
    expect(conductor.lookups.length).toBeGreaterThanOrEqual(3);
    const q = conductor.lookups.at(-1)!;
    expect(q.version).toBe("1.62");
    expect(q.query.addresses ?? "").toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}/);
  });

  test("heartbeat carries callback_url, the lookup's token and agent_version at 1.68", () => {
    const hb = conductor.heartbeats[0]!;
    expect(hb.node).toBe(conductor.nodeUuid);
    expect(hb.version).toBe("1.68");
    expect(hb.body.callback_url).toBe(`http://127.0.0.1:${agent.port}`);
    expect(hb.body.agent_token).toBe(conductor.token);
    expect(hb.body.agent_version).toBe("0.1.0");
    expect(hb.body.agent_verify_ca).toBeUndefined();
  });

  test("heartbeats repeat at heartbeat_timeout * uniform(0.3, 0.6)", async () => {
    const n = conductor.heartbeats.length;
    await conductor.waitForHeartbeats(n + 3, 30_000);
    const hbs = conductor.heartbeats.slice(n - 1, n + 3);
    for (let i = 1; i < hbs.length; i++) {
      const gap = (hbs[i]!.at - hbs[i - 1]!.at) / 1000;
      // 4 s * [0.3, 0.6] = [1.2, 2.4] s; a little slack for a loaded machine.
      expect(gap).toBeGreaterThan(1.1);
      expect(gap).toBeLessThan(4.5);
    }
  }, 40_000);

  test("commands need the token; reads need it once a read has carried it (IPA's rule)", async () => {
    const fault = { faultcode: "Client", faultstring: "Token invalid.", debuginfo: null };
    // Ironic 21.4 polls GET /v1/commands/ without the token: allowed until a read carries one.
    expect((await call(agent, "GET", "/v1/commands/")).status).toBe(200);
    const wrong = `agent_token=${"x".repeat(43)}`;
    for (const [method, path] of [["GET", `/v1/commands/?${wrong}`], ["GET", `/v1/commands/x?${wrong}`], ["POST", "/v1/commands/"], ["POST", `/v1/commands/?${wrong}`]] as const) {
      const r = await call(agent, method, path, method === "POST" ? { name: "standby.sync", params: {} } : undefined);
      expect({ method, path, status: r.status, json: r.json }).toEqual({ method, path, status: 401, json: fault });
    }
    expect((await call(agent, "GET", `/v1/commands/?agent_token=${conductor.token}`)).status).toBe(200);
    // From now on, token-less reads are refused.
    const after = await call(agent, "GET", "/v1/commands/");
    expect(after.status).toBe(401);
    expect(after.json).toEqual(fault);
  });

  test("GET /, /v1/ and /v1/status need no token", async () => {
    const root = await call(agent, "GET", "/");
    expect(root.status).toBe(200);
    expect(root.json.default_version.id).toBe("v1");
    const v1 = await call(agent, "GET", "/v1/");
    expect(v1.status).toBe(200);
    expect(v1.json.id).toBe("v1");
    const status = await call(agent, "GET", "/v1/status");
    expect(status.status).toBe(200);
    expect(status.json.version).toBe("0.1.0");
    expect(typeof status.json.started_at).toBe("number");
  });

  test("sync command returns its result at once; results are listed and fetched by id", async () => {
    const t = conductor.token;
    const r = await call(agent, "POST", `/v1/commands/?agent_token=${t}`, { name: "standby.sync", params: {} });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ command_name: "sync", command_status: "SUCCEEDED", command_error: null, command_result: { result: "sync completed" } });
    const one = await call(agent, "GET", `/v1/commands/${r.json.id}?agent_token=${t}`);
    expect(one.json.id).toBe(r.json.id);
    const all = await call(agent, "GET", `/v1/commands?agent_token=${t}`);
    expect(all.json.commands.map((c: any) => c.id)).toContain(r.json.id);
    const missing = await call(agent, "GET", `/v1/commands/no-such-id?agent_token=${t}`);
    expect(missing.status).toBe(404);
    expect(missing.json.faultcode).toBe("Client");
  });

  test("bad requests get the documented 4xx bodies", async () => {
    const t = conductor.token;
    const cases: Array<[unknown, number, RegExp]> = [
      ["{not json", 400, /Missing or invalid name or params/],
      [{ params: {} }, 400, /Missing or invalid name or params/],
      [{ name: 42 }, 400, /Missing or invalid name or params/],
      [{ name: "standby.sync", params: [] }, 400, /Missing or invalid name or params/],
      [{ name: "nodot", params: {} }, 400, /Command name must be of the form <extension>.<name>/],
      [{ name: "standby.nope", params: {} }, 400, /Unknown command: nope/],
      [{ name: "nope.sync", params: {} }, 404, /Extension with id nope not found/],
      [{ name: "clean.execute_clean_step", params: { step: "x" } }, 400, /Invalid command parameters/],
    ];
    for (const [body, status, message] of cases) {
      const r = await call(agent, "POST", `/v1/commands/?agent_token=${t}`, body);
      expect({ body, status: r.status }).toEqual({ body, status });
      expect(r.json.faultcode).toBe("Client");
      expect(r.json.faultstring).toMatch(message);
    }
    expect((await call(agent, "DELETE", `/v1/commands/?agent_token=${t}`)).status).toBe(405);
    expect((await call(agent, "GET", "/v2/whatever")).status).toBe(404);
  });

  test("one command at a time: a second one gets 409 'Agent is busy'; async end forces a heartbeat", async () => {
    const t = conductor.token;
    const step = { step: "acme_sleep", interface: "deploy", args: { seconds: 2 }, priority: 0 };
    const first = await call(agent, "POST", `/v1/commands/?agent_token=${t}`, {
      name: "clean.execute_clean_step",
      params: { step, node: {}, ports: [] },
    });
    expect(first.status).toBe(200);
    expect(first.json.command_status).toBe("RUNNING");
    const second = await call(agent, "POST", `/v1/commands/?agent_token=${t}`, { name: "standby.sync", params: {} });
    expect(second.status).toBe(409);
    expect(second.json.faultstring).toMatch(/Agent is busy/);
    const before = conductor.heartbeats.length;
    const done = await waitDone(agent, t, first.json.id);
    expect(done.command_status).toBe("SUCCEEDED");
    expect(done.command_result).toEqual({ clean_result: { slept: 2 }, clean_step: step });
    // Forced heartbeat: well before the regular 1.2-2.4 s... at most 5 s after the previous one.
    await conductor.waitForHeartbeats(before + 1, 8000);
  }, 20_000);

  test("a failing command is FAILED with IPA's error shape and the agent keeps serving", async () => {
    const t = conductor.token;
    const step = { step: "acme_sleep", interface: "deploy", args: { seconds: 0, fail: true } };
    const r = await call(agent, "POST", `/v1/commands/?wait=true&agent_token=${t}`, {
      name: "clean.execute_clean_step",
      params: { step, node: {}, ports: [] },
    });
    expect(r.json.command_status).toBe("FAILED");
    expect(r.json.command_error).toEqual({ type: "AcmeFailure", code: 500, message: "acme_sleep was asked to fail", details: "acme_sleep was asked to fail" });
    expect(r.json.command_result).toBeNull();
    const unknownStep = await call(agent, "POST", `/v1/commands/?wait=true&agent_token=${t}`, {
      name: "deploy.execute_deploy_step",
      params: { step: { step: "no_such_step", interface: "deploy", args: {} }, node: {}, ports: [] },
    });
    expect(unknownStep.json.command_status).toBe("FAILED");
    expect(unknownStep.json.command_error.type).toBe("HardwareManagerMethodNotFound");
    expect((await call(agent, "GET", "/v1/status")).status).toBe(200);
  });

  test("a stale hardware_manager_version gives CLEAN_VERSION_MISMATCH", async () => {
    const t = conductor.token;
    const r = await call(agent, "POST", `/v1/commands/?wait=true&agent_token=${t}`, {
      name: "clean.execute_clean_step",
      params: { step: { step: "acme_sleep", interface: "deploy", args: { seconds: 0 } }, node: {}, ports: [], clean_version: { generic_hardware_manager: "0.9" } },
    });
    expect(r.json.command_status).toBe("CLEAN_VERSION_MISMATCH");
    expect(r.json.command_error.type).toBe("VersionMismatch");
  });

  test("the vendor plugin loaded from the directory answers first; broken plugins were skipped", async () => {
    const t = conductor.token;
    const steps = await call(agent, "POST", `/v1/commands/?wait=true&agent_token=${t}`, {
      name: "clean.get_clean_steps",
      params: { node: {}, ports: [] },
    });
    expect(steps.json.command_result.hardware_manager_version).toEqual({
      acme_test_hardware_manager: "2.0",
      generic_hardware_manager: "1.2",
    });
    expect(steps.json.command_result.clean_steps.acme_test_hardware_manager.map((s: any) => s.step)).toEqual(["acme_sleep"]);
    const info = await call(agent, "POST", `/v1/commands/?agent_token=${t}`, { name: "poll.get_hardware_info", params: {} });
    expect(info.json.command_result.system_vendor.manufacturer).toBe("Acme Test Corp");
    const erase = await call(agent, "POST", `/v1/commands/?wait=true&agent_token=${t}`, {
      name: "hardware.secure_erase",
      params: { devices: ["/dev/acme0"] },
    });
    expect(erase.json.command_result).toEqual({ result: { erased: ["/dev/acme0"], by: "acme-secure-erase" }, hardware_manager: "acme_test_hardware_manager" });
    expect(agent.logs()).toContain("hardware-manager plugin failed to load; skipped");
    expect(agent.logs()).toContain("plugin exports no hardware manager");
  });

  test("409 from the conductor is retried; a 404 (node gone) makes the agent look up again", async () => {
    const lookups = conductor.lookups.length;
    const n = conductor.heartbeats.length;
    conductor.failNextHeartbeats.push(409, 404);
    await conductor.waitForHeartbeats(n + 3, 40_000);
    expect(conductor.lookups.length).toBeGreaterThan(lookups);
    expect(conductor.heartbeats.at(-1)!.body.agent_token).toBe(conductor.token);
  }, 45_000);
});

describe("agent with auto-TLS", () => {
  let conductor: StandInConductor;
  let agent: AgentProcess;

  beforeAll(async () => {
    conductor = startStandInConductor({ heartbeatTimeout: 300 });
    agent = await startAgentProcess([`--ipa-api-url=${conductor.url}`, "--teeth-tls-dir=/tmp/teeth-test-tls-" + process.pid], { https: true });
    await agent.waitForStatus();
    await conductor.waitForHeartbeats(1);
  }, 60_000);
  afterAll(async () => {
    await agent?.stop();
    conductor?.stop();
  });

  test("the heartbeat advertises https and the certificate verifies the agent", async () => {
    const hb = conductor.heartbeats[0]!;
    expect(hb.body.callback_url).toBe(`https://127.0.0.1:${agent.port}`);
    const ca = String(hb.body.agent_verify_ca);
    expect(ca).toContain("BEGIN CERTIFICATE");
    // Verified against the pinned PEM, as the conductor does, not with verification off.
    const res = await fetch(`https://127.0.0.1:${agent.port}/v1/status`, { tls: { ca } } as RequestInit);
    expect(res.status).toBe(200);
    const other = await fetch(`https://127.0.0.1:${agent.port}/v1/status`).then(
      () => "accepted",
      () => "rejected",
    );
    expect(other).toBe("rejected");
  });

  test("a conductor below 1.68 gets no agent_verify_ca (auto-TLS needs 1.68)", async () => {
    const old = startStandInConductor({ version: "1.60" });
    const a = await startAgentProcess([`--ipa-api-url=${old.url}`]);
    try {
      await a.waitForStatus();
      await old.waitForHeartbeats(1);
      expect(old.heartbeats[0]!.body.callback_url).toMatch(/^http:/);
      expect(old.heartbeats[0]!.body.agent_verify_ca).toBeUndefined();
      expect(old.heartbeats[0]!.version).toBe("1.60");
    } finally {
      await a.stop();
      old.stop();
    }
  }, 60_000);
});

describe("agent parameters", () => {
  test("--help, --version and bad values", async () => {
    const run = async (args: string[]) => {
      const p = Bun.spawn([resolve(import.meta.dir, "../../dist/teeth"), ...args], { stdout: "pipe", stderr: "pipe" });
      const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
      return { code: await p.exited, out, err };
    };
    expect((await run(["--version"])).out).toBe("teeth 0.1.0\n");
    const help = await run(["agent", "--help"]);
    expect(help.code).toBe(0);
    expect(help.out).toContain("--ipa-api-url");
    expect(help.out).toContain("--teeth-simulate-power");
    const bad = await run(["agent", "--teeth-cmdline-file=/dev/null", "--ipa-listen-port=99999"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("--ipa-listen-port: expected an integer 1..65535, got '99999'");
    const top = await run(["--help"]);
    expect(top.out).toContain("teeth agent");
    expect(top.out).toContain("teeth conductor");
  });
});

describe("agent logs, power and lockdown", () => {
  const token = "lockdown-test-token-0123456789abcdefghijkl";
  let agent: AgentProcess;
  beforeAll(async () => {
    agent = await startAgentProcess(["--teeth-auto-tls=0", `--ipa-agent-token=${token}`]);
    await agent.waitForStatus();
  }, 60_000);
  afterAll(async () => {
    await agent?.stop();
  });

  test("collect_system_logs returns a gzip tarball with the agent log, dmesg and tool output; no token inside", async () => {
    const r = await call(agent, "POST", `/v1/commands/?agent_token=${token}`, { name: "log.collect_system_logs", params: {} });
    expect(r.json.command_status).toBe("SUCCEEDED");
    const tgz = Buffer.from(r.json.command_result.system_logs, "base64");
    expect([tgz[0], tgz[1]]).toEqual([0x1f, 0x8b]);
    const dir = `/tmp/teeth-logs-test-${process.pid}`;
    await Bun.$`mkdir -p ${dir}`;
    await Bun.write(`${dir}/logs.tgz`, tgz);
    const list = (await Bun.$`tar -tzf ${dir}/logs.tgz`.text()).split("\n");
    expect(list).toEqual(expect.arrayContaining(["teeth-agent.log", "dmesg.txt", "lsblk.txt", "ip-addr.txt", "cmdline.txt"]));
    const log = await Bun.$`tar -xzOf ${dir}/logs.tgz teeth-agent.log`.text();
    expect(log).toContain("command API listening");
    expect(log).not.toContain(token);
    await Bun.$`rm -rf ${dir}`;
  });

  test("power_off answers SUCCEEDED, then (simulated) powers off; the agent lives on", async () => {
    const r = await call(agent, "POST", `/v1/commands/?wait=true&agent_token=${token}`, { name: "standby.power_off", params: {} });
    expect(r.json).toMatchObject({ command_name: "power_off", command_status: "SUCCEEDED", command_result: { result: "power_off: powering off" } });
    for (let i = 0; i < 50 && !agent.logs().includes("simulated power off"); i++) await Bun.sleep(100);
    expect(agent.logs()).toContain("simulated power off (teeth-simulate-power=1): not executed");
    expect((await call(agent, "GET", "/v1/status")).status).toBe(200);
  });

  test("lockdown stops the command API and takes NICs down (simulated), the process stays", async () => {
    const r = await call(agent, "POST", `/v1/commands/?agent_token=${token}`, { name: "system.lockdown", params: {} });
    expect(r.status).toBe(200);
    expect(r.json.command_name).toBe("lockdown");
    let refused = false;
    for (let i = 0; i < 50 && !refused; i++) {
      await Bun.sleep(100);
      refused = await fetch(`${agent.base}/v1/status`).then(() => false, () => true);
    }
    expect(refused).toBe(true);
    expect(agent.logs()).toContain("simulated: interface would be taken down");
    expect(agent.proc.exitCode).toBeNull();
  });
});
