/**
 * @module test/conductor/helpers/hold-db-lock
 * Run as its own process (`bun hold-db-lock.ts <db-path>`): opens the conductor's SQLite file
 * as another program would (a backup tool, an operator's `sqlite3`), takes `BEGIN EXCLUSIVE`,
 * prints `locked`, holds the lock until a line arrives on stdin (or stdin closes), then rolls
 * back, prints `released` and exits. Being a separate process matters: SQLite's locks are
 * per file across processes, and the conductor must meet the lock as it would in production.
 */
import { Database } from "bun:sqlite";

const path = process.argv[2];
if (!path) {
  process.stderr.write("usage: hold-db-lock.ts <db-path>\n");
  process.exit(2);
}
const db = new Database(path);
db.run("PRAGMA busy_timeout = 10000");
db.run("BEGIN EXCLUSIVE");
process.stdout.write("locked\n");
for await (const _ of console) break;
db.run("ROLLBACK");
db.close();
process.stdout.write("released\n");
process.exit(0);
