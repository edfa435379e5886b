import { isoNow, type CoreContext } from "../context.js";
import { invalid } from "../errors.js";
import { AdminStore } from "./store.js";

/** Setting keys (contracts/platform.md §8): 1-128 of these characters. */
const KEY = /^[A-Za-z0-9_.:-]{1,128}$/;
/** State the server keeps in the same table, which no admin may write through PUT /admin/settings. */
const INTERNAL = /^(bootstrap_claimed|crash_window|maintenance_.*|sla_reset_at|migration_manifest|user:.*)$/;
const MAINTENANCE = "maintenance_state";

export interface MaintenanceState {
  enabled: boolean;
  message: string | null;
  since: string | null;
}

const OFF: MaintenanceState = { enabled: false, message: null, since: null };

/** Instance administration: server settings, maintenance mode and the scale reports. */
export class AdminService {
  private readonly store: AdminStore;
  /** Read on every write request while the server runs: kept in memory, written through. */
  private maintenanceState: MaintenanceState;

  constructor(private readonly ctx: CoreContext) {
    this.store = new AdminStore(ctx.db);
    const saved = this.store.setting(MAINTENANCE);
    this.maintenanceState = saved ? (JSON.parse(saved) as MaintenanceState) : OFF;
  }

  /** Every server setting but the tenants' own state (`user:*`). */
  settings(): Record<string, string> {
    return Object.fromEntries(this.store.settings().filter((s) => !s.key.startsWith("user:")).map((s) => [s.key, s.value]));
  }

  /** Stores every pair, strings as they are and anything else as JSON text; refuses the whole body on one bad key. */
  updateSettings(body: Record<string, unknown>): number {
    const pairs = Object.entries(body);
    for (const [key] of pairs) {
      if (!KEY.test(key)) throw invalid(key, "a setting key is 1-128 characters of A-Z a-z 0-9 _ . : -");
      if (INTERNAL.test(key)) throw invalid(key, "is kept by the server and cannot be set");
    }
    this.store.putSettings(
      pairs.map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
      isoNow(this.ctx),
    );
    return pairs.length;
  }

  maintenance(): MaintenanceState {
    return this.maintenanceState;
  }

  setMaintenance(enabled: boolean, message: string | null): MaintenanceState {
    const state: MaintenanceState = enabled ? { enabled, message, since: this.maintenanceState.enabled ? this.maintenanceState.since : isoNow(this.ctx) } : OFF;
    this.store.putSettings([[MAINTENANCE, JSON.stringify(state)]], isoNow(this.ctx));
    this.maintenanceState = state;
    return state;
  }

  scaleReport(): { table_counts: Record<string, number>; database_size_bytes: number } {
    return { table_counts: this.store.tableCounts(), database_size_bytes: this.store.databaseSizeBytes() };
  }

  /** Memories old enough for cold storage: latest, neither forgotten nor archived, created more than `days` ago. */
  coldStorage(days: number): { eligible_count: number; threshold_days: number } {
    const before = new Date(this.ctx.clock.now().getTime() - days * 86_400_000).toISOString();
    return { eligible_count: this.store.coldCount(before), threshold_days: days };
  }
}
