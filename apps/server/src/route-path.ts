import type { Context } from "hono";
import { routePath } from "hono/route";

/** The pattern of the route that answered ("/memory/:id"), or "unmatched" when none did. */
export function matchedRoute(c: Context): string {
  const path = routePath(c, -1);
  return path === "/*" || path === "*" ? "unmatched" : path;
}
