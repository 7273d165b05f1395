import { afterEach, describe, expect, it, vi } from "vitest";
import { translate } from "../../locales";
import { chinaTimeOf } from "./asOf";

describe("数据截至: the time the cockpit's figures were computed, in China time", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("shows generated_at as HH:mm:ss in UTC+8, past midnight too", () => {
    expect(chinaTimeOf("2026-12-03T09:05:07Z")).toBe("17:05:07");
    expect(chinaTimeOf("2026-12-03T17:53:54.123456Z")).toBe("01:53:54"); // microseconds, as the API writes them
    expect(chinaTimeOf("2026-12-03T09:05:07+08:00")).toBe("09:05:07");
    expect(chinaTimeOf("2026-12-03T01:05:07+00:00")).toBe("09:05:07");
  });

  it("does not follow the browser's time zone", () => {
    vi.stubEnv("TZ", "America/New_York"); // Node reads TZ again once it changes
    expect(chinaTimeOf("2026-07-01T00:00:00Z")).toBe("08:00:00");
    vi.stubEnv("TZ", "Europe/London");
    expect(chinaTimeOf("2026-07-01T00:00:00Z")).toBe("08:00:00");
  });

  it("reads in plain Chinese, and shows nothing for a time it cannot read", () => {
    expect(translate("zh-CN", "cockpit.as_of", { time: chinaTimeOf("2026-12-03T02:30:00Z") ?? "" })).toBe(
      "数据截至 10:30:00",
    );
    expect(chinaTimeOf("not a time")).toBeNull();
  });
});
