/**
 * @module cli/node-commands
 * `teeth node <verb>`: create, list, show, set, delete, the provision verbs (with `--wait`),
 * deploy with a live progress bar, power, inventory, erase, flash-firmware, maintenance.
 */
import { keyValues, one as oneArg, parse, some } from "./args.ts";
import { fields, table } from "./format.ts";
import { emit, type CliIo, type Command } from "./io.ts";
import { keyValuesWithSecrets, valueOrFile } from "./secret-input.ts";
import { waitForState, type WaitOptions } from "./wait.ts";

/** `node show`'s summary of a pre-staged image (also in driver_internal_info), or nothing. */
function prestageLine(node: Record<string, any>): string {
  const dii = node.driver_internal_info ?? {};
  const p = dii.prestaged_image;
  if (p) return `pre-staged image  ${p.source} (${p.checksum}) on ${p.device ?? "the install disk"} since ${p.at}\n`;
  if (dii.prestaging) return `pre-staged image  ${dii.prestaging.source}: being written since ${dii.prestaging.started_at}\n`;
  return "";
}

const enc = encodeURIComponent;
const multi = { type: "string", multiple: true } as const;

const one = (positionals: string[], what = "NODE") => oneArg(positionals, what);

async function finish(io: CliIo, node: string, wait: boolean, o: WaitOptions, doneMsg: string): Promise<number> {
  if (!wait) {
    io.out(`${doneMsg} requested for ${node}\n`);
    return 0;
  }
  const r = await waitForState(io.api, node, { notices: io.err, ...o });
  if (!r.ok) {
    io.err.write(`teeth: ${node}: ${r.reason}\n`);
    return 1;
  }
  emit(io, r.node, () => `${node}: ${r.node.provision_state}\n`);
  return 0;
}

function provisionVerb(target: string, endStates: string[], label: string, failBackTo?: string): Command {
  return async (argv, io) => {
    const { values, positionals } = parse(argv, { wait: { type: "boolean" }, timeout: { type: "string" } });
    const node = one(positionals);
    await io.api.request("PUT", `/v1/nodes/${enc(node)}/states/provision`, { target });
    return finish(io, node, Boolean(values.wait), { target: endStates, timeoutS: Number(values.timeout ?? 3600), failBackTo }, label);
  };
}

/** JSON-patch ops of the set options; `driverInfo`: the --driver-info dict, secrets already read. */
function patchOps(values: Record<string, any>, driverInfo = keyValues(values["driver-info"])): { op: string; path: string; value?: unknown }[] {
  const ops: { op: string; path: string; value?: unknown }[] = [];
  const add = (path: string, value: unknown) => ops.push({ op: "add", path, value });
  if (values.name !== undefined) add("/name", values.name);
  if (values.description !== undefined) add("/description", values.description);
  if (values["resource-class"] !== undefined) add("/resource_class", values["resource-class"]);
  for (const [flag, field] of [["driver-info", "driver_info"], ["property", "properties"], ["instance-info", "instance_info"], ["extra", "extra"]] as const) {
    const dict = flag === "driver-info" ? driverInfo : keyValues(values[flag]);
    for (const [k, v] of Object.entries(dict)) add(`/${field}/${k.replaceAll("~", "~0").replaceAll("/", "~1")}`, v);
  }
  if (values.image) add("/instance_info/image_source", values.image);
  if (values["image-checksum"]) {
    add("/instance_info/image_os_hash_algo", "sha256");
    add("/instance_info/image_os_hash_value", values["image-checksum"]);
  }
  for (const k of values.unset ?? []) ops.push({ op: "remove", path: `/${String(k).replace(/^\//, "")}` });
  return ops;
}

const SET_OPTIONS = {
  name: { type: "string" },
  description: { type: "string" },
  "resource-class": { type: "string" },
  "driver-info": multi,
  property: multi,
  "instance-info": multi,
  extra: multi,
  image: { type: "string" },
  "image-checksum": { type: "string" },
  unset: multi,
} as const;

const SECRET_HELP =
  "      --driver-info KEY=@FILE reads the value from FILE, KEY=- from standard input (a prompt\n" +
  "      without echo on a terminal): use them for ipmi_password and other secrets, which on the\n" +
  "      command line are visible to every user of this host (ps)";

export const NODE_COMMANDS: Record<string, { help: string; run: Command }> = {
  create: {
    help:
      "create [--name N] [--driver fake-hardware] [--driver-info K=V]... [--property K=V]... [--instance-info K=V]... [--uuid U]\n" +
      SECRET_HELP,
    async run(argv, io) {
      const { values } = parse(argv, { ...SET_OPTIONS, driver: { type: "string" }, uuid: { type: "string" } });
      const body: Record<string, unknown> = { driver: values.driver ?? "fake-hardware" };
      if (values.name) body.name = values.name;
      if (values.uuid) body.uuid = values.uuid;
      if (values.description) body.description = values.description;
      if (values["resource-class"]) body.resource_class = values["resource-class"];
      body.driver_info = await keyValuesWithSecrets(values["driver-info"], io.secrets);
      body.properties = keyValues(values.property);
      body.instance_info = keyValues(values["instance-info"]);
      body.extra = keyValues(values.extra);
      const node = await io.api.request("POST", "/v1/nodes", body);
      emit(io, node, () => fields(node));
      return 0;
    },
  },
  list: {
    help: "list [--provision-state S] [--maintenance] [--discovered] [--limit N]",
    async run(argv, io) {
      const { values } = parse(argv, { "provision-state": { type: "string" }, maintenance: { type: "boolean" }, discovered: { type: "boolean" }, limit: { type: "string" } });
      const q = new URLSearchParams({ fields: "uuid,name,power_state,provision_state,target_provision_state,maintenance,last_error,extra" });
      if (values["provision-state"]) q.set("provision_state", values["provision-state"]);
      if (values.maintenance) q.set("maintenance", "true");
      if (values.limit) q.set("limit", values.limit);
      const nodes: any[] = [];
      let path: string | null = `/v1/nodes?${q}`;
      while (path) {
        const page: { nodes: any[]; next?: string } = await io.api.request("GET", path);
        nodes.push(...page.nodes);
        path = page.next && !values.limit ? new URL(page.next).pathname + new URL(page.next).search : null;
      }
      // Ironic's list API cannot filter on `extra`; the flag discovery sets is filtered here.
      const isDiscovered = (n: any) => n.extra?.discovered === true;
      const shown = values.discovered ? nodes.filter(isDiscovered) : nodes;
      emit(io, shown, () =>
        table(
          ["UUID", "NAME", "POWER", "PROVISION STATE", "MAINT", "DISCOVERED", "LAST ERROR"],
          shown.map((n) => [n.uuid, n.name, n.power_state, n.target_provision_state ? `${n.provision_state} -> ${n.target_provision_state}` : n.provision_state, n.maintenance ? "yes" : "", isDiscovered(n) ? "yes" : "", (n.last_error ?? "").slice(0, 60)]),
        ),
      );
      return 0;
    },
  },
  show: {
    help: "show NODE",
    async run(argv, io) {
      const { positionals } = parse(argv, {});
      const node = await io.api.request("GET", `/v1/nodes/${enc(one(positionals))}`);
      emit(io, node, () => fields(node) + prestageLine(node));
      return 0;
    },
  },
  set: {
    help:
      "set NODE [--name N] [--driver-info K=V]... [--property K=V]... [--instance-info K=V]... [--extra K=V]... [--image SRC] [--image-checksum SHA256] [--unset PATH]...\n" +
      SECRET_HELP,
    async run(argv, io) {
      const { values, positionals } = parse(argv, SET_OPTIONS);
      const ops = patchOps(values, await keyValuesWithSecrets(values["driver-info"], io.secrets));
      if (!ops.length) throw new Error("nothing to set");
      const node = await io.api.request("PATCH", `/v1/nodes/${enc(one(positionals))}`, ops);
      emit(io, node, () => fields(node));
      return 0;
    },
  },
  delete: {
    help: "delete NODE...",
    async run(argv, io) {
      const { positionals } = parse(argv, {});
      for (const n of some(positionals, "NODE")) {
        await io.api.request("DELETE", `/v1/nodes/${enc(n)}`);
        if (!io.json) io.out(`deleted ${n}\n`);
      }
      return 0;
    },
  },
  manage: { help: "manage NODE [--wait]", run: provisionVerb("manage", ["manageable"], "manage", "enroll") },
  provide: { help: "provide NODE [--wait]   (automated cleaning, then available)", run: provisionVerb("provide", ["available"], "provide") },
  inspect: { help: "inspect NODE [--wait]", run: provisionVerb("inspect", ["manageable"], "inspect") },
  undeploy: { help: "undeploy NODE [--wait]", run: provisionVerb("deleted", ["available"], "undeploy") },
  abort: { help: "abort NODE", run: provisionVerb("abort", ["clean failed", "inspect failed", "deploy failed"], "abort") },
  clean: {
    help: "clean NODE --clean-steps JSON|@FILE [--wait]",
    async run(argv, io) {
      const { values, positionals } = parse(argv, { "clean-steps": { type: "string" }, wait: { type: "boolean" }, timeout: { type: "string" } });
      const node = one(positionals);
      const raw = String(values["clean-steps"] ?? "");
      if (!raw) throw new Error("--clean-steps is required");
      const steps = JSON.parse(raw.startsWith("@") ? await Bun.file(raw.slice(1)).text() : raw);
      await io.api.request("PUT", `/v1/nodes/${enc(node)}/states/provision`, { target: "clean", clean_steps: steps });
      return finish(io, node, Boolean(values.wait), { target: ["manageable"], timeoutS: Number(values.timeout ?? 7200) }, "clean");
    },
  },
  erase: {
    help: "erase NODE [--metadata-only] [--wait]   (manual clean: erase_devices or erase_devices_metadata)",
    async run(argv, io) {
      const { values, positionals } = parse(argv, { "metadata-only": { type: "boolean" }, wait: { type: "boolean" }, timeout: { type: "string" } });
      const node = one(positionals);
      const step = values["metadata-only"] ? "erase_devices_metadata" : "erase_devices";
      await io.api.request("PUT", `/v1/nodes/${enc(node)}/states/provision`, { target: "clean", clean_steps: [{ interface: "deploy", step }] });
      return finish(io, node, Boolean(values.wait), { target: ["manageable"], timeoutS: Number(values.timeout ?? 86400), progress: io.json ? null : io.err }, step);
    },
  },
  "flash-firmware": {
    help: "flash-firmware NODE --image URL [--checksum SHA256] [--component C] [--version V] [--wait]",
    async run(argv, io) {
      const { values, positionals } = parse(argv, { image: multi, checksum: multi, component: multi, version: multi, wait: { type: "boolean" }, timeout: { type: "string" } });
      const node = one(positionals);
      const urls: string[] = values.image ?? [];
      if (!urls.length) throw new Error("--image URL is required");
      const images = urls.map((url, i) => ({
        url,
        ...(values.checksum?.[i] ? { checksum: values.checksum[i] } : {}),
        ...(values.component?.[i] ? { component: values.component[i] } : {}),
        ...(values.version?.[i] ? { version: values.version[i] } : {}),
      }));
      await io.api.request("PUT", `/v1/nodes/${enc(node)}/states/provision`, {
        target: "clean",
        clean_steps: [{ interface: "deploy", step: "update_firmware", args: { firmware_images: images } }],
      });
      return finish(io, node, Boolean(values.wait), { target: ["manageable"], timeoutS: Number(values.timeout ?? 7200) }, "flash-firmware");
    },
  },
  deploy: {
    help:
      "deploy NODE [--image SRC] [--image-checksum SHA256] [--configdrive DATA|@FILE] [--wait] [--no-wait] [--timeout S]\n" +
      "      waits with a live progress bar (through a conductor restart); --wait: quiet wait for scripts;\n" +
      "      exits 1 with the reason on failure. --configdrive @FILE reads it from a file: tenant data\n" +
      "      on the command line is visible to every user of this host",
    async run(argv, io) {
      const { values, positionals } = parse(argv, {
        image: { type: "string" },
        "image-checksum": { type: "string" },
        configdrive: { type: "string" },
        wait: { type: "boolean" },
        "no-wait": { type: "boolean" },
        timeout: { type: "string" },
      });
      const node = one(positionals);
      const ops = patchOps({ image: values.image, "image-checksum": values["image-checksum"] });
      if (ops.length) await io.api.request("PATCH", `/v1/nodes/${enc(node)}`, ops);
      const body: Record<string, unknown> = { target: "active" };
      const configdrive = await valueOrFile(values.configdrive, io.secrets);
      if (configdrive) body.configdrive = configdrive;
      await io.api.request("PUT", `/v1/nodes/${enc(node)}/states/provision`, body);
      if (values["no-wait"]) {
        io.out(`deploy requested for ${node}\n`);
        return 0;
      }
      const quiet = Boolean(values.wait) || io.json;
      return finish(io, node, true, { target: ["active"], timeoutS: Number(values.timeout ?? 7200), progress: quiet ? null : io.err }, "deploy");
    },
  },
  inventory: {
    help: "inventory NODE   (the hardware found by inspection)",
    async run(argv, io) {
      const { positionals } = parse(argv, {});
      const inv = await io.api.request("GET", `/v1/nodes/${enc(one(positionals))}/inventory`);
      emit(io, inv, () => {
        const i = inv.inventory ?? {};
        const lines = [
          `system:  ${i.system_vendor?.manufacturer ?? "?"} ${i.system_vendor?.product_name ?? ""} (serial ${i.system_vendor?.serial_number ?? "?"})`,
          `cpu:     ${i.cpu?.count ?? "?"} x ${i.cpu?.model_name ?? "?"} (${i.cpu?.architecture ?? "?"})`,
          `memory:  ${i.memory?.physical_mb ?? "?"} MiB`,
          `boot:    ${i.boot?.current_boot_mode ?? "?"}, PXE ${i.boot?.pxe_interface ?? "?"}`,
          "",
        ].join("\n");
        const disks = table(["DISK", "SIZE (GiB)", "MODEL", "SERIAL", "ROTATIONAL"], (i.disks ?? []).map((d: any) => [d.name, (d.size / 1024 ** 3).toFixed(1), d.model, d.serial, d.rotational]));
        const nics = table(["NIC", "MAC", "IPV4", "CARRIER"], (i.interfaces ?? []).map((n: any) => [n.name, n.mac_address, n.ipv4_address, n.has_carrier]));
        return `${lines}\n${disks}\n${nics}`;
      });
      return 0;
    },
  },
  maintenance: {
    help: "maintenance NODE on|off [--reason TEXT]",
    async run(argv, io) {
      const { values, positionals } = parse(argv, { reason: { type: "string" } });
      const [node, what] = positionals as [string, string];
      if (!node || (what !== "on" && what !== "off")) throw new Error("usage: teeth node maintenance NODE on|off");
      if (what === "on") await io.api.request("PUT", `/v1/nodes/${enc(node)}/maintenance`, values.reason ? { reason: values.reason } : {});
      else await io.api.request("DELETE", `/v1/nodes/${enc(node)}/maintenance`);
      if (!io.json) io.out(`maintenance ${what} for ${node}\n`);
      return 0;
    },
  },
};
