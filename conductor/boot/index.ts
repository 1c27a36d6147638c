/**
 * @module conductor/boot
 * Network boot: the conductor's dnsmasq (proxy or full DHCP, TFTP of iPXE), the iPXE scripts
 * and RAM disk over HTTP (`boot-routes.ts`), and the PXE boot interface drivers use
 * (`pxe-boot.ts`). `createNetboot` wires them; the conductor starts and stops it.
 *
 * dnsmasq learns known MACs from `dhcp-hostsdir` (one file per PXE-enabled port): new and
 * changed files are read by dnsmasq itself, a removal is followed by SIGHUP. The directory
 * is brought up to date on every boot-interface call and every `reconcile_interval_ms`, so
 * ports added or deleted through the API are picked up without the port API knowing.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import type { Logger } from "../../common/logger.ts";
import type { ConductorConfig } from "../config/schema.ts";
import type { BootInterface } from "../drivers/driver-contract.ts";
import { conductorError } from "../errors.ts";
import type { Store } from "../store/index.ts";
import { bootHttpBase } from "./boot-routes.ts";
import { dnsmasqPaths, renderDnsmasqConfig } from "./dnsmasq-config.ts";
import { createDnsmasqSupervisor, type DnsmasqSupervisor } from "./dnsmasq-supervisor.ts";
import { createHostsDir } from "./hosts-dir.ts";
import { createPxeBoot } from "./pxe-boot.ts";
import { stopStaleDnsmasq } from "./stale-dnsmasq.ts";
import { unknownMacBoots, unknownMacWarning } from "./unknown-mac.ts";
import { prepareTftpRoot } from "./tftp-root.ts";

export { createBootRoutes } from "./boot-routes.ts";

export interface Netboot {
  /** The PXE boot interface for drivers. */
  readonly boot: BootInterface;
  /** Whether this conductor runs dnsmasq (some enabled driver boots over PXE, mode is not none, an interface is set). */
  readonly managesDnsmasq: boolean;
  /** The running dnsmasq, when managed. */
  readonly dnsmasq: DnsmasqSupervisor | null;
  /** Writes dnsmasq's config and TFTP root, then starts it. Throws CONFIG_INVALID for a config it cannot run. */
  start(): void;
  stop(): Promise<void>;
  /** Makes dnsmasq's known MACs match the store's PXE-enabled ports. */
  syncHosts(): void;
}

/** True when an enabled driver boots nodes through the PXE interface. */
export function usesPxe(config: ConductorConfig): boolean {
  const on = (d: string) => config.enabled_drivers.includes(d);
  return on("ipmi") || on("redfish") || (on("fake-hardware") && config.fake_hardware.boot === "pxe");
}

export interface NetbootDeps {
  store: Store;
  log: Logger;
  /** How often the hosts directory is reconciled with the store. */
  reconcileIntervalMs?: number;
}

/**
 * @example
 * const netboot = createNetboot(config, { store, log });
 * netboot.start();               // dnsmasq up (when PXE is in use)
 * drivers: { boot: netboot.boot }
 * await netboot.stop();
 */
export function createNetboot(config: ConductorConfig, deps: NetbootDeps): Netboot {
  const log = deps.log.child({ component: "netboot" });
  // DHCP is answered only where the operator named an interface: a conductor started with
  // defaults (or a test's) never binds DHCP/TFTP on the host.
  const managesDnsmasq = usesPxe(config) && config.boot.mode !== "none" && config.boot.interface !== null;
  const paths = dnsmasqPaths(config.data_dir);
  const hosts = managesDnsmasq ? createHostsDir(paths.hostsDir) : null;
  const dnsmasq = managesDnsmasq
    ? createDnsmasqSupervisor({ command: [config.boot.dnsmasq_path, "--keep-in-foreground", `--conf-file=${paths.conf}`], logger: deps.log.child({ component: "dnsmasq" }), pidFile: paths.pid })
    : null;
  let timer: ReturnType<typeof setInterval> | null = null;

  function syncHosts(): void {
    if (!hosts) return;
    const macs = deps.store.ports.list().filter((p) => p.pxe_enabled).map((p) => p.address);
    const changed = hosts.sync(macs);
    if (changed.added.length || changed.removed.length) log.info(changed, "dnsmasq host entries updated");
    if (changed.removed.length) dnsmasq?.reload();
  }

  const boot = createPxeBoot({ store: deps.store, config, log, syncHosts });

  return {
    boot,
    managesDnsmasq,
    dnsmasq,
    syncHosts,
    start() {
      if (!dnsmasq) {
        if (!usesPxe(config)) return;
        const script = `${bootHttpBase(config)}/boot/boot.ipxe`;
        if (config.boot.mode === "none") log.info({ script }, "boot.mode none: point the site's DHCP/TFTP at the boot script");
        else log.warn({ script }, "boot.interface is not set: dnsmasq not started; nodes network-boot only if the site's DHCP/TFTP points at the boot script");
        return;
      }
      let conf: string;
      try {
        conf = renderDnsmasqConfig({ boot: config.boot, paths, scriptUrl: `${bootHttpBase(config)}/boot/boot.ipxe`, user: process.getuid?.() === 0 ? "root" : null, answerUnknown: unknownMacBoots(config) });
        mkdirSync(paths.dir, { recursive: true, mode: 0o755 });
        prepareTftpRoot(paths.tftpRoot, config.boot.ipxe_dir, config.boot.uefi_ipxe);
      } catch (e) {
        throw conductorError("CONFIG_INVALID", { reason: (e as Error).message });
      }
      const stale = stopStaleDnsmasq(paths.pid, paths.conf);
      if (stale) log.warn({ dnsmasq_pid: stale }, "stopped the dnsmasq a previous conductor left running");
      writeFileSync(paths.conf, conf);
      syncHosts();
      dnsmasq.start();
      timer = setInterval(() => {
        try {
          syncHosts();
        } catch (e) {
          log.error({ err: e }, "dnsmasq host entries could not be updated");
        }
      }, deps.reconcileIntervalMs ?? 10_000);
      const warning = unknownMacWarning(config);
      if (warning) log.warn(warning);
      log.info({ mode: config.boot.mode, interface: config.boot.interface, unknown_macs: unknownMacBoots(config) ? "ramdisk" : "ignored", conf: paths.conf, log: paths.log }, "network boot started");
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await dnsmasq?.stop();
    },
  };
}
