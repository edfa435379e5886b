/**
 * A model that cannot be loaded or run, or a remote endpoint that failed.
 * `status` is the HTTP status when a remote endpoint answered with an error.
 */
export class EmbedderError extends Error {
  override name = "EmbedderError";
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}
