/** Small helpers every layer may use: the clock, seeded randomness, time slicing, worker threads. */
export { systemClock, ManualClock, type Clock } from "./clock.js";
export { seededRandom } from "./random.js";
export { TimeSlicer } from "./event-loop.js";
export { startWorker } from "./worker-script.js";
