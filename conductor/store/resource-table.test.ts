/**
 * Migration 2 on a database written by migration 1 keeps its nodes and ports (new columns
 * NULL), and the resource tables turn SQLite's constraint failures into Ironic's 409s.
 */
import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { isTeethError } from "../../common/branded-error.ts";
import { migrate, MIGRATIONS } from "./migrations.ts";
import { createNodeStore } from "./node-store.ts";
import { createPortStore } from "./port-store.ts";
import { createResourceStores } from "./resource-stores.ts";

function v1Database(): Database {
  const db = new Database(":memory:", { strict: true });
  db.run("PRAGMA foreign_keys = ON");
  expect(migrate(db, MIGRATIONS.filter((m) => m.version === 1))).toEqual([1]);
  db.run("INSERT INTO nodes (uuid, name, driver, provision_state, created_at) VALUES ('n1', 'old', 'fake-hardware', 'active', 1)");
  db.run("INSERT INTO ports (uuid, address, node_uuid, created_at) VALUES ('p1', '52:54:00:00:00:01', 'n1', 1)");
  return db;
}

test("migration 2 upgrades a version-1 database in place", () => {
  const db = v1Database();
  expect(migrate(db)).toEqual(MIGRATIONS.filter((m) => m.version > 1).map((m) => m.version));
  expect(createNodeStore(db).get("n1")?.allocation_uuid).toBeNull();
  expect(createPortStore(db).get("p1")?.portgroup_uuid).toBeNull();
  expect(createResourceStores(db).chassis.list()).toEqual([]);
});

test("duplicates become the resource's 409; a missing marker its 404", () => {
  const db = v1Database();
  migrate(db);
  const { portgroups, volumeTargets } = createResourceStores(db);
  const pg = { uuid: "g1", name: "bond0", address: "52:54:00:00:00:01", node_uuid: "n1", mode: "active-backup", properties: {}, standalone_ports_supported: true, extra: {}, internal_info: {}, created_at: 1, updated_at: null };
  expect(portgroups.insert(pg).standalone_ports_supported).toBe(true);
  const err = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      return isTeethError(e) ? [e.status, e.message] : ["not catalogued", String(e)];
    }
    return null;
  };
  expect(err(() => portgroups.insert({ ...pg, uuid: "g2", address: "52:54:00:00:00:02" }))).toEqual([409, "A portgroup with name bond0 already exists."]);
  expect(err(() => portgroups.insert({ ...pg, uuid: "g2", name: null }))).toEqual([409, "A portgroup with MAC address 52:54:00:00:00:01 already exists."]);
  expect(err(() => portgroups.insert({ ...pg, name: "x", address: null }))).toEqual([409, "A portgroup with UUID g1 already exists."]);
  expect(err(() => portgroups.list({ marker: "nope" }))).toEqual([404, "Portgroup nope could not be found."]);
  const vt = { uuid: "t1", node_uuid: "n1", volume_type: "iscsi", volume_id: "v", boot_index: 0, properties: {}, extra: {}, created_at: 1, updated_at: null };
  volumeTargets.insert(vt);
  expect(err(() => volumeTargets.insert({ ...vt, uuid: "t2" }))).toEqual([409, "A volume target with boot index '0' for the same node already exists."]);
});
