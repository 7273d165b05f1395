// 政策影响分析 (issue 19 §6): the bureau loads a new version of a jurisdiction's policy pack and sees which
// in-flight projects it changes — per project the rules whose decision changes, the old and the new decision
// with their citations, and whether the project stays under the old version or moves to the new one.
import { useState } from "react";
import { Link } from "react-router-dom";
import { Alert, Button, Card, DatePicker, Empty, Form, Input, Select, Space, Table, Tag, Typography, Upload } from "antd";
import type { Dayjs } from "dayjs";
import { useI18n } from "../../locales";
import { ApiProblem } from "../../services/api";
import { analyseImpact, mergeImpact, type ImpactDecision, type ImpactReport, type MergedProject } from "../../services/policy";
import { explainProblem, type ExplainedProblem } from "../../services/problem";
import ProblemAlert, { CitationLink } from "../../components/ProblemAlert";

const PACKS = ["dazhou", "quzhou", "jiyuan", "fengxian", "suqian"];
const OUTCOME_ZH: Record<string, string> = { pass: "符合", fail: "不符合", info: "" };

function DecisionCell({ decision, ruleId, pack }: { decision?: ImpactDecision | null; ruleId: string; pack: string }) {
  const { t, label } = useI18n();
  if (!decision) return <Typography.Text type="secondary">{t("impact.no_decision")}</Typography.Text>;
  const steps = Array.isArray(decision.value) && decision.value.every((v) => typeof v === "string") ? (decision.value as string[]) : null;
  return (
    <Space direction="vertical" size={2}>
      <span>
        {OUTCOME_ZH[decision.outcome] && <Tag color={decision.outcome === "fail" ? "red" : "green"}>{OUTCOME_ZH[decision.outcome]}</Tag>}
        <CitationLink citation={decision.citation} ruleId={ruleId} pack={pack} article={decision.article} />
      </span>
      {steps && <Typography.Text>{steps.map((step) => label(`role.${step}`, step)).join(" → ")}</Typography.Text>}
      {decision.message_zh && <Typography.Text type="secondary">{decision.message_zh}</Typography.Text>}
    </Space>
  );
}

export default function PolicyImpact() {
  const { t, label } = useI18n();
  const [pack, setPack] = useState("dazhou");
  const [candidate, setCandidate] = useState("");
  const [effective, setEffective] = useState<Dayjs | null>(null);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<ExplainedProblem | null>(null);
  const [reports, setReports] = useState<ImpactReport[] | null>(null);

  const run = async () => {
    setBusy(true);
    setProblem(null);
    try {
      setReports(await analyseImpact(pack, candidate, effective ? effective.format("YYYY-MM-DD") : null));
    } catch (error) {
      if (!(error instanceof ApiProblem)) throw error;
      setReports(null);
      setProblem(explainProblem(error.problem, t, () => null));
    } finally {
      setBusy(false);
    }
  };

  const projects = reports ? mergeImpact(reports) : [];
  const first = reports?.[0];
  const changedRules = first ? [...first.diff.changed.map((c) => c.rule_id), ...first.diff.added, ...first.diff.removed] : [];
  const examined = reports?.reduce((sum, report) => sum + report.examined, 0) ?? 0;

  return (
    <Space direction="vertical" size={16} style={{ width: "100%" }} data-testid="policy-impact">
      <Card title={t("impact.title")}>
        <Typography.Paragraph type="secondary">{t("impact.intro")}</Typography.Paragraph>
        <Form layout="vertical" onFinish={run}>
          <Form.Item label={t("impact.pack")} required>
            <Select value={pack} onChange={setPack} options={PACKS.map((id) => ({ value: id, label: label(`jurisdiction.${id}`, id) }))} style={{ maxWidth: 240 }} />
          </Form.Item>
          <Form.Item label={t("impact.candidate")} required extra={t("impact.candidate_help")}>
            <Space direction="vertical" style={{ width: "100%" }}>
              <Upload
                accept=".yaml,.yml"
                maxCount={1}
                showUploadList={false}
                beforeUpload={(file) => {
                  file.text().then(setCandidate);
                  return false; // read here, never uploaded anywhere
                }}
              >
                <Button>{t("impact.choose_file")}</Button>
              </Upload>
              <Input.TextArea value={candidate} onChange={(e) => setCandidate(e.target.value)} rows={8} maxLength={512 * 1024} aria-label={t("impact.candidate")} />
            </Space>
          </Form.Item>
          <Form.Item label={t("impact.effective_from")} extra={t("impact.effective_help")}>
            <DatePicker value={effective} onChange={setEffective} />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={busy} disabled={!candidate.trim()}>
            {t("impact.run")}
          </Button>
        </Form>
      </Card>
      {problem && <ProblemAlert explained={problem} />}
      {first && (
        <Card title={t("impact.result")}>
          <Space direction="vertical" style={{ width: "100%" }}>
            <Alert
              type={projects.length ? "warning" : "success"}
              showIcon
              message={t("impact.summary", { n: projects.length, examined, date: first.effective_from })}
              description={
                <span>
                  {t("impact.versions", { old: first.current_version, new: first.candidate_version })}
                  {changedRules.length > 0 && <> {t("impact.changed_rules")}{changedRules.join("、")}</>}
                  {reports?.some((r) => r.truncated) && <> {t("impact.truncated")}</>}
                </span>
              }
            />
            {projects.length === 0 ? (
              <Empty description={t("impact.none")} />
            ) : (
              <Table<MergedProject>
                rowKey="project_id"
                dataSource={projects}
                pagination={false}
                columns={[
                  {
                    title: t("impact.project"),
                    key: "project",
                    render: (_, row) => <Link to={`/projects/${encodeURIComponent(row.project_id)}`}>{row.project_id}</Link>,
                  },
                  {
                    title: t("impact.version"),
                    key: "version",
                    render: (_, row) =>
                      row.stays_under_old_version ? (
                        <Tag>{t("impact.stays")}</Tag>
                      ) : (
                        <Tag color="orange">{t("impact.moves", { date: row.moves_to_new_version_on ?? first.effective_from })}</Tag>
                      ),
                  },
                  {
                    title: t("impact.changes"),
                    key: "changes",
                    render: (_, row) => (
                      <Space direction="vertical" style={{ width: "100%" }}>
                        {row.changes.map((change) => (
                          <Card key={`${change.service}-${change.rule_id}`} size="small" title={`${change.title_zh}（${t(`impact.kind.${change.kind}`)}）`} data-rule={change.rule_id}>
                            <Space size={24} wrap align="start">
                              <div>
                                <Typography.Text strong>{t("impact.old")}</Typography.Text>
                                <div>
                                  <DecisionCell decision={change.old ?? change.stored} ruleId={change.rule_id} pack={pack} />
                                </div>
                              </div>
                              <div>
                                <Typography.Text strong>{t("impact.new")}</Typography.Text>
                                <div>
                                  {change.kind === "needs_facts" ? (
                                    <Typography.Text type="warning">{t("impact.needs_facts")}</Typography.Text>
                                  ) : (
                                    <DecisionCell decision={change.new} ruleId={change.rule_id} pack={pack} />
                                  )}
                                </div>
                              </div>
                              <div>
                                <Typography.Text strong>{t("impact.applies")}</Typography.Text>
                                <div>
                                  {change.applies === "old"
                                    ? t("impact.applies_old", { date: change.decided_on ?? "" })
                                    : t("impact.applies_new", { date: first.effective_from })}
                                </div>
                              </div>
                            </Space>
                          </Card>
                        ))}
                      </Space>
                    ),
                  },
                ]}
              />
            )}
          </Space>
        </Card>
      )}
    </Space>
  );
}
