import { EngramError, isLoopbackHost } from "@engram/core";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env.js";

/** The host part of a Host header or an Origin, or undefined when it does not parse. */
function hostnameOf(url: string): string | undefined {
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}

/**
 * Open-access mode answers without a key, so anything that can make this machine's browser
 * send a request could use it. A web page elsewhere can do that two ways: DNS rebinding (its
 * own name, re-pointed at 127.0.0.1, arrives as a foreign Host) and cross-site requests
 * (a foreign Origin, or Sec-Fetch-Site: cross-site where the browser sends no Origin, as on
 * a cross-site GET). Both are refused; clients on this machine send neither.
 */
export function loopbackOnly(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const host = c.req.header("host");
    const hostname = host === undefined ? undefined : hostnameOf(`http://${host}`);
    if (hostname === undefined || !isLoopbackHost(hostname)) {
      throw new EngramError("forbidden", `open-access mode answers only requests addressed to a loopback host, not Host ${JSON.stringify(host ?? "")}`);
    }
    const origin = c.req.header("origin");
    if (origin !== undefined) {
      const originHost = hostnameOf(origin);
      if (originHost === undefined || !isLoopbackHost(originHost)) {
        throw new EngramError("forbidden", `open-access mode answers only loopback origins, not Origin ${JSON.stringify(origin)}`);
      }
    }
    if (c.req.header("sec-fetch-site") === "cross-site") {
      throw new EngramError("forbidden", "open-access mode refuses cross-site browser requests (Sec-Fetch-Site: cross-site)");
    }
    return next();
  };
}
