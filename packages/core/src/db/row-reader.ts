import { getTableColumns, type InferSelectModel } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";

/**
 * Reads a table's rows as drizzle would type them, from `.raw()` arrays: the column list and a
 * mapper built once per table. drizzle's own result mapping checks every field's kind on every
 * row, which on search's hot path (a few hundred memory rows a query) cost more than SQLite's
 * reading them; this applies each column's decoder (booleans, JSON) and nothing else.
 */
export interface RowReader<T extends SQLiteTable> {
  /** The table's columns, quoted, in the order `map` expects, for `SELECT ${columns} FROM …`. */
  columns: (alias?: string) => string;
  map(values: unknown[]): InferSelectModel<T>;
}

export function rowReader<T extends SQLiteTable>(table: T): RowReader<T> {
  const columns = Object.entries(getTableColumns(table));
  const keys = columns.map(([key]) => key);
  const decode = columns.map(([, column]) => (value: unknown) => (value === null ? null : column.mapFromDriverValue(value)));
  return {
    columns: (alias) => columns.map(([, c]) => (alias ? `${alias}."${c.name}"` : `"${c.name}"`)).join(", "),
    map(values) {
      const row: Record<string, unknown> = {};
      for (let i = 0; i < keys.length; i++) row[keys[i]!] = decode[i]!(values[i]);
      return row as InferSelectModel<T>;
    },
  };
}
