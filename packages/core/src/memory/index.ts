/** The memory subsystem's public face. */
export { liveMemorySql, presentMemorySql } from "./store/live.js";
