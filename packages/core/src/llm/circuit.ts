/** Consecutive failures that open the circuit, and how long it stays open (contract §3). */
export const CIRCUIT_FAILURES = 3;
export const CIRCUIT_OPEN_MS = 30_000;

/**
 * After three failures in a row the endpoint is presumed down: calls go straight to the rules
 * path for 30 s instead of each paying a timeout. The first call after that tries again.
 */
export class Circuit {
  private failures = 0;
  private openUntil = 0;

  constructor(private readonly now: () => number = Date.now, private readonly openMs = CIRCUIT_OPEN_MS) {}

  isOpen(): boolean {
    return this.now() < this.openUntil;
  }

  succeeded(): void {
    this.failures = 0;
  }

  failed(): void {
    this.failures += 1;
    if (this.failures >= CIRCUIT_FAILURES) {
      this.openUntil = this.now() + this.openMs;
      this.failures = 0;
    }
  }
}
