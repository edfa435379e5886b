import { Option, type Command } from "commander";
import type { Role } from "@engram/client";
import * as fmt from "./format.js";
import * as parse from "./options.js";
import { emit, sessionOf } from "./session.js";

interface KeyCreateOptions {
  name?: string;
  scopes?: string;
  userId?: number;
  rateLimit?: number;
  ttlSecs?: number;
}

/** bootstrap, keys create|list|revoke|rotate, users create|list. */
export function registerAccountCommands(program: Command): void {
  program
    .command("bootstrap")
    .description("create the first admin user and key on a fresh server")
    .option("--name <name>", "admin username (server default: admin)")
    .option("--secret <secret>", "the server's ENGRAM_BOOTSTRAP_SECRET, when it sets one")
    .action(async (o: { name?: string; secret?: string }, cmd: Command) => {
      const s = sessionOf(cmd);
      emit(s, await s.client.bootstrap({ name: o.name, secret: o.secret }), fmt.bootstrapResult);
    });

  const keys = program.command("keys").description("manage API keys");

  keys
    .command("create")
    .description("create an API key (the plain key is shown once)")
    .option("--name <name>", "a label for the key")
    .option("--scopes <list>", "comma-separated scopes: read, write, admin")
    .option("--user-id <id>", "owner (admin only; default: yourself)", parse.id)
    .option("--rate-limit <n>", "requests per minute for this key", parse.integer(1))
    .option("--ttl-secs <n>", "expire after this many seconds", parse.integer(1))
    .action(async (o: KeyCreateOptions, cmd: Command) => {
      const s = sessionOf(cmd);
      const issued = await s.client.createKey({
        name: o.name,
        scopes: o.scopes,
        user_id: o.userId,
        rate_limit: o.rateLimit,
        ttl_secs: o.ttlSecs,
      });
      emit(s, issued, fmt.issuedKey);
    });

  keys
    .command("list")
    .description("list live keys")
    .action(async (_o: object, cmd: Command) => {
      const s = sessionOf(cmd);
      emit(s, await s.client.listKeys(), fmt.keysTable);
    });

  keys
    .command("revoke")
    .description("revoke a key now")
    .argument("<id>", "key id", parse.id)
    .action(async (id: number, _o: object, cmd: Command) => {
      const s = sessionOf(cmd);
      emit(s, await s.client.revokeKey(id), (r) => `revoked key #${r.id}`);
    });

  keys
    .command("rotate")
    .description("issue a successor key; the old one keeps working for the grace period")
    .argument("<id>", "key id", parse.id)
    .option("--grace-hours <h>", "hours the old key keeps working (server default: 24)", parse.nonNegativeNumber)
    .action(async (id: number, o: { graceHours?: number }, cmd: Command) => {
      const s = sessionOf(cmd);
      emit(s, await s.client.rotateKey({ key_id: id, grace_hours: o.graceHours }), fmt.issuedKey);
    });

  const users = program.command("users").description("manage users (admin)");

  users
    .command("create")
    .description("create a user")
    .argument("<username>", "unique username")
    .option("--email <email>", "email address")
    .addOption(new Option("--role <role>", "role (server default: writer)").choices(["admin", "writer", "reader"]))
    .action(async (username: string, o: { email?: string; role?: Role }, cmd: Command) => {
      const s = sessionOf(cmd);
      emit(s, await s.client.createUser({ username, email: o.email, role: o.role }), (u) => `created user #${u.id} ${u.username} (${u.role})`);
    });

  users
    .command("list")
    .description("list users")
    .action(async (_o: object, cmd: Command) => {
      const s = sessionOf(cmd);
      emit(s, await s.client.listUsers(), (r) => fmt.usersTable(r.users));
    });
}
