export { EngramClient, type EngramClientOptions } from "./client.js";
export { EngramApiError } from "./errors.js";
export type * from "./types.js";
export { isLoopbackHost, isLoopbackHostHeader, isLoopbackOrigin } from "./loopback.js";
