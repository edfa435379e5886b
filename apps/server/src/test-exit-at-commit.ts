import type { Engram } from "@engram/core";

/**
 * Test-only: ENGRAM_TEST_EXIT_AT_COMMIT=before|after kills the process (SIGKILL, as a crash
 * would) at the commit of the first POST /store or POST /import, just before or just after it. The
 * audit test uses it to show that a mutation and its audit row are kept or lost together, the
 * portability test that a crash mid-import leaves nothing of it.
 */
export function installTestExitAtCommit(engram: Engram, phase: string | undefined): void {
  if (phase === undefined || phase === "") return;
  if (phase !== "before" && phase !== "after") throw new Error(`ENGRAM_TEST_EXIT_AT_COMMIT: must be before or after, not ${phase}`);
  const hooks = phase === "before" ? engram.db.commitHooks.beforeCommit : engram.db.commitHooks.afterCommit;
  hooks.push(() => {
    const request = engram.audit.currentRequest();
    if (request?.method === "POST" && (request.route === "/store" || request.route === "/import")) process.kill(process.pid, "SIGKILL");
  });
}
