import { describe, expect, it } from "vitest";
import { cockpitOptions, wan, type Cockpit } from "./options";

const label = (key: string, fallback?: string) => fallback ?? key;

const cockpit: Cockpit = {
  jurisdiction: null,
  year: null,
  generated_at: "2026-12-02T00:00:00Z",
  projects: 3,
  investment_fen: 600_000_000,
  by_stage: [
    { key: "contracted", label_zh: "建设中", count: 2, investment_fen: 450_000_000 },
    { key: "admitted", label_zh: "已入库", count: 1, investment_fen: 150_000_000 },
  ],
  by_unit: Array.from({ length: 12 }, (_, i) => ({ key: `单位${i}`, label_zh: null, count: 1, investment_fen: (12 - i) * 1_000_000 })),
  by_jurisdiction: [{ key: "dazhou", label_zh: null, count: 3, investment_fen: 600_000_000 }],
  by_year: [{ key: "2027", label_zh: null, count: 3, investment_fen: 600_000_000 }],
  funnel: [
    { step: "approved", label_zh: "立项批复", amount_fen: 450_000_000 },
    { step: "contracted", label_zh: "合同签订", amount_fen: 123_456_789 },
  ],
  deadlines: { red: 2, amber: 1, green: 5 },
  risk: { low: 1, medium: 0, high: 1 },
  risk_projects: [],
  systems: { running: 4, retired: 1, zombie: 2 },
  evaluations: { passed: 3, failed: 1 },
  sanctions_active: 1,
  settings: { variance_amber_pct: 10, variance_red_pct: 30 },
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const data = (option: any, series = 0) => option.series[series].data.map((d: any) => (typeof d === "object" ? d.value : d));

describe("cockpit options", () => {
  const options = cockpitOptions(cockpit, label);

  it("draws each bucket's count and investment in 万元 from the API's fen", () => {
    expect(data(options.by_stage, 0)).toEqual([2, 1]);
    expect(data(options.by_stage, 1)).toEqual([450, 150]);
    expect(wan(123_456_789)).toBe(123.46);
    expect(data(options.funnel)).toEqual([450, 123.46]);
  });

  it("shows the ten largest units, largest on top", () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const axis = (options.by_unit as any).yAxis.data as string[];
    expect(axis).toHaveLength(10);
    expect(axis[axis.length - 1]).toBe("单位0");
    expect(data(options.by_unit).at(-1)).toBe(12); // 12 000 000 fen = 12 万元
  });

  it("colours deadlines and risks and counts systems with zombies last", () => {
    expect(data(options.deadlines)).toEqual([2, 1, 5]);
    expect(data(options.risk)).toEqual([1, 0, 1]);
    expect(data(options.systems)).toEqual([1, 4, 2]);
    expect(data(options.evaluations)).toEqual([3, 1, 1]);
  });
});
