/**
 * Every failure of a client call. `status` is the HTTP status the server answered with, or 0
 * when no answer came at all (connection refused, DNS failure, timeout), so callers can tell
 * "the server said no" from "the server is not there" without parsing messages.
 */
export class EngramApiError extends Error {
  override name = "EngramApiError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
