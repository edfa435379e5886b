import type { EngramClient } from "@engram/client";
import type { ShapeOutput } from "@modelcontextprotocol/sdk/server/zod-compat.js";
import type { CallToolResult, ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import type { Toolset } from "./toolsets.js";

/** What every tool is: a name, its toolset, the arguments it takes, and the routes it calls. */

export type Shape = Record<string, z.ZodType>;

export interface ToolDef<S extends Shape> {
  /** The snake_case name the reference's MCP clients call; the dotted twin is derived from it. */
  name: string;
  toolset: Toolset;
  title: string;
  description: string;
  input: S;
  annotations: ToolAnnotations;
  run(client: EngramClient, args: ShapeOutput<S>): Promise<CallToolResult>;
}

/** What the MCP source of a memory is recorded as when the caller names none. */
export const MCP_SOURCE = "mcp";

/** memory_store → memory.store, fsrs_review → fsrs.review: the Rust port's names for the same tools. */
export const dottedName = (name: string) => name.replace("_", ".");

// ---- argument schemas shared by several tools ----

export const id = z.number().int().positive().describe("Memory id");
export const importance = z.number().int().min(1).max(10);
export const tags = z.array(z.string()).max(100);
export const spaceId = z.number().int().positive().optional().describe("Only this space (a partition inside your memories); default: all of them");

export const READ: ToolAnnotations = { readOnlyHint: true, openWorldHint: false };
export const WRITE: ToolAnnotations = { readOnlyHint: false, destructiveHint: false, openWorldHint: false };

/**
 * One tool of a list: the list holds tools of different argument shapes, which TypeScript cannot
 * keep apart in one array type; `run` still gets the arguments its own `input` parsed.
 */
export const tool = <S extends Shape>(def: ToolDef<S>): ToolDef<Shape> => def as unknown as ToolDef<Shape>;
