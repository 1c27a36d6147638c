/**
 * @module conductor/store/keyset-page
 * Marker pagination ("the rows after this one") over `ORDER BY key dir, uuid dir`, correct
 * when `key` is NULL for some rows. SQLite sorts NULL before every value, so NULLs come first
 * ascending and last descending (the order Ironic's first page has on SQLite); a plain
 * `key > ?` is never true for NULL, which is how nodes without a name went missing.
 */

export type SortDir = "asc" | "desc";

/** `ORDER BY` for `key` with the uuid as tie-breaker. `key` must be a trusted column name. */
export function orderBy(key: string, dir: SortDir): string {
  const d = dir === "desc" ? "DESC" : "ASC";
  return `ORDER BY ${key} ${d}, uuid ${d}`;
}

/**
 * The WHERE clause selecting the rows after the marker row (`value` = its `key`, `uuid` =
 * its uuid) in {@link orderBy}'s order.
 * @example
 * const after = afterMarker("name", "asc", null, "5d0c...");
 * db.query(`SELECT * FROM nodes WHERE ${after.sql} ${orderBy("name", "asc")}`).all(...after.args);
 */
export function afterMarker(
  key: string,
  dir: SortDir,
  value: string | number | null,
  uuid: string,
): { sql: string; args: (string | number)[] } {
  if (dir === "asc") {
    // NULLs first: after a NULL come the other NULLs with a larger uuid, then every value.
    if (value === null) return { sql: `((${key} IS NULL AND uuid > ?) OR ${key} IS NOT NULL)`, args: [uuid] };
    return { sql: `(${key} > ? OR (${key} = ? AND uuid > ?))`, args: [value, value, uuid] };
  }
  // NULLs last: after a NULL come only NULLs with a smaller uuid.
  if (value === null) return { sql: `(${key} IS NULL AND uuid < ?)`, args: [uuid] };
  return { sql: `(${key} < ? OR (${key} = ? AND uuid < ?) OR ${key} IS NULL)`, args: [value, value, uuid] };
}
