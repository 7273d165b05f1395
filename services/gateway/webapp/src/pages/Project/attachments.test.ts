import { describe, expect, it } from "vitest";
import { attachmentRights, sizeText, ATTACHMENT_OPS, ACCEPT, UploadKeys, worthRetrying } from "./Attachments";
import { ApiProblem } from "../../services/api";
import { OPERATIONS } from "../../actions/operations";

const EDU = "达州市教育局";

describe("附件 rights", () => {
  it("lets the owning unit add and remove files only while the application is a draft", () => {
    const staff = { roles: ["unit"], unit: EDU };
    expect(attachmentRights(staff, EDU, "draft")).toEqual({ upload: true, remove: true });
    expect(attachmentRights(staff, EDU, "submitted")).toEqual({ upload: false, remove: false });
  });
  it("refuses another unit and roles that only read", () => {
    expect(attachmentRights({ roles: ["unit"], unit: "达州市卫生健康委员会" }, EDU, "draft")).toEqual({ upload: false, remove: false });
    expect(attachmentRights({ roles: ["finance"], unit: null }, EDU, "draft")).toEqual({ upload: false, remove: false });
    expect(attachmentRights(null, EDU, "draft")).toEqual({ upload: false, remove: false });
  });
  it("lets the bureau add its documents at any stage but delete only in a draft", () => {
    const bureau = { roles: ["data_bureau"], unit: null };
    expect(attachmentRights(bureau, EDU, "admitted")).toEqual({ upload: true, remove: false });
    expect(attachmentRights(bureau, EDU, "draft")).toEqual({ upload: true, remove: true });
  });
});

describe("附件 card", () => {
  it("shows sizes in plain units", () => {
    expect(sizeText(512)).toBe("512 B");
    expect(sizeText(2048)).toBe("2.0 KB");
    expect(sizeText(20 * 1024 * 1024)).toBe("20.0 MB");
  });
  it("offers the upload and delete operations the registry places on it, and the allowed types", () => {
    for (const key of ATTACHMENT_OPS) {
      expect(OPERATIONS.find((op) => op.key === key)?.page).toBe("#attachments");
    }
    expect(ACCEPT.split(",")).toEqual([".pdf", ".png", ".jpg", ".jpeg", ".docx", ".xlsx", ".doc", ".xls", ".ofd"]);
  });
});

describe("an upload's Idempotency-Key", () => {
  it("is fresh for each chosen file, the same when that file is retried, and fresh again once stored", () => {
    let n = 0;
    const keys = new UploadKeys(() => `k${++n}`);
    const report = { name: "可行性研究报告.pdf", size: 120, lastModified: 1 };
    const plan = { name: "方案.docx", size: 300, lastModified: 2 };
    expect(keys.keyFor(report)).toBe("k1");
    expect(keys.keyFor(plan)).toBe("k2");
    expect(keys.keyFor({ ...report })).toBe("k1"); // chosen again after a failure: the same key
    expect(keys.keyFor({ ...report, lastModified: 3 })).toBe("k3"); // edited since: another file
    keys.stored(report);
    expect(keys.keyFor(report)).toBe("k4"); // uploaded again on purpose: a new upload
  });

  it("is re-sent once when the answer was lost, not after a refusal", () => {
    expect(worthRetrying(new TypeError("Failed to fetch"))).toBe(true);
    expect(worthRetrying(new ApiProblem({ status: 503 }))).toBe(true);
    expect(worthRetrying(new ApiProblem({ status: 422 }))).toBe(false);
    expect(worthRetrying(new ApiProblem({ status: 409 }))).toBe(false);
  });
});
