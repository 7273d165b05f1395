import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { follow } from "./refresh";

describe("following the read model after a change", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("re-reads at each delay and shows each answer that moved on, once", async () => {
    const answers = [{ paid: 0 }, { paid: 5 }, { paid: 5 }];
    const read = vi.fn(async () => answers.shift() ?? { paid: 5 });
    const apply = vi.fn();
    follow(read, { paid: 0 }, apply, [100, 200, 300]);
    expect(read).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(100);
    expect(read).toHaveBeenCalledTimes(1);
    expect(apply).not.toHaveBeenCalled(); // unchanged
    await vi.advanceTimersByTimeAsync(100);
    expect(apply).toHaveBeenCalledWith({ paid: 5 });
    await vi.advanceTimersByTimeAsync(100);
    expect(read).toHaveBeenCalledTimes(3);
    expect(apply).toHaveBeenCalledTimes(1); // the same again is not applied twice
  });

  it("skips a failed read and stops when told", async () => {
    let n = 0;
    const read = vi.fn(async () => {
      n += 1;
      if (n === 1) throw new Error("gateway busy");
      return { stage: `s${n}` };
    });
    const apply = vi.fn();
    const stop = follow(read, { stage: "s0" }, apply, [100, 200, 300]);
    await vi.advanceTimersByTimeAsync(200);
    expect(apply).toHaveBeenCalledWith({ stage: "s2" });
    stop();
    await vi.advanceTimersByTimeAsync(500);
    expect(read).toHaveBeenCalledTimes(2);
    expect(apply).toHaveBeenCalledTimes(1);
  });
});
