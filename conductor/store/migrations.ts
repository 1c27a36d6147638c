/**
 * @module conductor/store/migrations
 * Versioned schema migrations, applied in order at start inside one transaction each.
 * Append only: a released migration is never edited.
 */
import type { Database } from "bun:sqlite";

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "nodes, ports, inventories",
    sql: `
      CREATE TABLE nodes (
        uuid TEXT PRIMARY KEY,
        name TEXT UNIQUE,
        driver TEXT NOT NULL,
        provision_state TEXT NOT NULL,
        target_provision_state TEXT,
        power_state TEXT,
        target_power_state TEXT,
        maintenance INTEGER NOT NULL DEFAULT 0,
        maintenance_reason TEXT,
        fault TEXT,
        last_error TEXT,
        instance_uuid TEXT,
        driver_info TEXT NOT NULL DEFAULT '{}',
        driver_internal_info TEXT NOT NULL DEFAULT '{}',
        properties TEXT NOT NULL DEFAULT '{}',
        instance_info TEXT NOT NULL DEFAULT '{}',
        extra TEXT NOT NULL DEFAULT '{}',
        attrs TEXT NOT NULL DEFAULT '{}',
        clean_step TEXT,
        deploy_step TEXT,
        agent_url TEXT,
        agent_token TEXT,
        agent_verify_ca TEXT,
        agent_version TEXT,
        agent_last_heartbeat INTEGER,
        provision_updated_at INTEGER,
        inspection_started_at INTEGER,
        inspection_finished_at INTEGER,
        created_at INTEGER NOT NULL,
        updated_at INTEGER
      );
      CREATE INDEX nodes_provision_state ON nodes(provision_state);
      CREATE TABLE ports (
        uuid TEXT PRIMARY KEY,
        address TEXT NOT NULL UNIQUE,
        node_uuid TEXT NOT NULL REFERENCES nodes(uuid) ON DELETE CASCADE,
        pxe_enabled INTEGER NOT NULL DEFAULT 1,
        extra TEXT NOT NULL DEFAULT '{}',
        local_link_connection TEXT NOT NULL DEFAULT '{}',
        physical_network TEXT,
        name TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER
      );
      CREATE INDEX ports_node ON ports(node_uuid);
      CREATE TABLE inventories (
        node_uuid TEXT PRIMARY KEY REFERENCES nodes(uuid) ON DELETE CASCADE,
        inventory TEXT NOT NULL,
        plugin_data TEXT NOT NULL DEFAULT '{}',
        created_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: "chassis, portgroups, allocations, deploy templates, volume connectors and targets",
    sql: `
      CREATE TABLE chassis (
        uuid TEXT PRIMARY KEY,
        description TEXT,
        extra TEXT NOT NULL DEFAULT '{}',
        created_at INTEGER NOT NULL,
        updated_at INTEGER
      );
      CREATE TABLE portgroups (
        uuid TEXT PRIMARY KEY,
        name TEXT UNIQUE,
        address TEXT UNIQUE,
        node_uuid TEXT NOT NULL REFERENCES nodes(uuid) ON DELETE CASCADE,
        mode TEXT,
        properties TEXT NOT NULL DEFAULT '{}',
        standalone_ports_supported INTEGER NOT NULL DEFAULT 1,
        extra TEXT NOT NULL DEFAULT '{}',
        internal_info TEXT NOT NULL DEFAULT '{}',
        created_at INTEGER NOT NULL,
        updated_at INTEGER
      );
      CREATE INDEX portgroups_node ON portgroups(node_uuid);
      ALTER TABLE ports ADD COLUMN portgroup_uuid TEXT REFERENCES portgroups(uuid);
      ALTER TABLE nodes ADD COLUMN allocation_uuid TEXT;
      CREATE TABLE allocations (
        uuid TEXT PRIMARY KEY,
        name TEXT UNIQUE,
        node_uuid TEXT UNIQUE REFERENCES nodes(uuid) ON DELETE CASCADE,
        state TEXT NOT NULL,
        last_error TEXT,
        resource_class TEXT,
        traits TEXT NOT NULL DEFAULT '[]',
        candidate_nodes TEXT NOT NULL DEFAULT '[]',
        extra TEXT NOT NULL DEFAULT '{}',
        owner TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER
      );
      CREATE TABLE deploy_templates (
        uuid TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        description TEXT,
        steps TEXT NOT NULL DEFAULT '[]',
        extra TEXT NOT NULL DEFAULT '{}',
        created_at INTEGER NOT NULL,
        updated_at INTEGER
      );
      CREATE TABLE volume_connectors (
        uuid TEXT PRIMARY KEY,
        node_uuid TEXT NOT NULL REFERENCES nodes(uuid) ON DELETE CASCADE,
        type TEXT NOT NULL,
        connector_id TEXT NOT NULL,
        extra TEXT NOT NULL DEFAULT '{}',
        created_at INTEGER NOT NULL,
        updated_at INTEGER,
        UNIQUE (type, connector_id)
      );
      CREATE TABLE volume_targets (
        uuid TEXT PRIMARY KEY,
        node_uuid TEXT NOT NULL REFERENCES nodes(uuid) ON DELETE CASCADE,
        volume_type TEXT NOT NULL,
        volume_id TEXT NOT NULL,
        boot_index INTEGER NOT NULL,
        properties TEXT NOT NULL DEFAULT '{}',
        extra TEXT NOT NULL DEFAULT '{}',
        created_at INTEGER NOT NULL,
        updated_at INTEGER,
        UNIQUE (node_uuid, boot_index)
      );
    `,
  },
  {
    version: 3,
    name: "node history, VIF attachments, service_step",
    sql: `
      CREATE TABLE node_history (
        uuid TEXT PRIMARY KEY,
        node_uuid TEXT NOT NULL REFERENCES nodes(uuid) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        severity TEXT NOT NULL,
        event_type TEXT NOT NULL,
        event TEXT NOT NULL,
        conductor TEXT,
        user TEXT
      );
      CREATE INDEX node_history_node ON node_history(node_uuid, seq);
      CREATE TABLE node_vifs (
        node_uuid TEXT NOT NULL REFERENCES nodes(uuid) ON DELETE CASCADE,
        vif_id TEXT NOT NULL,
        port_uuid TEXT REFERENCES ports(uuid) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (node_uuid, vif_id)
      );
      CREATE UNIQUE INDEX node_vifs_port ON node_vifs(port_uuid);
      ALTER TABLE nodes ADD COLUMN service_step TEXT;
    `,
  },
];

/**
 * Applies every migration newer than the database's version; returns the versions applied.
 * @example
 * const applied = migrate(db); // [1] on a fresh database, [] afterwards
 */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): number[] {
  db.run("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
  const row = db.query<{ v: number | null }, []>("SELECT MAX(version) AS v FROM schema_migrations").get();
  const current = row?.v ?? 0;
  const applied: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.run(m.sql);
      db.run("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", [m.version, m.name, Date.now()]);
    })();
    applied.push(m.version);
  }
  return applied;
}
