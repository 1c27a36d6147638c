/**
 * @module cli/power-commands
 * `teeth node power on|off|reboot`, `teeth node boot-device set|show`, `teeth node validate`:
 * the BMC side of a node, through Ironic's power, management and validate endpoints.
 */
import { parse } from "./args.ts";
import { table } from "./format.ts";
import { emit, type CliIo, type Command } from "./io.ts";
import { waitForPower } from "./wait.ts";

const enc = encodeURIComponent;
const ACTIONS: Record<string, { hard: string; soft?: string; expected: string }> = {
  on: { hard: "power on", expected: "power on" },
  off: { hard: "power off", soft: "soft power off", expected: "power off" },
  reboot: { hard: "rebooting", soft: "soft rebooting", expected: "power on" },
};

/**
 * Seconds the CLI waits beyond the action's timeout (default 60 s hard, 600 s soft): the
 * conductor gives a driver 60 s of grace past it before recording a BMC_TIMEOUT.
 */
const WAIT_MARGIN_S = 90;

function positiveInt(raw: unknown, what: string): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${what} must be a positive integer, got '${raw}'`);
  return n;
}

const power: Command = async (argv, io) => {
  const { values, positionals } = parse(argv, { soft: { type: "boolean" }, timeout: { type: "string" }, "no-wait": { type: "boolean" } });
  if (positionals.length !== 2) throw new Error("usage: teeth node power on|off|reboot [--soft] [--timeout S] NODE");
  // `power on NODE` (documented) or `power NODE on` (the older order).
  const [a, b] = positionals as [string, string];
  const [what, node] = ACTIONS[a] ? [a, b] : [b, a];
  const action = ACTIONS[what];
  if (!action) throw new Error(`unknown power action '${what}' (on, off, reboot)`);
  if (values.soft && !action.soft) throw new Error("--soft is only for off and reboot");
  const timeout = positiveInt(values.timeout, "--timeout");
  const target = values.soft ? action.soft! : action.hard;
  await io.api.request("PUT", `/v1/nodes/${enc(node)}/states/power`, { target, ...(timeout ? { timeout } : {}) });
  if (values["no-wait"]) {
    if (!io.json) io.out(`${target} requested for ${node}\n`);
    return 0;
  }
  const waitS = (timeout ?? (values.soft ? 600 : 60)) + WAIT_MARGIN_S;
  const r = await waitForPower(io.api, node, action.expected, { timeoutS: waitS, notices: io.err });
  if (!r.ok) {
    io.err.write(`teeth: ${node}: ${r.reason}\n`);
    return 1;
  }
  emit(io, { uuid: r.node.uuid, name: r.node.name, power_state: r.node.power_state }, () => `${node}: ${r.node.power_state}\n`);
  return 0;
};

const bootDevice: Command = async (argv, io: CliIo) => {
  const { values, positionals } = parse(argv, { persistent: { type: "boolean" }, supported: { type: "boolean" } });
  const [sub, node, device, ...extra] = positionals;
  if (sub === "set" && node && device && !extra.length) {
    await io.api.request("PUT", `/v1/nodes/${enc(node)}/management/boot_device`, { boot_device: device, persistent: Boolean(values.persistent) });
    emit(io, { boot_device: device, persistent: Boolean(values.persistent) }, () => `${node}: next boot from ${device}${values.persistent ? " (persistent)" : " (next boot only)"}\n`);
    return 0;
  }
  if (sub === "show" && node && !device) {
    if (values.supported) {
      const r = await io.api.request("GET", `/v1/nodes/${enc(node)}/management/boot_device/supported`);
      emit(io, r, () => `${r.supported_boot_devices.join("\n")}\n`);
      return 0;
    }
    const r = await io.api.request("GET", `/v1/nodes/${enc(node)}/management/boot_device`);
    emit(io, r, () => `boot_device  ${r.boot_device ?? "unknown"}\npersistent   ${r.persistent ?? "unknown"}\n`);
    return 0;
  }
  throw new Error("usage: teeth node boot-device set NODE DEVICE [--persistent] | boot-device show NODE [--supported]");
};

const validate: Command = async (argv, io) => {
  const { positionals } = parse(argv, {});
  if (positionals.length !== 1) throw new Error("expected exactly one NODE");
  const r: Record<string, { result: boolean | null; reason?: string | null }> = await io.api.request("GET", `/v1/nodes/${enc(positionals[0]!)}/validate`);
  const rows = Object.entries(r).sort(([x], [y]) => x.localeCompare(y));
  emit(io, r, () => table(["INTERFACE", "RESULT", "REASON"], rows.map(([i, v]) => [i, v.result, v.reason ?? ""])));
  return 0;
};

export const POWER_COMMANDS: Record<string, { help: string; run: Command }> = {
  power: {
    help:
      "power on|off|reboot [--soft] [--timeout S] [--no-wait] NODE\n" +
      "      through the node's BMC; waits until the node is in the new state and prints it;\n" +
      "      exits 1 with the node's last_error when the BMC fails. --soft: ACPI shutdown/reboot\n" +
      "      (off, reboot); --timeout S: the action's bound on the conductor (default 60 s, soft 600 s)",
    run: power,
  },
  "boot-device": {
    help:
      "boot-device set NODE pxe|disk|cdrom|bios|safe [--persistent] | boot-device show NODE [--supported]\n" +
      "      the next boot device through the BMC (--persistent: every boot, not only the next);\n" +
      "      show --supported: the devices this node's BMC accepts",
    run: bootDevice,
  },
  validate: {
    help: "validate NODE   (whether each interface, power/management/boot/deploy..., can work now, and why not)",
    run: validate,
  },
};
