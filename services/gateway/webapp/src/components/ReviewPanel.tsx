// What a leader needs before deciding: the joint review's opinions so far (Quzhou's 并联审核), the bureau's
// scheme-review opinion, the experts' scores and the approval chain.
import { Descriptions, Empty, Space, Steps, Tag, Typography } from "antd";
import ReactEChartsCoreModule from "echarts-for-react/lib/core";
import echarts from "../charts/echarts";
import { useI18n } from "../locales";
import { schemeScoresOption, type SchemeResult } from "../charts/schemeScores";
import { jointOpinionRows, waitingParties, type JointOpinion } from "./jointOpinions";

// The package is CommonJS: in the production build its default export arrives wrapped ({ default: … }), which
// React refused (「Minified React error #130」) the first time scores were shown to an approver.
const ReactEChartsCore = ((ReactEChartsCoreModule as unknown as { default?: typeof ReactEChartsCoreModule }).default ?? ReactEChartsCoreModule) as typeof ReactEChartsCoreModule;

export interface ReviewCase {
  project_id: string;
  stage: string;
  step?: string | null;
  scheme_result?: SchemeResult;
  steps?: { position: number; role: string; status: string; comment?: string | null; decided_by?: string | null }[];
  history?: { step: string; outcome: string; comment?: string | null; actor?: string | null; detail?: Record<string, unknown> | null }[];
  approval_letter_no?: string | null;
  approved_on?: string | null;
  total_investment_fen?: number | null;
  joint_opinions?: JointOpinion[];
  path_steps?: string[];
}

/** `panel`: the joint review's parties in the pack's words, where the page has the pack (the dossier), to name
 * the ones still to give their opinion. */
export default function ReviewPanel({ review, panel = [] }: { review: ReviewCase; panel?: { party: string; label: string }[] }) {
  const { t, label } = useI18n();
  const result = review.scheme_result ?? {};
  const option = schemeScoresOption(result, (code) => label(`dimension.${code}`, code));
  const opinions = (review.history ?? []).filter((record) => record.comment || record.outcome);
  const steps = [...(review.steps ?? [])].sort((a, b) => a.position - b.position);
  const current = steps.findIndex((step) => step.status === "pending");
  const joint = jointOpinionRows(review.joint_opinions, t, label);
  // a path without a scheme review (Quzhou's joint review) has no expert scores to wait for: no empty box
  const scoresExpected = !review.path_steps?.length || review.path_steps.includes("scheme_review");
  const hasScores = result.mean_total_score != null || Boolean(option);
  // who still owes an opinion, while the joint review is under way (admitted / in review at that step)
  const reviewing = review.step === "joint_review" && (review.stage === "admitted" || review.stage === "in_review");
  const waiting = reviewing ? waitingParties(panel, review.joint_opinions) : [];
  return (
    <Space direction="vertical" size={16} style={{ width: "100%" }} data-testid="review-panel">
      {(joint.length > 0 || review.step === "joint_review") && (
        <div data-testid="joint-opinions">
          <Typography.Title level={5}>{t("approvals.joint")}</Typography.Title>
          {joint.length ? (
            <Descriptions column={1} size="small" bordered>
              {joint.map((row) => (
                <Descriptions.Item key={row.key} label={row.who}>
                  <Space wrap data-party={row.party}>
                    <Tag color={row.agrees ? "green" : "red"}>{t(row.agrees ? "approvals.joint_agree" : "approvals.joint_disagree")}</Tag>
                    {row.comment && <span>{row.comment}</span>}
                    <Typography.Text type="secondary">{t("approvals.joint_at", { at: row.at })}</Typography.Text>
                  </Space>
                </Descriptions.Item>
              ))}
            </Descriptions>
          ) : (
            <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("approvals.joint_none")} />
          )}
          {waiting.length > 0 && (
            <Typography.Paragraph type="secondary" style={{ margin: "8px 0 0" }} data-testid="joint-waiting">
              {t("approvals.joint_waiting", { parties: waiting.join("、") })}
            </Typography.Paragraph>
          )}
        </div>
      )}
      <div data-testid="review-opinion">
        <Typography.Title level={5}>{t("approvals.opinion")}</Typography.Title>
        {opinions.length ? (
          <Descriptions column={1} size="small" bordered>
            {opinions.map((record, index) => (
              <Descriptions.Item key={index} label={label(`pathstep.${record.step}`, record.step)}>
                <Space wrap>
                  <Tag color={record.outcome === "passed" || record.outcome === "pass" ? "green" : record.outcome === "failed" || record.outcome === "fail" ? "red" : "blue"}>
                    {label(`outcome.${record.outcome}`, record.outcome)}
                  </Tag>
                  <span>{record.comment}</span>
                </Space>
              </Descriptions.Item>
            ))}
          </Descriptions>
        ) : (
          <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("approvals.no_opinion")} />
        )}
      </div>
      {(scoresExpected || hasScores) && (
        <div data-testid="review-scores">
          <Typography.Title level={5}>{t("approvals.scores")}</Typography.Title>
          {hasScores ? (
            <>
              <Space wrap>
                {result.mean_total_score != null && <Tag color="red">{t("approvals.average", { score: Math.round(result.mean_total_score * 100) / 100 })}</Tag>}
                {result.passed != null && <Tag color={result.passed ? "green" : "red"}>{label(`outcome.${result.passed ? "pass" : "fail"}`)}</Tag>}
              </Space>
              {option && <ReactEChartsCore echarts={echarts} option={option} style={{ height: 40 + 32 * Object.keys(result.dimension_means ?? {}).length, width: "100%" }} />}
            </>
          ) : (
            <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("approvals.no_scores")} />
          )}
        </div>
      )}
      {steps.length > 0 && (
        <div data-testid="approval-chain">
          <Typography.Title level={5}>{t("approvals.chain")}</Typography.Title>
          <Steps
            direction="vertical"
            size="small"
            current={current < 0 ? steps.length : current}
            items={steps.map((step) => ({
              title: t("approvals.step", { n: step.position, role: label(`role.${step.role}`, step.role) }),
              description: [label(`step.${step.status}`, step.status), step.comment].filter(Boolean).join(" · "),
              status: step.status === "approved" ? "finish" : step.status === "rejected" ? "error" : step.position === steps[current]?.position ? "process" : "wait",
            }))}
          />
        </div>
      )}
    </Space>
  );
}
