/**
 * Cooperative time slicing for long loops that must stay on the main thread: `maybeYield()`
 * awaits a turn of the event loop once the current slice has run `sliceMs`, so timers, I/O
 * and other requests (a health check) are served in between instead of after the loop.
 */
export class TimeSlicer {
  private sliceStart = performance.now();

  constructor(private readonly sliceMs: number) {}

  async maybeYield(): Promise<void> {
    if (performance.now() - this.sliceStart < this.sliceMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.sliceStart = performance.now();
  }
}
