// The lines a process (or a worker) printed, kept in order, with a way to wait for one that has not arrived yet.
// A child's log reaches its reader through a pipe, so a line can arrive after the HTTP answer it goes with; a test
// that checks the log waits for the line it needs instead of reading the list once. Used by `stack.mjs` and by the
// edge's workerd tests.

export class LogLines {
  /** Every line so far, oldest first. */
  lines = [];
  #waiters = new Set();

  /** Records one line and wakes whoever waits for it. */
  push(line) {
    this.lines.push(line);
    for (const waiter of [...this.#waiters]) waiter(line);
  }

  /**
   * Resolves with the first line, already seen or still to come, that `predicate` accepts. Rejects after
   * `failAfterMs`: a bound on a failure, so that a line that never comes fails the test instead of hanging it.
   */
  waitFor(predicate, failAfterMs = 10_000) {
    const seen = this.lines.find(predicate);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolvePromise, reject) => {
      const waiter = (line) => {
        if (!predicate(line)) return;
        clearTimeout(deadline);
        this.#waiters.delete(waiter);
        resolvePromise(line);
      };
      const deadline = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`no log line matched within ${failAfterMs} ms`));
      }, failAfterMs);
      this.#waiters.add(waiter);
    });
  }
}
