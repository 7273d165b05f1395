import { describe, expect, it } from "vitest";
import { OPERATIONS, operationsFor } from "../../actions/operations";
import stageTable from "../../actions/stages.json";
import { availability } from ".";
import { hasMessage } from "../../locales";

const op = (key: string) => {
  const found = OPERATIONS.find((o) => o.key === key);
  if (!found) throw new Error(key);
  return found;
};
const TENDERS = "procurement POST /api/procurement/projects/{project_id}/tenders";
const BIDS = "procurement POST /api/procurement/tenders/{tender_id}/bids";
const AWARD = "procurement POST /api/procurement/tenders/{tender_id}/award";
const CONTRACT = "procurement POST /api/procurement/projects/{project_id}/contracts";
const SUBMIT = "intake POST /api/intake/applications/{project_id}/submit";
const RELEASE = "budget POST /api/budget/projects/{project_id}/releases";
const SURPLUS = "budget POST /api/budget/projects/{project_id}/surplus-return";

/** A project whose system is in the catalog: contracted, accepted, its one tender awarded long ago. */
const inCatalog = {
  intake: { status: "admitted" },
  review: { stage: "approved" },
  budget: { stage: "accepted" },
  procurement: { stage: "contracted", tenders: [{ id: "T-1", status: "awarded", award: { id: "A-1" } }] },
  acceptance: { stage: "accepted" },
  catalog: { systems: [{ id: "S-1", state: "in_use" }] },
};

describe("the project page offers an action only in the stages its service allows", () => {
  it("offers no tender, bid or award on a project in the catalog, and says why", () => {
    expect(availability(op(TENDERS), inCatalog)).toMatchObject({ ok: false, reason: "stage", code: "contracted", service: "procurement" });
    const tender = availability(op(TENDERS), inCatalog);
    expect(tender.ok === false && tender.allowed).toEqual(["estimate_approved", "plan_filed", "tendering", "awarded"]);
    expect(availability(op(BIDS), inCatalog)).toMatchObject({ ok: false, reason: "no_open_tender" });
    expect(availability(op(AWARD), inCatalog)).toMatchObject({ ok: false, reason: "no_open_tender" });
    // another lot's contract may still be registered, as the service allows
    expect(availability(op(CONTRACT), inCatalog)).toEqual({ ok: true });
  });

  it("offers nothing more on a system once every system of the project is retired", () => {
    const RETIRE = "catalog POST /api/catalog/systems/{system_id}/retirement";
    expect(availability(op(RETIRE), inCatalog)).toEqual({ ok: true });
    const retired = { ...inCatalog, catalog: { stage: "retired", systems: [{ id: "S-1", state: "retired" }] } };
    expect(availability(op(RETIRE), retired)).toMatchObject({ ok: false, reason: "stage", code: "retired", allowed: ["in_catalog"] });
  });

  it("offers bids and the award while a tender is open", () => {
    const tendering = { ...inCatalog, procurement: { stage: "tendering", tenders: [{ id: "T-2", status: "open", award: null }] } };
    expect(availability(op(BIDS), tendering)).toEqual({ ok: true });
    expect(availability(op(AWARD), tendering)).toEqual({ ok: true });
    expect(availability(op(TENDERS), tendering)).toEqual({ ok: true }); // a further lot
  });

  it("offers a tender once the estimate is approved, not before", () => {
    expect(availability(op(TENDERS), { procurement: { stage: "estimate_approved" } })).toEqual({ ok: true });
    expect(availability(op(TENDERS), { procurement: { stage: "terminated" } })).toMatchObject({ ok: false, code: "terminated" });
    expect(availability(op(TENDERS), { procurement: null })).toMatchObject({ ok: false, reason: "not_reached" });
  });

  it("reads intake's status, and the budget's stage for money", () => {
    expect(availability(op(SUBMIT), { intake: { status: "draft" } })).toEqual({ ok: true });
    expect(availability(op(SUBMIT), { intake: { status: "admitted" } })).toMatchObject({ ok: false, code: "admitted", allowed: ["draft"] });
    expect(availability(op(RELEASE), { budget: { stage: "closed" } })).toMatchObject({ ok: false, code: "closed" });
    expect(availability(op(SURPLUS), { budget: { stage: "estimate_approved" } })).toMatchObject({ ok: false, allowed: ["accepted"] });
    expect(availability(op(SURPLUS), { budget: { stage: "accepted" } })).toEqual({ ok: true });
  });

  it("holds a stage list for every project action of the stage services the page offers", () => {
    const table = stageTable.operations as Record<string, { service: string; stages: string[] }>;
    for (const key of Object.keys(table)) expect(OPERATIONS.some((o) => o.key === key), key).toBe(true);
    const roles = ["unit", "data_bureau", "finance", "procurement_center", "mayor", "office"];
    // the dossier's cards ('#attachments') decide their own offers, as the page does
    const projectOps = operationsFor(roles, "project").filter(
      (o) => o.service !== "catalog" && o.pathParams.includes("project_id") && !o.page?.startsWith("#"),
    );
    const uncovered = projectOps.filter((o) => !table[o.key]).map((o) => o.key);
    // these take no stage from the service's table (the rules decide), listed so a new one is a decision
    expect(uncovered.sort()).toEqual(KNOWN_WITHOUT_STAGE.sort());
  });
});

describe("the stages a disabled action names", () => {
  it("are all in the catalogue, so the reason reads in Chinese", () => {
    const unnamed = Object.values(stageTable.operations as Record<string, { service: string; stages: string[] }>)
      .flatMap(({ service, stages }) => stages.map((stage) => `stage.${service}.${stage}`))
      .filter((key) => !hasMessage(key));
    expect([...new Set(unnamed)]).toEqual([]);
  });
});

const KNOWN_WITHOUT_STAGE: string[] = [
  // decided on the adjustment it answers, whatever the project's stage
  "budget POST /api/budget/projects/{project_id}/adjustments/{adjustment_id}/decision",
  // the city–county split of the cost, recorded at any stage
  "budget PUT /api/budget/projects/{project_id}/shares",
  // a suspended project's rectification and resumption: the suspension, not the stage, decides
  "procurement POST /api/procurement/projects/{project_id}/rectification",
  "procurement POST /api/procurement/projects/{project_id}/resumption",
];
