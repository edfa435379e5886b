/**
 * What "a live memory" means, written once for every statement that reads the memories table.
 * Other stores join memories through these fragments instead of spelling the rule out again.
 */

/** The latest version, neither forgotten nor archived: what search, context and the graph show. */
export const liveMemorySql = (alias = "m") => `${alias}.is_latest = 1 AND ${alias}.is_forgotten = 0 AND ${alias}.is_archived = 0`;

/**
 * The latest version, not forgotten, archived or not: what entity counts keep, because archiving
 * is undone by unarchiving and the memory's mentions must still be there when it comes back.
 */
export const presentMemorySql = (alias = "m") => `${alias}.is_latest = 1 AND ${alias}.is_forgotten = 0`;
