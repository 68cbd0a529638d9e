// The DATA transfer (RFC 5321 §4.5.2): dot-stuffing on the way out, unstuffing on the way
// in, both streaming. The end of data is CRLF "." CRLF and nothing else: a bare LF or a
// bare CR anywhere in the content is recorded, so the server can refuse the message —
// "\n.\r\n", "\r.\r\n" or "\n.\n" ending the data for one hop and not another is what
// SMTP smuggling exploits.

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;
const CR_BYTES = Uint8Array.of(CR);

// Where we are in the content: at a line start, after a line-start dot, after that dot
// and a CR, in a line, or after a CR in a line.
enum S {
  Start,
  Dot,
  DotCr,
  Mid,
  Cr,
}

export interface UnstuffResult {
  /** Unstuffed content, as views into the input (no copy). */
  chunks: Uint8Array[];
  /** Bytes of the input consumed; equals its length unless the end was found. */
  consumed: number;
  done: boolean;
}

export class DotUnstuffer {
  #s = S.Start;
  /** A bare CR or bare LF was seen in the content. */
  bareLineEnd = false;

  /** Feeds bytes; stops right after the terminating CRLF.CRLF. */
  push(data: Uint8Array): UnstuffResult {
    const chunks: Uint8Array[] = [];
    let from = 0; // start of the run of content not yet emitted
    for (let i = 0; i < data.length; i++) {
      const b = data[i] as number;
      switch (this.#s) {
        case S.Start:
          if (b === DOT) {
            // Hold the dot back: it is either stuffing or the terminator.
            if (i > from) chunks.push(data.subarray(from, i));
            from = i + 1;
            this.#s = S.Dot;
          } else this.#mid(b);
          break;
        case S.Dot:
          if (b === CR) {
            this.#s = S.DotCr;
            from = i + 1;
          } else {
            // A stuffed dot: dropped; the byte is content.
            this.#mid(b);
          }
          break;
        case S.DotCr:
          if (b === LF) {
            // Everything before the dot is out already; the dot and CRLF are not content.
            return { chunks, consumed: i + 1, done: true };
          }
          // "." CR then something else: a bare CR after a stuffed dot.
          this.bareLineEnd = true;
          chunks.push(CR_BYTES);
          from = i;
          this.#mid(b);
          break;
        case S.Mid:
          this.#mid(b);
          break;
        case S.Cr:
          if (b === LF) this.#s = S.Start;
          else {
            this.bareLineEnd = true;
            this.#mid(b);
          }
          break;
      }
    }
    if (this.#s !== S.Dot && this.#s !== S.DotCr && data.length > from) chunks.push(data.subarray(from));
    return { chunks, consumed: data.length, done: false };
  }

  #mid(b: number): void {
    if (b === CR) this.#s = S.Cr;
    else {
      if (b === LF) this.bareLineEnd = true;
      this.#s = S.Mid;
    }
  }
}

/**
 * Streaming dot-stuffing: every line starting with "." gets another. `end()` closes the
 * transfer, adding a CRLF first when the content did not end with one (the terminator must
 * start a line).
 */
export class DotStuffer {
  #atStart = true;
  #lastCr = false;

  push(data: Uint8Array): Uint8Array {
    let dots = 0;
    let start = this.#atStart;
    for (let i = 0; i < data.length; i++) {
      const b = data[i] as number;
      if (start && b === DOT) dots++;
      start = b === LF && (i > 0 ? data[i - 1] === CR : this.#lastCr);
    }
    const out = dots === 0 ? data : new Uint8Array(data.length + dots);
    if (dots > 0) {
      let o = 0;
      start = this.#atStart;
      for (let i = 0; i < data.length; i++) {
        const b = data[i] as number;
        if (start && b === DOT) out[o++] = DOT;
        out[o++] = b;
        start = b === LF && (i > 0 ? data[i - 1] === CR : this.#lastCr);
      }
    }
    if (data.length > 0) {
      this.#atStart = start;
      this.#lastCr = data[data.length - 1] === CR;
    }
    return out;
  }

  end(): Uint8Array {
    const term = Uint8Array.of(CR, LF, DOT, CR, LF);
    if (this.#atStart) return term.subarray(2);
    return this.#lastCr ? term.subarray(1) : term;
  }
}

/** Whole-buffer helpers (tests, small messages). */
export function dotStuff(data: Uint8Array): Uint8Array {
  const s = new DotStuffer();
  return Buffer.concat([s.push(data), s.end()]);
}
