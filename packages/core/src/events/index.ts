/** The events subsystem's public face: how writes reach the views of a tenant's memories. */
export { MemoryEvents, type MemoryChange, type MemoriesChanged, type MemoryDeleting, type MemoryStatusChanging } from "./memory-events.js";
