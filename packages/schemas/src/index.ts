export * from "./store-request.js";
export { describeZodError } from "./zod-error.js";
