/**
 * @module test/conductor/helpers/stand-in-agent
 * A small agent speaking IPA's protocol (lookup, heartbeat, command API) for conductor tests
 * until/besides the real one: steps, async write_image with progress, inventory, failures.
 */
import { randomUUID } from "node:crypto";
import type { CommandResult } from "../../../protocol/agent-commands.ts";

export interface StandInOptions {
  apiUrl: string;
  macs: string[];
  /** Fail write_image with this message. */
  failWriteImage?: string;
  /** Number of polls write_image stays RUNNING. */
  writeImagePolls?: number;
  heartbeatMs?: number;
  tls?: { cert: string; key: string };
  /** More steps to advertise, by kind (e.g. a vendor step with reboot_requested). */
  extraSteps?: { clean?: AgentStepDef[]; deploy?: AgentStepDef[]; service?: AgentStepDef[] };
  /** Steps (by name) that end FAILED with this message. */
  failSteps?: Record<string, string>;
  /** Clean steps (by name) that stay RUNNING for this many polls before they end. */
  slowSteps?: Record<string, number>;
  /**
   * `standby.kexec_boot`: "boot" answers SUCCEEDED and then goes silent (the deployed OS replaced
   * the RAM disk); "stay" answers SUCCEEDED and keeps running (kexec -e did not happen);
   * "vanish" goes silent without answering (the answer lost); { fail } answers FAILED with that
   * type and details (a refusal). Default: "stay".
   */
  kexec?: "boot" | "stay" | "vanish" | { fail: { type: string; details: string } };
  /** Look up again when a heartbeat is refused (400/404), as a torn-down ramdisk would. Default true. */
  relookupOnReject?: boolean;
  /** Number of polls standby.cache_image stays RUNNING (default 2). */
  cacheImagePolls?: number;
  /** Fail standby.cache_image with this message (after its polls). */
  failCacheImage?: string;
  /** Instead: standby.cache_image ends this long after it started, polled or not (an agent writing on its own). */
  cacheImageMs?: number;
}

export interface AgentStepDef {
  step: string;
  priority: number;
  interface: string;
  reboot_requested: boolean;
  abortable: boolean;
}

export interface StandInAgent {
  readonly port: number;
  readonly commands: { name: string; params: Record<string, unknown> }[];
  readonly heartbeats: { status: number }[];
  token: string | null;
  nodeUuid: string | null;
  /** Every token this agent received from a lookup, oldest first. */
  readonly tokens: string[];
  /** How many times the "machine" rebooted (a new agent process: no token, no results, new port). */
  readonly boots: number;
  /** Simulates a reboot: forgets token and command results, listens on a new port, looks up again. */
  reboot(): void;
  /** While true the agent sends no heartbeat and no lookup (it still answers commands). */
  paused: boolean;
  /** The checksum (`algo:value`) of the image cache_image left, as the real agent remembers it; null after a reboot or a write. */
  readonly cached: string | null;
  stop(): void;
}

const INVENTORY = (macs: string[]) => ({
  interfaces: macs.map((m, i) => ({ name: `eth${i}`, mac_address: m, ipv4_address: "127.0.0.1", ipv6_address: null, has_carrier: true, lldp: null, vendor: null, product: null, client_id: null, biosdevname: null, speed_mbps: 1000, pci_address: null, driver: "virtio_net" })),
  cpu: { model_name: "Stand-in CPU", frequency: "2000", count: 4, architecture: "x86_64", flags: ["sse"], socket_count: 1 },
  disks: [{ name: "/dev/vda", model: null, size: 20 * 1024 ** 3, rotational: false, wwn: null, serial: "s1", vendor: null, wwn_with_extension: null, wwn_vendor_extension: null, hctl: null, by_path: null, logical_sectors: 512, physical_sectors: 512, tran: null }],
  memory: { total: 8 * 1024 ** 3, physical_mb: 8192 },
  bmc_address: null,
  bmc_v6address: null,
  system_vendor: { product_name: "Stand-in", serial_number: "1", manufacturer: "Teeth", firmware: { vendor: null, version: null, build_date: null } },
  boot: { current_boot_mode: "uefi", pxe_interface: macs[0] ?? null },
  hostname: "standin",
});

/**
 * @example
 * const agent = await startStandInAgent({ apiUrl: "http://127.0.0.1:6385", macs: ["52:54:00:00:00:01"] });
 */
export async function startStandInAgent(o: StandInOptions): Promise<StandInAgent> {
  let results: CommandResult[] = [];
  let boots = 1;
  const commands: { name: string; params: Record<string, unknown> }[] = [];
  const heartbeats: { status: number }[] = [];
  let running: { r: CommandResult; polls: number; fail?: string; kind: string; step: string; checksum?: string } | null = null;
  let cached: string | null = null;
  const finishCache = (job: NonNullable<typeof running>) => {
    job.r.command_status = "SUCCEEDED";
    job.r.command_result = { device: "/dev/vda", bytes_written: 4096, message: "image cached" };
    cached = job.checksum ?? null;
    if (running === job) running = null;
  };
  const sumOf = (info: any) => (info?.os_hash_algo ? `${info.os_hash_algo}:${info.os_hash_value}` : `checksum:${info?.checksum}`);

  const step = (r: CommandResult, kind: string, stepName: string) => {
    r.command_status = "SUCCEEDED";
    r.command_result = { [`${kind}_result`]: null, [`${kind}_step`]: { step: stepName, interface: "deploy" } };
  };

  const serve = () => Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    tls: o.tls,
    async fetch(req) {
      const url = new URL(req.url);
      if (url.searchParams.get("agent_token") !== state.token) return Response.json({ faultcode: "Client", faultstring: "Token invalid." }, { status: 401 });
      if (req.method === "GET" && url.pathname.startsWith("/v1/commands")) {
        if (running) {
          running.polls--;
          if (running.polls <= 0) {
            if (running.fail) {
              running.r.command_status = "FAILED";
              running.r.command_error = { type: "ImageChecksumError", code: 500, message: "Command execution failed", details: running.fail };
              running.r.command_result = null;
            } else if (running.kind === "cache") finishCache(running);
            else step(running.r, running.kind, running.step);
            running = null;
          } else if (running.step === "write_image") {
            const total = 1000 * (o.writeImagePolls ?? 3);
            running.r.command_result = { bytes_written: total - 1000 * running.polls, total_bytes: total, rate_bytes_per_s: 1000, eta_s: running.polls, stage: "writing" };
          }
        }
        return Response.json({ commands: results });
      }
      if (req.method !== "POST") return new Response("no", { status: 405 });
      if (running) return Response.json({ faultcode: "Client", faultstring: "Agent is busy" }, { status: 409 });
      const body = (await req.json()) as { name: string; params: Record<string, unknown> };
      commands.push(body);
      const [ext, cmd] = body.name.split(".");
      if (body.name === "standby.kexec_boot" && o.kexec === "vanish") {
        state.stop();
        return new Promise<Response>(() => {});
      }
      const r: CommandResult = { id: randomUUID(), command_name: cmd!, command_status: "SUCCEEDED", command_error: null, command_result: null };
      results.push(r);
      const hwm = { generic_hardware_manager: "1.2" };
      const failure = cmd?.startsWith("execute_") ? o.failSteps?.[(body.params.step as { step: string }).step] : undefined;
      if (cmd === "get_clean_steps") {
        r.command_result = { clean_steps: { GenericHardwareManager: [
          { step: "erase_devices", priority: 10, interface: "deploy", reboot_requested: false, abortable: true },
          { step: "erase_devices_metadata", priority: 99, interface: "deploy", reboot_requested: false, abortable: true },
          { step: "update_firmware", priority: 0, interface: "management", reboot_requested: false, abortable: false },
        ], ...(o.extraSteps?.clean ? { VendorHardwareManager: o.extraSteps.clean } : {}) }, hardware_manager_version: hwm };
      } else if (cmd === "get_deploy_steps") {
        r.command_result = { deploy_steps: {
          GenericHardwareManager: [{ step: "write_image", priority: 0, interface: "deploy", reboot_requested: false, abortable: false }],
          ...(o.extraSteps?.deploy ? { VendorHardwareManager: o.extraSteps.deploy } : {}),
        }, hardware_manager_version: hwm };
      } else if (cmd === "get_service_steps") {
        r.command_result = { service_steps: {
          GenericHardwareManager: [{ step: "burnin_cpu", priority: 0, interface: "deploy", reboot_requested: false, abortable: false }],
          ...(o.extraSteps?.service ? { VendorHardwareManager: o.extraSteps.service } : {}),
        }, hardware_manager_version: hwm };
      } else if (cmd === "execute_clean_step" && o.slowSteps?.[(body.params.step as { step: string }).step]) {
        const name = (body.params.step as { step: string }).step;
        r.command_status = "RUNNING";
        running = { r, polls: o.slowSteps[name]!, fail: failure, kind: "clean", step: name };
      } else if (failure !== undefined) {
        r.command_status = "FAILED";
        r.command_error = { type: "CommandExecutionError", code: 500, message: "Command execution failed", details: failure };
      } else if (cmd === "execute_clean_step") {
        if (String((body.params.step as { step: string }).step).startsWith("erase_")) cached = null;
        step(r, "clean", String((body.params.step as { step: string }).step));
      } else if (cmd === "execute_service_step") {
        step(r, "service", String((body.params.step as { step: string }).step));
      } else if (cmd === "execute_deploy_step") {
        const s = body.params.step as { step: string };
        if (s.step === "write_image" && cached !== null && cached === sumOf((s as any).args?.image_info)) {
          // As the real agent: the cached image is reused, only the config drive written.
          cached = null;
          r.command_result = { deploy_result: { message: "image already on device; only the config drive written", bytes_written: 512, image_cached: true }, deploy_step: s };
        } else if (s.step === "write_image") {
          cached = null;
          r.command_status = "RUNNING";
          running = { r, polls: o.writeImagePolls ?? 3, fail: o.failWriteImage, kind: "deploy", step: "write_image" };
        } else step(r, "deploy", s.step);
      } else if (body.name === "poll.get_hardware_info") {
        r.command_result = INVENTORY(o.macs);
      } else if (body.name === "standby.kexec_boot" && typeof o.kexec === "object") {
        r.command_status = "FAILED";
        r.command_error = { type: o.kexec.fail.type, code: 409, message: "Command execution failed", details: o.kexec.fail.details };
      } else if (body.name === "standby.kexec_boot") {
        r.command_result = { result: "kexec_boot: kernel /boot/vmlinuz on /dev/vda3 loaded from grub /boot/grub/grub.cfg on /dev/vda3; booting it" };
        if (o.kexec === "boot") setTimeout(() => state.stop(), 50);
      } else if (body.name === "standby.cache_image") {
        r.command_status = "RUNNING";
        const job = { r, polls: o.cacheImageMs ? Infinity : (o.cacheImagePolls ?? 2), kind: "cache", step: "cache_image", checksum: sumOf(body.params.image_info), fail: o.failCacheImage };
        running = job;
        if (o.cacheImageMs) setTimeout(() => running === job && finishCache(job), o.cacheImageMs);
      } else if (ext === "standby") {
        r.command_result = { result: `${cmd}: done` };
      }
      return Response.json(r);
    },
  });

  let server = serve();
  const proto = o.tls ? "https" : "http";
  const state: StandInAgent = {
    get port() {
      return server.port!;
    },
    commands,
    heartbeats,
    tokens: [],
    token: null,
    nodeUuid: null,
    get boots() {
      return boots;
    },
    paused: false,
    get cached() {
      return cached;
    },
    reboot() {
      server.stop(true);
      results = [];
      running = null;
      cached = null;
      state.token = null;
      boots++;
      server = serve();
    },
    stop() {
      clearInterval(timer);
      server.stop(true);
    },
  };
  const headers = { "X-OpenStack-Ironic-API-Version": "1.68", "Content-Type": "application/json" };
  let busy = false;
  const tick = async () => {
    if (busy || state.paused) return;
    busy = true;
    try {
      if (!state.token) {
        const r = await fetch(`${o.apiUrl}/v1/lookup?addresses=${o.macs.join(",")}`, { headers });
        if (r.status !== 200) return;
        const j = (await r.json()) as { node: { uuid: string }; config: { agent_token: string } };
        if (j.config.agent_token === "******") return;
        state.token = j.config.agent_token;
        state.tokens.push(j.config.agent_token);
        state.nodeUuid = j.node.uuid;
      }
      const r = await fetch(`${o.apiUrl}/v1/heartbeat/${state.nodeUuid}`, {
        method: "POST",
        headers,
        body: JSON.stringify({ callback_url: `${proto}://127.0.0.1:${server.port}`, agent_token: state.token, agent_version: "stand-in", ...(o.tls ? { agent_verify_ca: o.tls.cert } : {}) }),
      });
      heartbeats.push({ status: r.status });
      if ((r.status === 400 || r.status === 404) && o.relookupOnReject !== false) state.token = null; // torn down: look up again, like a rebooted ramdisk
    } catch {
      // conductor restarting
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(tick, o.heartbeatMs ?? 100);
  return state;
}
