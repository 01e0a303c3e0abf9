// A one-line progress bar for terminals; prints nothing when the stream is not a TTY (scripts, --json).

export class ProgressBar {
  private lastDraw = 0;
  private drawn = false;
  private readonly enabled: boolean;

  constructor(
    private stream: NodeJS.WriteStream,
    wanted: boolean,
  ) {
    this.enabled = wanted && stream.isTTY === true;
  }

  update(percent: number | null, label: string): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const width = Math.max(10, Math.min(30, (this.stream.columns ?? 80) - label.length - 10));
    let bar: string;
    if (percent === null) bar = '';
    else {
      const filled = Math.round((Math.max(0, Math.min(100, percent)) / 100) * width);
      bar = `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${percent.toFixed(0).padStart(3)}% `;
    }
    this.stream.write(`\r\x1b[2K${bar}${label}`.slice(0, (this.stream.columns ?? 120) + 12));
    this.drawn = true;
  }

  done(): void {
    if (this.enabled && this.drawn) this.stream.write('\r\x1b[2K');
  }
}
