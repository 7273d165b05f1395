// The joint review's opinions so far (并联审核, quzhou:三(二)1) as the leading office reads them before concluding:
// who (the party in plain words, an expert by name), agrees or not, the text, when.
import dayjs from "dayjs";
import type { Pack } from "../services/policy";

/** One opinion as review's case carries it (`joint_opinions`). */
export interface JointOpinion {
  party: string;
  expert_id?: string | null;
  expert_name?: string | null;
  agrees: boolean;
  comment: string;
  at: string;
}

export interface JointOpinionRow {
  key: string;
  party: string;
  who: string;
  agrees: boolean;
  comment: string;
  at: string;
}

type Label = (key: string, fallback?: string) => string;
type Translate = (key: string, vars?: Record<string, string | number>) => string;

/** "评审专家 张工"; a name recorded with the title already ("评审专家李工") is not titled twice. */
function expertName(opinion: JointOpinion, t: Translate): string {
  const name = (opinion.expert_name ?? opinion.expert_id ?? "").trim();
  const titled = t("approvals.joint_expert", { name: "" }).trim();
  return name.startsWith(titled) ? name : t("approvals.joint_expert", { name }).trim();
}

export function jointOpinionRows(opinions: JointOpinion[] | null | undefined, t: Translate, label: Label): JointOpinionRow[] {
  return [...(opinions ?? [])]
    .sort((a, b) => dayjs(a.at).valueOf() - dayjs(b.at).valueOf())
    .map((opinion) => ({
      key: opinion.expert_id ? `${opinion.party}:${opinion.expert_id}` : opinion.party,
      party: opinion.party,
      who: opinion.party === "expert" ? expertName(opinion, t) : label(`role.${opinion.party}`, opinion.party),
      agrees: opinion.agrees,
      comment: opinion.comment,
      at: dayjs(opinion.at).format("YYYY-MM-DD HH:mm"),
    }));
}

/** The joint review's panel in the pack's words (rule review.joint_review_panel: 业务需求单位, 市大数据局, …). */
export function jointPanel(pack: Pack | null, english = false): { party: string; label: string }[] {
  const rule = pack?.rules.find((candidate) => candidate.id === "review.joint_review_panel");
  const labels = rule?.params?.labels ?? {};
  return (rule?.params?.required ?? []).map((party) => ({ party, label: (english ? labels[party]?.en : labels[party]?.zh) ?? labels[party]?.zh ?? party }));
}

/** The panel's parties with no opinion yet (the experts count as heard once one of them has given theirs). */
export function waitingParties(panel: { party: string; label: string }[], opinions: JointOpinion[] | null | undefined): string[] {
  const heard = new Set((opinions ?? []).map((opinion) => opinion.party));
  return panel.filter((member) => !heard.has(member.party)).map((member) => member.label);
}
