// What the screens read from a jurisdiction's policy pack: the materials checklist, scope and
// priority lists, the reasons for not admitting. Rules are data, so the forms follow the pack.

import { api } from "./api.js";
import { CONSTRUCTION_TYPES } from "./format.js";

const cache = new Map();

/** The pack (with its rules) for a jurisdiction, or null when the policy API cannot give it. */
export function loadPack(jurisdiction) {
  if (!cache.has(jurisdiction)) {
    const loading = api.get(`/api/policy/packs/${encodeURIComponent(jurisdiction)}`).catch(() => {
      cache.delete(jurisdiction); // try again next time rather than remember a failure
      return null;
    });
    cache.set(jurisdiction, loading);
  }
  return cache.get(jurisdiction);
}

export function rule(pack, id) {
  return pack?.rules?.find((r) => r.id === id) ?? null;
}

/** Names of the facts a material case depends on, for "required when …" captions. */
export const CASE_FACTS = {
  construction_type: "建设性质",
  phased: "分期建设",
  off_plan: "计划外申报",
  category: "项目类别",
  new_data_center: "新建数据中心",
  includes_hardware: "含硬件设备采购",
};

function caseCaption(when) {
  if (!when) return "";
  const fact = CASE_FACTS[when.fact] ?? when.fact;
  if (when.op === "is_true") return `${fact}时须提供`;
  if (when.op === "equals") {
    const value = when.fact === "construction_type" ? CONSTRUCTION_TYPES[when.value] ?? when.value : when.value;
    return `${fact}为「${value}」时须提供`;
  }
  return `${fact} ${when.op} ${when.value ?? ""} 时须提供`;
}

/**
 * A checklist from the pack: one group per requirement rule of `stage` over the `fact` it is
 * supplied in, each with its citation, its always-required kinds, and its conditional cases.
 * → [{rule_id, citation, title, items: [{kind, label, en}], caption, when}]
 */
export function requirementGroups(pack, stage, fact) {
  const groups = [];
  for (const r of pack?.rules ?? []) {
    if (r.stage !== stage || r.params?.supplied_fact !== fact) continue;
    const labels = r.params.labels ?? {};
    const item = (kind) => ({ kind, label: labels[kind]?.zh ?? kind, en: labels[kind]?.en ?? "" });
    if (r.params.required?.length) {
      groups.push({ rule_id: r.id, citation: r.citation, title: r.title_zh, items: r.params.required.map(item), caption: "", when: null });
    }
    for (const c of r.params.cases ?? []) {
      groups.push({ rule_id: r.id, citation: r.citation, title: r.title_zh, items: (c.require ?? []).map(item), caption: caseCaption(c.when), when: c.when });
    }
  }
  return groups;
}

/** The application materials checklist (dazhou:第九条 and the packs' conditional materials). */
export function materialGroups(pack) {
  return requirementGroups(pack, "intake", "materials");
}

/** A material kind → its label in any of the pack's rules. */
export function materialLabel(pack, kind) {
  for (const group of materialGroups(pack)) {
    const found = group.items.find((i) => i.kind === kind);
    if (found) return found.label;
  }
  return kind;
}

/** Does a case apply to what the form says now? Unknown facts (phased, off_plan) count as "maybe". */
export function caseApplies(when, facts) {
  if (!when) return true;
  if (!(when.fact in facts)) return null;
  if (when.op === "equals") return facts[when.fact] === when.value;
  if (when.op === "is_true") return Boolean(facts[when.fact]);
  return null;
}

/** The pack's list rule over a fact (scope_items, priority_tags, intake_findings). */
export function listRule(pack, fact) {
  return pack?.rules?.find((r) => r.kind === "list" && r.params?.fact === fact) ?? null;
}
