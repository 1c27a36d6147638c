/**
 * @module machine/inventory/fixtures
 * Paths of the fake machine trees under test/fixtures/inventory, for tests.
 * server-a: two-socket x86 UEFI server with SATA, SAS, NVMe, USB, loop and virtual devices,
 * two NICs and SMBIOS; arm-board: an SBC with an SD card, no SMBIOS and no CPU model name.
 */
import path from "node:path";

const base = path.resolve(import.meta.dir, "../../test/fixtures/inventory");
export const SERVER_A = path.join(base, "server-a");
export const ARM_BOARD = path.join(base, "arm-board");
