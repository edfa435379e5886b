import type { ZodError } from "zod";

/**
 * "content: is required; importance: must be at most 10" — field first, then why. engram-server
 * and engram-sidecar answer a refused request with this same sentence.
 */
export function describeZodError(err: ZodError): string {
  return err.issues
    .slice(0, 5)
    .map((i) => {
      const field = i.path.length ? i.path.join(".") : "body";
      const missing = i.code === "invalid_type" && /received undefined/.test(i.message);
      return `${field}: ${missing ? "is required" : i.message}`;
    })
    .join("; ");
}
