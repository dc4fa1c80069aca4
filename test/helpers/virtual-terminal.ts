/**
 * A small VT100 screen for tests of what a terminal shows: printable
 * characters with auto-wrap (xterm's pending wrap at the last column), `\r`,
 * `\n` (as `\r\n`, scrolling at the bottom), cursor up (`ESC[nA`), clear to end of line
 * (`ESC[K`) and clear to end of screen (`ESC[J`). Anything else throws, so a
 * test never passes on output it did not understand.
 */
const CSI = new RegExp(`^${String.fromCharCode(27)}\\[(\\d*)([AKJ])`);

export class VirtualTerminal {
  private grid: string[][];
  private row = 0;
  private col = 0;
  /** The cursor sits past the last column, waiting to wrap on the next character. */
  private pendingWrap = false;

  constructor(
    readonly columns: number,
    readonly rows = 40,
  ) {
    this.grid = Array.from({ length: rows }, () => this.blankRow());
  }

  private blankRow(): string[] {
    return Array.from({ length: this.columns }, () => ' ');
  }

  private lineFeed(): void {
    if (this.row === this.rows - 1) {
      this.grid.shift();
      this.grid.push(this.blankRow());
    } else {
      this.row++;
    }
  }

  write(text: string): void {
    for (let i = 0; i < text.length; i++) {
      const ch = text[i] as string;
      if (ch === '\u001b') {
        const match = CSI.exec(text.slice(i));
        if (!match)
          throw new Error(`unsupported escape sequence at ${JSON.stringify(text.slice(i, i + 8))}`);
        this.control(match[2] as 'A' | 'K' | 'J', Number(match[1] || 1));
        i += match[0].length - 1;
      } else if (ch === '\r') {
        this.col = 0;
        this.pendingWrap = false;
      } else if (ch === '\n') {
        // The tty driver's ONLCR (on by default) sends "\n" as "\r\n".
        this.lineFeed();
        this.col = 0;
        this.pendingWrap = false;
      } else if (ch < ' ') {
        throw new Error(`unsupported control character ${JSON.stringify(ch)}`);
      } else {
        if (this.pendingWrap) {
          this.col = 0;
          this.lineFeed();
          this.pendingWrap = false;
        }
        (this.grid[this.row] as string[])[this.col] = ch;
        if (this.col === this.columns - 1) this.pendingWrap = true;
        else this.col++;
      }
    }
  }

  private control(command: 'A' | 'K' | 'J', n: number): void {
    const line = this.grid[this.row] as string[];
    if (command === 'A') {
      this.row = Math.max(0, this.row - n);
      this.pendingWrap = false;
    } else if (command === 'K') {
      // xterm: at the last column with a wrap pending, the cursor's cell is cleared too.
      for (let c = this.col; c < this.columns; c++) line[c] = ' ';
    } else {
      for (let c = this.col; c < this.columns; c++) line[c] = ' ';
      for (let r = this.row + 1; r < this.rows; r++) this.grid[r] = this.blankRow();
    }
  }

  /** The screen's rows, trailing spaces trimmed, trailing blank rows dropped. */
  screen(): string[] {
    const lines = this.grid.map((row) => row.join('').trimEnd());
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    return lines;
  }
}
