import { serve } from "@hono/node-server";
import {
  ConfigError,
  createEngram,
  DatabaseBusyError,
  EncryptionKeyError,
  holdServerLock,
  loadConfig,
  resolveDbKey,
  restrictDataPaths,
  type Config,
  type Engram,
} from "@engram/core";
import { createApp } from "./app.js";
import { createLogger, logFormatOf, type LogFormat } from "./logger.js";
import { assertOpenAccessBind } from "./loopback-bind.js";
import { installTestExitAtCommit } from "./test-exit-at-commit.js";

function start(config: Config, logFormat: LogFormat) {
  const log = createLogger(config.logLevel, logFormat, process.stdout.isTTY === true);
  // Whatever the server writes is tenants' data or derived from it (SQLite and its WAL, the
  // LanceDB tables its native code writes): nothing for other local users, whatever umask the
  // server was started with (022 would leave files 644 and folders 755).
  process.umask(0o077);
  // A key source problem stops the server before it creates or changes anything.
  const key = resolveDbKey(config.encryption);
  for (const r of restrictDataPaths({ dataDir: config.dataDir, dbPath: config.dbPath, lanceDir: config.vectorIndex.lanceDir })) {
    log.warn({ path: r.path, mode: r.from, now: r.to }, "data was open to other local users; restricted it");
  }
  const dbLock = holdServerLock(config.dbPath);
  let engram: Engram;
  try {
    engram = createEngram(config, {
      log: log.child({ component: "embedding" }),
      jobLog: log.child({ component: "jobs" }),
      dbKey: key && { key, mode: config.encryption.mode },
    });
  } finally {
    // SQLCipher keeps its own copy; ours is not needed past the open.
    key?.fill(0);
  }
  if (config.encryption.mode !== "none" && config.vectorIndex.useLance) {
    log.warn({ lanceDir: config.vectorIndex.lanceDir }, "vector index files are not encrypted");
  }
  installTestExitAtCommit(engram, process.env.ENGRAM_TEST_EXIT_AT_COMMIT);
  const app = createApp({
    engram,
    log,
    bootstrapSecret: config.bootstrapSecret,
    openAccess: config.openAccess,
    maxBodyBytes: config.maxBodyBytes,
    ingestMaxBodyBytes: config.ingest.maxBodyBytes,
    importMaxBodyBytes: config.portability.maxImportBytes,
    backupUploadMaxBytes: config.portability.maxBackupUploadBytes,
    rateLimit: config.rateLimit,
    authFailuresPerMinute: config.authFailuresPerMinute,
    metricsPublic: config.metricsPublic,
  });
  if (config.openAccess) log.warn("open-access mode: requests without a key act as user 1 (loopback only)");

  const server = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, (info) => {
    log.info({ host: config.host, port: info.port, db: config.dbPath, url: `http://${config.host}:${info.port}` }, "listening");
    // Workers start once the server is up; jobs a crash left running are requeued first.
    engram.jobs.start();
  });
  // The model loads off the request path; stores meanwhile wait for it or stay pending.
  void engram.embedding.start();
  engram.reranker?.start(log);
  server.on("error", (err) => {
    log.fatal({ err }, "server failed to listen");
    engram.close();
    process.exit(1);
  });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down: finishing in-flight requests");
    // No new jobs from here on; running ones finish, or the timeout cuts them off and the next start requeues them.
    const jobsStopped = Promise.race([engram.jobs.stop(), new Promise((resolve) => setTimeout(resolve, config.shutdownTimeoutMs))]);
    const force = setTimeout(() => {
      log.warn("in-flight requests did not finish in time; closing connections");
      if ("closeAllConnections" in server) server.closeAllConnections();
    }, config.shutdownTimeoutMs);
    force.unref();
    // close() stops accepting and waits for open requests; idle keep-alive sockets need not wait.
    server.close(async () => {
      await jobsStopped;
      // The embedding workers are threads of this process: terminate them, or it would not exit.
      await engram.embedding.close().catch((err: unknown) => log.warn({ err }, "embedding workers did not stop cleanly"));
      // Buffered vector-table writes go to disk; if this fails, the next start heals the tables from SQLite.
      await engram.vectors.close().catch((err: unknown) => log.warn({ err }, "vector index did not close cleanly"));
      engram.close();
      dbLock.release();
      log.info("database closed; bye");
      process.exit(0);
    });
    if ("closeIdleConnections" in server) server.closeIdleConnections();
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

try {
  const config = loadConfig();
  const logFormat = logFormatOf(process.env, process.stdout.isTTY === true);
  await assertOpenAccessBind(config);
  start(config, logFormat);
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`engram-server: ${err.message}\n`);
    process.exit(2);
  }
  // platform.md §2.2: one line, no stack trace; exit 3 for a key problem.
  if (err instanceof EncryptionKeyError) {
    process.stderr.write(`engram-server: ${err.message}\n`);
    process.exit(3);
  }
  if (err instanceof DatabaseBusyError) {
    process.stderr.write(`engram-server: ${err.message}\n`);
    process.exit(1);
  }
  throw err;
}
