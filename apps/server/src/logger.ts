import { ConfigError, type LogLevel } from "@engram/core";
import { pino, type Logger } from "pino";
import pinoPretty from "pino-pretty";

export const LOG_FORMAT_ENV = "ENGRAM_LOG_FORMAT";
const FORMATS = ["json", "pretty"] as const;
export type LogFormat = (typeof FORMATS)[number];

/**
 * JSON lines for services and log shippers; readable lines for a person at a terminal. Unset, a
 * TTY on stdout picks pretty and anything else (a pipe, a file, a container log) JSON.
 */
export function logFormatOf(env: NodeJS.ProcessEnv, stdoutIsTty: boolean): LogFormat {
  const raw = env[LOG_FORMAT_ENV]?.trim().toLowerCase();
  if (!raw) return stdoutIsTty ? "pretty" : "json";
  if (!(FORMATS as readonly string[]).includes(raw)) {
    throw new ConfigError(`invalid ${LOG_FORMAT_ENV}=${JSON.stringify(env[LOG_FORMAT_ENV])}: must be json or pretty`);
  }
  return raw as LogFormat;
}

export function createLogger(level: LogLevel, format: LogFormat, stdoutIsTty: boolean): Logger {
  const opts = { level, base: { service: "engram-server" } };
  // Synchronous: a line is on stdout before the response it describes leaves (tests and log
  // shippers read them in that order). An asynchronous destination saved the event loop about
  // 0.8 ms a request in a profile, but let lines lag behind the answers.
  if (format === "json") return pino(opts);
  // In-process and synchronous, unlike a worker transport: the last lines before process.exit
  // (a failed listen, "bye") are written, and the cost only arises for a person reading a terminal.
  return pino(
    opts,
    pinoPretty({
      sync: true,
      colorize: stdoutIsTty,
      singleLine: true,
      translateTime: "SYS:HH:MM:ss.l",
      ignore: "pid,hostname,service",
    }),
  );
}
