import cliProgress from "cli-progress";

/** Running counts of a bulk operation, shown while it runs and summed up after. */
export interface Tally {
  stored: number;
  duplicates: number;
  failed: number;
}

/**
 * Progress of a long command. On a terminal (stderr is a TTY) a bar redraws in place and
 * problems are listed once it is done, so they do not tear the bar; anywhere else (pipes,
 * scripts, tests) nothing is drawn and each problem is one plain line on stderr as it happens.
 */
export interface Progress {
  start(total: number): void;
  advance(tally: Tally): void;
  problem(line: string): void;
  stop(): void;
}

export function progressFor(stream: NodeJS.WriteStream = process.stderr): Progress {
  return stream.isTTY ? new BarProgress(stream) : new LineProgress(stream);
}

class BarProgress implements Progress {
  private readonly bar: cliProgress.SingleBar;
  private readonly problems: string[] = [];
  private done = 0;

  constructor(private readonly stream: NodeJS.WriteStream) {
    this.bar = new cliProgress.SingleBar(
      {
        stream,
        format: "importing [{bar}] {percentage}% {value}/{total} | {stored} stored, {duplicates} duplicates, {failed} failed | {eta_formatted}",
        hideCursor: true,
        // A bar that stopped early (a fatal error) must stay visible above the error line.
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  start(total: number): void {
    this.bar.start(total, 0, { stored: 0, duplicates: 0, failed: 0 });
  }

  advance(tally: Tally): void {
    this.bar.update(++this.done, { ...tally });
  }

  problem(line: string): void {
    this.problems.push(line);
  }

  stop(): void {
    this.bar.stop();
    for (const line of this.problems) this.stream.write(`${line}\n`);
  }
}

class LineProgress implements Progress {
  constructor(private readonly stream: NodeJS.WriteStream) {}
  start(): void {}
  advance(): void {}
  problem(line: string): void {
    this.stream.write(`${line}\n`);
  }
  stop(): void {}
}
