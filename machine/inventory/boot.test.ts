import { expect, test } from "bun:test";
import { collectBoot, normalizeBootif } from "./boot.ts";
import { ARM_BOARD, SERVER_A } from "./fixtures.ts";
import { createHostFs } from "../host-fs.ts";

test("normalizeBootif accepts PXE form and plain MACs, rejects anything else", () => {
  expect(normalizeBootif("01-3C-EC-EF-12-34-56")).toBe("3c:ec:ef:12:34:56");
  expect(normalizeBootif("3c:ec:ef:12:34:56")).toBe("3c:ec:ef:12:34:56");
  expect(normalizeBootif("3c-ec-ef-12-34-56")).toBe("3c:ec:ef:12:34:56");
  expect(normalizeBootif("02-3c-ec-ef-12-34-56")).toBeNull(); // not Ethernet
  expect(normalizeBootif("3c:ec:ef:12:34")).toBeNull();
  expect(normalizeBootif("")).toBeNull();
  expect(normalizeBootif(null)).toBeNull();
});

test("boot mode is uefi exactly when /sys/firmware/efi exists", async () => {
  expect(await collectBoot(createHostFs(SERVER_A), "01-3c-ec-ef-12-34-56")).toEqual({
    current_boot_mode: "uefi",
    pxe_interface: "3c:ec:ef:12:34:56",
  });
  expect(await collectBoot(createHostFs(ARM_BOARD), undefined)).toEqual({ current_boot_mode: "bios", pxe_interface: null });
});
