import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env.js";

/**
 * The deepest JSON body any route takes is 3 levels (an object holding an array of tags or an
 * embedding); 32 leaves room for clients that nest metadata, and none for abuse.
 */
export const MAX_JSON_DEPTH = 32;

/**
 * Refuses a JSON body nested deeper than `maxDepth` before anything parses it. JSON.parse is
 * linear, but nested arrays cost it far more per byte than flat data: a 1 MB body of "[[[…]]]"
 * took 0.3-1 s on the development machine (a flat 1 MB array: about 30 ms), all of it on the
 * event loop. One pass over the text, outside strings, finds the depth; parsing then only ever
 * sees shallow bodies.
 */
export function jsonDepthLimit(maxDepth = MAX_JSON_DEPTH): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!/json/i.test(c.req.header("content-type") ?? "")) return next();
    if (deeperThan(await c.req.text(), maxDepth)) return c.json({ error: `body: JSON nested deeper than ${maxDepth} levels` }, 400);
    return next();
  };
}

/** Whether arrays and objects nest more than `max` deep (brackets inside strings do not count). */
export function deeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // a backslash escapes the next character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > max) return true;
    } else if (c === 93 || c === 125) depth--;
  }
  return false;
}
