import { parentPort } from "node:worker_threads";
import { extractEntities, type KnownEntity } from "./entity-rules.js";

/** Extracts the entities of a batch of texts off the main thread (see entity-extractor.ts), one task at a time. */
parentPort!.on("message", (task: { texts: string[]; known: KnownEntity[] }) => {
  parentPort!.postMessage(task.texts.map((text) => extractEntities(text, task.known)));
});
