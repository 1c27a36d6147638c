import { expect, test } from "bun:test";
import { collectBmc, parseLan6Print, parseLanPrint } from "./bmc.ts";
import { ARM_BOARD, SERVER_A } from "./fixtures.ts";
import { createHostFs } from "../host-fs.ts";
import { captureLogger, fakeExec } from "./test-support.ts";

const LAN_PRINT = `Set in Progress         : Set Complete
IP Address Source       : Static Address
IP Address              : 10.20.0.15
Subnet Mask             : 255.255.255.0
MAC Address             : 3C:EC:EF:AA:BB:CC
`;
const LAN6_PRINT = `IPv6 Static Address 0:
    Enabled:        yes
    Address:        ::/0
IPv6 Dynamic Address 0:
    Address:        fe80::1/64
IPv6 Dynamic Address 1:
    Address:        2001:db8::15/64
`;

test("parses ipmitool lan/lan6 output; unconfigured addresses are null", () => {
  expect(parseLanPrint(LAN_PRINT)).toEqual({ ip: "10.20.0.15", mac: "3c:ec:ef:aa:bb:cc" });
  expect(parseLanPrint("IP Address : 0.0.0.0\n").ip).toBeNull();
  expect(parseLan6Print(LAN6_PRINT)).toBe("2001:db8::15");
  expect(parseLan6Print("    Address:        ::/0\n")).toBeNull();
});

test("asks the BMC channel by channel until one has an address", async () => {
  const exec = fakeExec({
    ipmitool: (args) =>
      args[0] === "lan6" ? { stdout: LAN6_PRINT } : args[2] === "1" ? { stdout: "IP Address : 0.0.0.0\n" } : { stdout: LAN_PRINT },
  });
  const bmc = await collectBmc({ fs: createHostFs(SERVER_A), exec, logger: captureLogger().logger });
  expect(bmc).toEqual({ bmc_address: "10.20.0.15", bmc_v6address: "2001:db8::15", bmc_mac: "3c:ec:ef:aa:bb:cc" });
  expect(exec.calls.slice(0, 2)).toEqual(["ipmitool lan print 1", "ipmitool lan print 2"]);
});

test("without an IPMI device node ipmitool is not run", async () => {
  const exec = fakeExec({ ipmitool: { stdout: LAN_PRINT } });
  const bmc = await collectBmc({ fs: createHostFs(ARM_BOARD), exec, logger: captureLogger().logger });
  expect(bmc).toEqual({ bmc_address: null, bmc_v6address: null, bmc_mac: null });
  expect(exec.calls).toEqual([]);
});

test("a BMC that times out gives nulls after one attempt, with a warning", async () => {
  const exec = fakeExec({ ipmitool: { failed: true, timedOut: true, exitCode: null } });
  const log = captureLogger();
  const bmc = await collectBmc({ fs: createHostFs(SERVER_A), exec, logger: log.logger, timeoutMs: 10 });
  expect(bmc.bmc_address).toBeNull();
  expect(exec.calls).toHaveLength(1);
  expect(log.warnings()).toContain("ipmitool unavailable or BMC not answering");
});
