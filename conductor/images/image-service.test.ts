/**
 * image_info as the agent receives it: partition images carry Ironic's layout fields (and
 * the agent's own schema accepts them); a partition image without root_gb is refused.
 */
import { expect, test } from "bun:test";
import { ImageInfoSchema } from "../../protocol/image-info.ts";
import type { NodeRecord } from "../store/node-record.ts";
import { capabilities, createImageService } from "./image-service.ts";

function node(instanceInfo: Record<string, unknown>, properties: Record<string, unknown> = {}): NodeRecord {
  return {
    uuid: "11111111-2222-3333-4444-555555555555", name: "n", driver: "fake-hardware", provision_state: "deploying", target_provision_state: "active",
    power_state: null, target_power_state: null, maintenance: false, maintenance_reason: null, fault: null, last_error: null,
    instance_uuid: null, driver_info: {}, driver_internal_info: {}, properties, instance_info: instanceInfo, extra: {}, attrs: {},
    clean_step: null, deploy_step: null, agent_url: null, agent_token: null, agent_verify_ca: null, agent_version: null,
    agent_last_heartbeat: null, provision_updated_at: null, inspection_started_at: null, inspection_finished_at: null, created_at: 1, updated_at: null,
  } as NodeRecord;
}

const images = createImageService({ dataDir: "/nonexistent", publicUrl: "http://10.0.0.1:6385" });
const sum = "a".repeat(64);

test("a partition image gets root_mb, swap, ephemeral, boot mode and disk label, and the agent's schema takes them", async () => {
  const info = await images.imageInfo(
    node(
      { image_source: "http://img/root.qcow2", image_os_hash_algo: "sha256", image_os_hash_value: sum, image_disk_format: "qcow2", image_type: "partition",
        root_gb: "10", swap_mb: 512, ephemeral_gb: 2, ephemeral_format: "ext4", capabilities: { disk_label: "gpt" } },
      { capabilities: "boot_mode:bios,other:x" },
    ),
  );
  expect(info).toMatchObject({ image_type: "partition", root_gb: 10, root_mb: 10240, swap_mb: 512, ephemeral_mb: 2048, ephemeral_format: "ext4",
    deploy_boot_mode: "bios", disk_label: "gpt", preserve_ephemeral: false, os_hash_value: sum });
  expect(ImageInfoSchema.safeParse(info).success).toBe(true);
});

test("boot mode defaults to UEFI; whole-disk images carry no partition fields", async () => {
  const partition = await images.imageInfo(node({ image_source: "http://img/r.raw", image_checksum: sum, image_type: "partition", root_gb: 4 }));
  expect(partition).toMatchObject({ deploy_boot_mode: "uefi", root_mb: 4096, swap_mb: 0, ephemeral_mb: 0 });
  const whole = await images.imageInfo(node({ image_source: "http://img/d.raw", image_checksum: sum }));
  expect(whole.image_type).toBe("whole-disk");
  expect(whole).not.toHaveProperty("root_mb");
});

test("a partition image without root_gb is refused when the deploy is requested, as Ironic does", () => {
  expect(() => images.validate(node({ image_source: "http://img/r.raw", image_checksum: sum, image_type: "partition" }))).toThrow(/instance_info.root_gb/);
});

test("sizes that are not whole numbers are refused, not read as 0", () => {
  const base = { image_source: "http://img/r.raw", image_checksum: sum, image_type: "partition" };
  for (const [key, value] of [["root_gb", "ten"], ["root_gb", 0], ["swap_mb", "1.5"], ["swap_mb", -1], ["ephemeral_gb", "lots"], ["ephemeral_mb", true]] as const) {
    expect(() => images.validate(node({ ...base, root_gb: 4, [key]: value })), `${key}=${value}`).toThrow(new RegExp(`instance_info.${key} must be an integer`));
  }
});

test("capabilities parse from Ironic's string form and from an object", () => {
  expect(capabilities("boot_mode:uefi, disk_label:msdos")).toEqual({ boot_mode: "uefi", disk_label: "msdos" });
  expect(capabilities({ boot_mode: "bios" })).toEqual({ boot_mode: "bios" });
  expect(capabilities(null)).toEqual({});
});
