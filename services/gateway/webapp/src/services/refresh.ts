// After a change the owning service answers at once, but what other services and the read model make of it
// (the portfolio dossier's money, deadlines and to-dos; a stage another service moves on an event) follows
// a moment later: re-read a few times and show whatever moved on, without a page reload.

/** When to re-read after a change, in ms from the change (the relay sweeps within a second or two). */
export const FOLLOW_DELAYS_MS = [800, 2000, 4000, 8000];

/**
 * Re-read `read` at each of `delays` (ms after the call) and `apply` each answer that differs from the last
 * one seen (starting from `before`); a failed read is skipped. Returns a function that stops the follow-up
 * (the page left, or another change started its own).
 */
export function follow<T>(
  read: () => Promise<T>,
  before: T,
  apply: (answer: T) => void,
  delays: number[] = FOLLOW_DELAYS_MS,
  same: (a: T, b: T) => boolean = (a, b) => JSON.stringify(a) === JSON.stringify(b),
): () => void {
  let stopped = false;
  let last = before;
  const timers = delays.map((delay) =>
    setTimeout(() => {
      read().then(
        (answer) => {
          if (stopped || same(answer, last)) return;
          last = answer;
          apply(answer);
        },
        () => undefined,
      );
    }, delay),
  );
  return () => {
    stopped = true;
    timers.forEach(clearTimeout);
  };
}
