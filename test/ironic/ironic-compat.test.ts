/**
 * The compiled Teeth agent (`dist/teeth agent`) against a REAL OpenStack Ironic 21.4 (Debian
 * bookworm, API 1.82) in standalone mode: fake-hardware, `direct` deploy, fake power/boot/
 * management, auto-TLS on (Ironic pins the agent's self-signed certificate). The node's root
 * device is a 6 GiB sparse loop device; the image is served over HTTP by this test.
 *
 * Scenarios, one node, one fresh agent process per deployment (as a ramdisk boot would be):
 *  1. raw whole-disk image with `prepare_instance_boot` disabled (user deploy steps): lookup,
 *     heartbeat, get_deploy_steps, write_image, power_off -> `active`, disk holds the image;
 *  2. the default (UEFI) flow: also get_partition_uuids and image.install_bootloader;
 *  3. a wrong sha256 -> `deploy failed`, last_error names the checksum, the agent lives on.
 *
 * Incompatibilities this test found (see KNOWN below; all fixed in the agent) are recognised
 * by their signature in Ironic's last_error. By default they fail the test like any other
 * difference; `TEETH_IRONIC_STRICT=0` only logs them, to bisect an old agent build.
 *
 * Why the node has `vendor: lenovo`: Ironic 21.4's fake management interface only accepts the
 * boot device `pxe`, so `prepare_instance_boot` fails on "Invalid boot device disk" whatever the
 * agent does; for Lenovo in UEFI mode Ironic skips that call (ironic bug 2053064 backport).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLoopDevice, sh, type LoopDevice } from "../support/loop-device.ts";
import type { AgentProcess } from "../support/agent-process.ts";
import { AGENT_BIN, hostMacs, ironicMissing, startAgent, startIronic, type IronicServer } from "./ironic-server.ts";

const SKIP = ironicMissing() ?? (existsSync(AGENT_BIN) ? null : `${AGENT_BIN} not built (make build)`);
if (SKIP) console.warn(`test/ironic skipped: ${SKIP}`);
// Strict by default: the incompatibilities below were fixed in the agent; a regression fails.
const STRICT = process.env.TEETH_IRONIC_STRICT !== "0";

/** Agent-side incompatibilities found with this test, by the last_error Ironic records. */
const KNOWN = [
  {
    id: "get-commands-token",
    pattern: /Failed to process the next deploy step: 'commands'/,
    what:
      "Ironic 21.4 polls GET /v1/commands/ WITHOUT ?agent_token; the agent answers 401, Ironic reads " +
      "['commands'] of the fault body (KeyError). IPA requires the token on GETs only once a GET carried one.",
  },
  {
    id: "no-image-extension",
    pattern: /Extension with id image not found/,
    what: "image.install_bootloader (sent for whole-disk images in UEFI mode) is not implemented: 404.",
  },
] as const;

const observed = new Set<string>();

/** The known incompatibility that explains this last_error, or null (then assert normally). */
function known(lastError: string | null | undefined) {
  const hit = KNOWN.find((k) => k.pattern.test(lastError ?? ""));
  if (!hit || STRICT) return null;
  observed.add(hit.id);
  console.warn(`KNOWN INCOMPATIBILITY [${hit.id}] still present: ${hit.what}\n  last_error: ${lastError}`);
  return hit;
}

const IMAGE_MIB = 4;
const MARKER = "TEETH-IRONIC-COMPAT-IMAGE";

/** A few MiB of random bytes with a recognisable marker at every MiB. */
function makeImage(): Uint8Array {
  const img = new Uint8Array(randomBytes(IMAGE_MIB * 1024 * 1024));
  const marker = new TextEncoder().encode(MARKER);
  for (let off = 0; off < img.length; off += 1024 * 1024) img.set(marker, off);
  return img;
}

interface DeployOutcome {
  node: any;
  states: string[];
  /** driver_internal_info values seen while the deployment ran. */
  seen: { agent_url?: string; agent_verify_ca?: string; agent_version?: string };
  agent: AgentProcess;
  tlsDir: string;
  /** Ironic's log lines written during this deployment. */
  log: string;
  ms: number;
}

describe.skipIf(SKIP !== null)("real Ironic 21.4 (standalone, fake-hardware, direct deploy) drives the Teeth agent", () => {
  let ironic: IronicServer;
  let disk: LoopDevice;
  let imageServer: ReturnType<typeof Bun.serve>;
  let image: Uint8Array;
  let imageSha256: string;
  let imageUrl: string;
  let nodeUuid: string;
  const downloads: string[] = [];
  const agents: AgentProcess[] = [];
  const tmpDirs: string[] = [];
  let first: DeployOutcome | undefined;

  beforeAll(async () => {
    const t0 = performance.now();
    ironic = await startIronic();
    console.log(`Ironic up on ${ironic.url} in ${(performance.now() - t0).toFixed(0)} ms`);

    image = makeImage();
    imageSha256 = createHash("sha256").update(image).digest("hex");
    imageServer = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch(req) {
        const path = new URL(req.url).pathname;
        downloads.push(`${req.method} ${path}`);
        if (path === "/images/compat.raw") return new Response(image, { headers: { "Content-Type": "application/octet-stream" } });
        return new Response("not found", { status: 404 });
      },
    });
    imageUrl = `http://127.0.0.1:${imageServer.port}/images/compat.raw`;

    disk = createLoopDevice(6 * 1024 * 1024 * 1024);

    const node = await ironic.baremetal(
      [
        "node", "create", "--driver", "fake-hardware", "--deploy-interface", "direct", "--name", "teeth-compat",
        "--property", `root_device={"name": "${disk.path}"}`,
        // See the module comment: makes Ironic 21.4 skip the set-boot-device call the fake
        // management interface refuses.
        "--property", "vendor=lenovo",
      ],
      { json: true },
    );
    nodeUuid = node.uuid;
    const macs = hostMacs();
    expect(macs.length).toBeGreaterThan(0);
    await ironic.baremetal(["port", "create", "--node", nodeUuid, macs[0]!]);
    // The other ports through the REST API: each CLI call costs a Python start-up.
    for (const mac of macs.slice(1)) await ironic.post("/v1/ports", { node_uuid: nodeUuid, address: mac });
    await ironic.baremetal(["node", "manage", nodeUuid]);
    await waitForState("manageable");
    await ironic.baremetal(["node", "provide", nodeUuid]);
    await waitForState("available");
    expect((await ironic.api(`/v1/ports?node=${nodeUuid}`)).ports.length).toBe(macs.length);
    console.log(`node ${nodeUuid} available (ports ${macs.join(", ")}; root ${disk.path}) after ${(performance.now() - t0).toFixed(0)} ms`);
  }, 180_000);

  afterAll(async () => {
    for (const a of agents) await a.stop().catch(() => {});
    imageServer?.stop(true);
    await ironic?.stop();
    disk?.detach();
    for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
    if (observed.size) console.warn(`known Ironic incompatibilities still present: ${[...observed].join(", ")}`);
  }, 60_000);

  async function nodeNow(): Promise<any> {
    return ironic.api(`/v1/nodes/${nodeUuid}`);
  }

  /** Polls the REST API (the CLI's --wait polls every 2 s) until the node is in `state`. */
  async function waitForState(state: string, timeoutMs = 60_000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const node = await nodeNow();
      // A stable state has no target; "wait call-back" keeps target "active".
      if (node.provision_state === state && (state === "wait call-back" || !node.target_provision_state)) return node;
      if (Date.now() > deadline) {
        throw new Error(`node ${node.provision_state} (target ${node.target_provision_state}), not ${state}: ${node.last_error}`);
      }
      await Bun.sleep(100);
    }
  }

  /** Brings the node back to `available` (undeploy from active / deploy failed). */
  async function resetNode(): Promise<void> {
    const state = (await nodeNow()).provision_state;
    if (state !== "available") {
      await ironic.baremetal(["node", "undeploy", nodeUuid]);
      await waitForState("available", 120_000);
    }
  }

  /** `baremetal node deploy`, boots a fresh agent, waits for `active` or `deploy failed`. */
  async function deploy(hash: string, extra: string[] = []): Promise<DeployOutcome> {
    await resetNode();
    sh(["dd", "if=/dev/zero", `of=${disk.path}`, "bs=1M", `count=${IMAGE_MIB}`, "oflag=direct", "status=none"]);
    const mark = ironic.log().length;
    await ironic.baremetal([
      "node", "set", nodeUuid,
      "--instance-info", `image_source=${imageUrl}`,
      "--instance-info", "image_os_hash_algo=sha256",
      "--instance-info", `image_os_hash_value=${hash}`,
      "--instance-info", "image_disk_format=raw",
    ]);
    await ironic.baremetal(["node", "deploy", nodeUuid, ...extra]);
    // fake boot + fake power: the "ramdisk" is up at once, Ironic waits for its call-back.
    await waitForState("wait call-back");

    const tlsDir = mkdtempSync(join(tmpdir(), "teeth-ironic-agent-tls-"));
    tmpDirs.push(tlsDir);
    const t0 = performance.now();
    const agent = await startAgent([`--ipa-api-url=${ironic.url}`, `--teeth-tls-dir=${tlsDir}`], { https: true });
    agents.push(agent);
    const states: string[] = [];
    const seen: DeployOutcome["seen"] = {};
    let node: any;
    for (const deadline = Date.now() + 120_000; ; ) {
      node = await nodeNow();
      if (states.at(-1) !== node.provision_state) states.push(node.provision_state);
      const dii = node.driver_internal_info ?? {};
      for (const k of ["agent_url", "agent_verify_ca", "agent_version"] as const) if (dii[k]) seen[k] = dii[k];
      if (node.provision_state === "active" || node.provision_state === "deploy failed") break;
      if (Date.now() > deadline) {
        throw new Error(`node stuck in ${node.provision_state}:\n${agent.logs().slice(-3000)}\n${ironic.log().slice(mark).slice(-5000)}`);
      }
      await Bun.sleep(200);
    }
    const ms = performance.now() - t0;
    console.log(`deploy ${extra.length ? "(user deploy steps) " : ""}-> ${states.join(" -> ")} in ${ms.toFixed(0)} ms after agent start`);
    return { node, states, seen, agent, tlsDir, log: ironic.log().slice(mark), ms };
  }

  function diskHoldsImage(): boolean {
    sh(["blockdev", "--flushbufs", disk.path]);
    const r = Bun.spawnSync(["cmp", "-n", String(image.length), "-", disk.path], { stdin: image, stdout: "pipe", stderr: "pipe" });
    return r.exitCode === 0;
  }

  test("raw image, prepare_instance_boot disabled: write_image over auto-TLS, then active", async () => {
    first = await deploy(imageSha256, [
      "--deploy-steps",
      JSON.stringify([{ interface: "deploy", step: "prepare_instance_boot", args: {}, priority: 0 }]),
    ]);
    const { node, seen, agent, log } = first;
    if (known(node.last_error)) {
      expect(node.provision_state).toBe("deploy failed");
      expect(log).toContain("Executing agent command deploy.get_deploy_steps");
      return;
    }
    expect(node.last_error).toBeNull();
    expect(node.provision_state).toBe("active");
    expect(diskHoldsImage()).toBe(true);
    expect(downloads).toContain("GET /images/compat.raw");
    // Ironic called the agent over https, verifying the certificate the agent sent.
    expect(seen.agent_url).toBe(agent.base);
    expect(seen.agent_url).toStartWith("https://127.0.0.1:");
    expect(seen.agent_verify_ca).toBe(join(ironic.certificatesDir, `${nodeUuid}.crt`));
    expect(log).toContain("Executing agent command deploy.execute_deploy_step");
    expect(log).toContain("Executing agent command standby.power_off");
    expect(log).not.toMatch(/ERROR ironic/);
  }, 180_000);

  test("Ironic accepted the agent: lookup by MAC, token, heartbeat 202, agent_version, pinned certificate, deploy steps", async () => {
    expect(first).toBeDefined();
    const { log, agent, tlsDir, node } = first!;
    const uuid = nodeUuid;
    expect(log).toMatch(/"GET \/v1\/lookup\?addresses=[^"]+ HTTP\/1\.1" status: 200/);
    expect(log).toMatch(new RegExp(`"POST /v1/heartbeat/${uuid} HTTP/1\\.1" status: 202`));
    // The agent's auto-TLS certificate is the one Ironic pinned for the node.
    const pinned = readFileSync(join(ironic.certificatesDir, `${uuid}.crt`), "utf8");
    const served = readdirSync(tlsDir).filter((f) => f.endsWith(".crt"));
    expect(served.length).toBe(1);
    expect(readFileSync(join(tlsDir, served[0]!), "utf8")).toBe(pinned);
    expect(agent.logs()).toContain(`"callback_url":"${agent.base}"`);
    // Ironic got the agent's deploy steps (over that https connection) and cached the version.
    const steps = /Agent command deploy\.get_deploy_steps for node \S+ returned result (.*?), error None/.exec(log);
    expect(steps?.[1]).toContain("'step': 'write_image'");
    expect(steps?.[1]).toContain("'hardware_manager_version': {'generic_hardware_manager':");
    // Nothing may erase on this host: every erase step the agent offers is off (priority 0).
    expect(steps?.[1]).toMatch(/'step': 'erase_devices_metadata', 'priority': 0,/);
    expect(steps?.[1]).not.toMatch(/'step': 'erase_[a-z_]+', 'priority': [1-9]/);
    const status = await (await fetch(`${agent.base}/v1/status`, { tls: { rejectUnauthorized: false } } as RequestInit)).json();
    expect(node.driver_internal_info.agent_version).toBe((status as { version: string }).version);
    expect(node.driver_internal_info.agent_last_heartbeat).toBeString();
    await agent.stop();
  }, 60_000);

  test("default UEFI whole-disk flow: write_image, get_partition_uuids, install_bootloader, power_off, active", async () => {
    const { node, agent, log } = await deploy(imageSha256);
    if (known(node.last_error)) {
      expect(node.provision_state).toBe("deploy failed");
      await agent.stop();
      return;
    }
    expect(node.last_error).toBeNull();
    expect(node.provision_state).toBe("active");
    expect(diskHoldsImage()).toBe(true);
    expect(log).toContain("Executing agent command standby.get_partition_uuids");
    expect(log).toContain("Executing agent command image.install_bootloader");
    expect(log).toMatch(/Command image\.install_bootloader has finished for node \S+ with result \{[^\n]*'command_status': 'SUCCEEDED'/);
    // Whole-disk image: the "root uuid" is the MBR disk identifier at offset 440.
    const id = new DataView(image.buffer, image.byteOffset + 440, 4).getUint32(0, true);
    expect(node.driver_internal_info.root_uuid_or_disk_id).toBe(`0x${id.toString(16).padStart(8, "0")}`);
    await agent.stop();
  }, 180_000);

  test("wrong sha256: deploy failed, last_error names the checksum, the agent still answers, logs collected", async () => {
    const logsBefore = readdirSync(ironic.deployLogsDir).length;
    const bad = "0".repeat(64);
    const { node, agent, log } = await deploy(bad);
    expect(node.provision_state).toBe("deploy failed");
    const status = await fetch(`${agent.base}/v1/status`, { tls: { rejectUnauthorized: false } } as RequestInit);
    expect(status.status).toBe(200);
    if (known(node.last_error)) {
      await agent.stop();
      return;
    }
    expect(log).toContain("Executing agent command deploy.execute_deploy_step");
    expect(node.last_error).toContain("write_image");
    expect(node.last_error).toContain(bad);
    expect(node.last_error).toContain(imageSha256);
    if (!/checksum/i.test(node.last_error) && !STRICT) {
      // The agent's command_error.details is a dict, IPA's is a string: Ironic prints the dict.
      observed.add("error-details-not-string");
      console.warn(`KNOWN INCOMPATIBILITY [error-details-not-string] still present: last_error: ${node.last_error}`);
    } else {
      expect(node.last_error).toMatch(/checksum/i);
    }
    expect(diskHoldsImage()).toBe(false);
    // deploy_logs_collect = on_failure: Ironic fetched log.collect_system_logs and stored a tarball.
    const tarballs = readdirSync(ironic.deployLogsDir);
    expect(tarballs.length).toBeGreaterThan(logsBefore);
    const listing = sh(["tar", "tzf", join(ironic.deployLogsDir, tarballs.sort().at(-1)!)]);
    expect(listing.length).toBeGreaterThan(0);
    await agent.stop();
  }, 180_000);
});
