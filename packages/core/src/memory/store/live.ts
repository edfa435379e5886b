/**
 * What "a live memory" means, written once for every statement that reads the memories table.
 * Other stores join memories through these fragments instead of spelling the rule out again.
 */

/** Which latest versions a read shows besides the live ones: forgotten ones, archived ones, or both. */
export interface LatestVersions {
  forgotten?: boolean | undefined;
  archived?: boolean | undefined;
}

/**
 * The rule itself: the latest version of each memory, without the forgotten and archived ones
 * unless `include` asks for them. Every other fragment here is this one with fixed choices.
 */
export function latestMemorySql(alias = "m", include: LatestVersions = {}): string {
  const conds = [`${alias}.is_latest = 1`];
  if (!include.forgotten) conds.push(`${alias}.is_forgotten = 0`);
  if (!include.archived) conds.push(`${alias}.is_archived = 0`);
  return conds.join(" AND ");
}

/**
 * The latest version, neither forgotten nor archived, approved (not waiting in the review inbox,
 * not rejected) and not superseded by a correction or deduplication: what search, context and
 * the graph show. Pending and superseded memories stay readable by id.
 */
export const liveMemorySql = (alias = "m") => `${latestMemorySql(alias)} AND ${alias}.review_status = 'approved' AND ${alias}.is_superseded = 0`;

/**
 * The latest version, not forgotten, archived or not: what entity counts keep, because archiving
 * is undone by unarchiving and the memory's mentions must still be there when it comes back.
 */
export const presentMemorySql = (alias = "m") => latestMemorySql(alias, { archived: true });
