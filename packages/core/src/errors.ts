/**
 * Domain errors. Core names the kind of failure; the HTTP layer maps kinds to status codes.
 * `field` names the input at fault so the caller can say which field and why.
 */
export type ErrorKind = "invalid" | "unauthorized" | "forbidden" | "not_found" | "conflict" | "busy" | "unavailable";

export class EngramError extends Error {
  override name = "EngramError";
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly field?: string,
    /** For `busy`: when trying again makes sense, in seconds. */
    readonly retryAfterSecs?: number,
  ) {
    super(field ? `${field}: ${message}` : message);
  }
}

export const invalid = (field: string, message: string) => new EngramError("invalid", message, field);
export const notFound = (what: string) => new EngramError("not_found", `${what} not found`);
export const conflict = (message: string) => new EngramError("conflict", message);
export const forbidden = (message: string, field?: string) => new EngramError("forbidden", message, field);
export const unauthorized = (message: string) => new EngramError("unauthorized", message);
/** The caller's share of a resource is used up for now (its queue of background work); try again later. */
export const busy = (message: string, retryAfterSecs: number) => new EngramError("busy", message, undefined, retryAfterSecs);

/** The server could not do the work in time (a worker's time limit ran out); the request may be retried. */
export const unavailable = (message: string) => new EngramError("unavailable", message);
