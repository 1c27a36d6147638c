/**
 * @module test/lab/lab-api
 * The lab conductor's API from outside the namespace: curl run with `ip netns exec`, the
 * operator token in a header file (never on argv), Ironic's microversion. Plus `waitFor` and
 * the node enrollment every lab test starts with.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { LabState } from "./lab.ts";
import type { ServerState } from "./servers.ts";
import { readFileSync } from "node:fs";

export interface ApiAnswer {
  status: number;
  json: any;
  text: string;
}

export type Api = (method: string, path: string, body?: unknown) => Promise<ApiAnswer>;

/**
 * The conductor's API from inside network namespace `netns`, with curl; its headers (the token
 * among them) come from `headersFile`, never argv.
 * @example
 * const api = netnsApi("lab-rack", "http://10.77.0.1:6385", "/tmp/x/api-headers");
 */
export function netnsApi(netns: string, baseUrl: string, headersFile: string): Api {
  return async (method, path, body) => {
    const args = ["ip", "netns", "exec", netns, "curl", "-sS", "-m", "30", "-X", method, "-H", `@${headersFile}`, "-w", "\n%{http_code}"];
    if (body !== undefined) args.push("--data-binary", JSON.stringify(body));
    const p = Bun.spawn([...args, baseUrl + path], { stdout: "pipe", stderr: "pipe" });
    const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
    const i = out.lastIndexOf("\n");
    const text = out.slice(0, i);
    let json: any = null;
    try {
      json = JSON.parse(text);
    } catch {}
    return { status: Number(out.slice(i + 1)) || 0, json, text: text || err };
  };
}

/**
 * @example
 * const api = labApi(lab);
 * (await api("GET", "/v1/nodes")).json.nodes;
 */
export function labApi(lab: LabState): Api {
  const headers = join(lab.dir, "api-headers");
  writeFileSync(headers, `X-Auth-Token: ${readFileSync(lab.conductor.tokenFile, "utf8")}\nX-OpenStack-Ironic-API-Version: 1.82\nContent-Type: application/json\n`, { mode: 0o600 });
  return netnsApi(lab.netns, lab.conductor.url, headers);
}

/** Polls `fn` every second until it returns something truthy; throws naming `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await Bun.sleep(1000);
  }
}

/** Enrolls a lab server as an ipmi node with its port; returns the node's uuid. */
export async function enroll(api: Api, s: ServerState): Promise<string> {
  const node = await api("POST", "/v1/nodes", {
    name: s.name,
    driver: "ipmi",
    driver_info: { ipmi_address: s.bmc.address, ipmi_port: s.bmc.port, ipmi_username: s.bmc.user, ipmi_password: readFileSync(s.bmc.passwordFile, "utf8") },
    properties: { root_device: { name: "/dev/vda" }, capabilities: `boot_mode:${s.firmware}` },
  });
  if (node.status !== 201) throw new Error(`enrolling ${s.name}: ${node.status} ${node.text}`);
  const port = await api("POST", "/v1/ports", { address: s.mac, node_uuid: node.json.uuid });
  if (port.status !== 201) throw new Error(`port of ${s.name}: ${port.status} ${port.text}`);
  return node.json.uuid as string;
}

/** Requests a provision target and waits for one of `done` (throws on a `failed` state, with last_error). */
export async function provision(api: Api, uuid: string, target: string, done: string[], timeoutMs: number, body: Record<string, unknown> = {}): Promise<any> {
  const r = await api("PUT", `/v1/nodes/${uuid}/states/provision`, { target, ...body });
  if (r.status !== 202) throw new Error(`${target} on ${uuid}: ${r.status} ${r.text}`);
  return waitFor(
    `${uuid} to reach ${done.join(" or ")}`,
    async () => {
      const n = (await api("GET", `/v1/nodes/${uuid}`)).json;
      if (!done.some((d) => d.endsWith("failed")) && typeof n?.provision_state === "string" && n.provision_state.endsWith("failed")) {
        throw new Error(`${n.name}: ${n.provision_state}: ${n.last_error}`);
      }
      return n && done.includes(n.provision_state) && !n.target_provision_state ? n : null;
    },
    timeoutMs,
  );
}
