// A byte allowance that several writers draw on at once, e.g. one task's downloads into its
// scratch dir: what one takes the others cannot, and what a failed or deleted file held is given
// back.

export class ByteBudget {
  readonly limit: number;
  #used = 0;

  constructor(limit: number) {
    this.limit = limit;
  }

  get used(): number {
    return this.#used;
  }

  get remaining(): number {
    return Math.max(0, this.limit - this.#used);
  }

  /** Takes `n` bytes if they fit and returns true; otherwise takes nothing and returns false. */
  take(n: number): boolean {
    if (this.#used + n > this.limit) return false;
    this.#used += n;
    return true;
  }

  give(n: number): void {
    this.#used = Math.max(0, this.#used - n);
  }
}
