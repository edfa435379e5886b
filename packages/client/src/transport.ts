import { EngramApiError } from "./errors.js";

type Method = "GET" | "POST" | "PUT" | "DELETE";

/** Query-string values; undefined ones are left out so optional filters need no special casing. */
type Query = Record<string, string | number | boolean | undefined>;

export interface TransportOptions {
  baseUrl: string;
  apiKey?: string | undefined;
  timeoutMs: number;
}

export interface RequestSpec {
  method: Method;
  path: string;
  body?: unknown;
  query?: Query;
}

export type Send = <T>(spec: RequestSpec) => Promise<T>;

/** One JSON round trip to engram-server; every failure becomes an EngramApiError. */
export function createTransport(opts: TransportOptions): Send {
  return async <T>(spec: RequestSpec): Promise<T> => {
    const { res, text } = await dispatch(opts, spec);
    const body = parseJson(text);
    if (!res.ok) throw new EngramApiError(res.status, errorMessage(res, body, text));
    // Every route of the API answers JSON; anything else means a proxy or a different service answered.
    if (body === undefined) {
      throw new EngramApiError(res.status, `${opts.baseUrl} did not answer with JSON (HTTP ${res.status}); is it an engram-server?`);
    }
    return body as T;
  };
}

/** The body is read inside the same guard: a timeout or reset can strike while it streams in. */
async function dispatch(opts: TransportOptions, spec: RequestSpec): Promise<{ res: Response; text: string }> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (opts.apiKey) headers.authorization = `Bearer ${opts.apiKey}`;
  if (spec.body !== undefined) headers["content-type"] = "application/json";
  try {
    const res = await fetch(opts.baseUrl + spec.path + queryString(spec.query), {
      method: spec.method,
      headers,
      body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
    return { res, text: await res.text() };
  } catch (err) {
    throw connectionError(opts, err);
  }
}

function queryString(query: Query | undefined): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined) params.set(name, String(value));
  }
  const s = params.toString();
  return s ? `?${s}` : "";
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The server's own `{"error": ...}` when there is one, else the bare status so the caller still learns something. */
function errorMessage(res: Response, body: unknown, text: string): string {
  if (body && typeof body === "object" && typeof (body as { error?: unknown }).error === "string") {
    return (body as { error: string }).error;
  }
  const snippet = text.trim().replace(/\s+/g, " ").slice(0, 200);
  return `HTTP ${res.status} ${res.statusText}${snippet ? `: ${snippet}` : ""}`.trim();
}

/**
 * fetch only says "fetch failed"; the useful part (ECONNREFUSED, ENOTFOUND, ...) hides in
 * `cause`, so it is lifted into a message that also names the URL the user configured.
 */
function connectionError(opts: TransportOptions, err: unknown): EngramApiError {
  if (err instanceof Error && err.name === "TimeoutError") {
    return new EngramApiError(0, `engram-server at ${opts.baseUrl} did not answer within ${opts.timeoutMs} ms`);
  }
  const cause = err instanceof Error ? (err.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  const reason = typeof cause?.code === "string" ? cause.code : typeof cause?.message === "string" ? cause.message : String(err);
  return new EngramApiError(0, `cannot reach engram-server at ${opts.baseUrl}: ${reason}`);
}
