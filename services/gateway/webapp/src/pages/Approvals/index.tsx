// 领导审批: the approvals waiting for my role; the opinion, scores and chain beside the decision. Works at 390 px.
import { useCallback, useEffect, useRef, useState } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { App, Alert, Button, Card, Descriptions, Empty, Form, Input, List, Radio, Space, Spin, Tag, Typography } from "antd";
import { useI18n } from "../../locales";
import { api, ApiProblem, newIdempotencyKey } from "../../services/api";
import { fenToWan } from "../../services/money";
import { explainProblem, problemTitle, type ExplainedProblem } from "../../services/problem";
import ReviewPanel, { type ReviewCase } from "../../components/ReviewPanel";
import ProblemAlert from "../../components/ProblemAlert";

interface Pending {
  project_id: string;
  unit: string;
  jurisdiction: string;
  title: string | null;
  total_investment_fen: number | null;
  role: string;
  position: number;
}

export default function Approvals() {
  const { t, label } = useI18n();
  const { message } = App.useApp();
  const [params, setParams] = useSearchParams();
  const selected = params.get("project");
  const [pending, setPending] = useState<Pending[] | null>(null);
  const [review, setReview] = useState<ReviewCase | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [problem, setProblem] = useState<ExplainedProblem | null>(null);
  const [busy, setBusy] = useState(false);
  const idempotencyKey = useRef(newIdempotencyKey());
  const [form] = Form.useForm();

  const loadPending = useCallback(() => {
    api
      .get<{ items: Pending[] }>("/api/review/approvals/pending")
      .then((answer) => setPending(answer.items))
      .catch((e) => setError(e instanceof ApiProblem ? problemTitle(e.problem, t) : String(e)));
  }, [t]);
  useEffect(loadPending, [loadPending]);
  useEffect(() => {
    setReview(null);
    setProblem(null);
    form.resetFields();
    if (selected) api.get<ReviewCase>(`/api/review/projects/${encodeURIComponent(selected)}`).then(setReview).catch(() => setReview(null));
  }, [selected, form]);

  const item = pending?.find((p) => p.project_id === selected);
  const decide = async ({ approve, comment }: { approve: boolean; comment?: string }) => {
    if (!selected) return;
    setBusy(true);
    setProblem(null);
    try {
      await api.post(`/api/review/projects/${encodeURIComponent(selected)}/approval`, { approve, comment: comment ?? "" }, idempotencyKey.current);
      idempotencyKey.current = newIdempotencyKey();
      message.success(t("approvals.decided"));
      setParams({});
      loadPending();
    } catch (e) {
      if (e instanceof ApiProblem) setProblem(explainProblem(e.problem, t));
      else throw e;
    } finally {
      setBusy(false);
    }
  };

  if (selected) {
    return (
      <Space direction="vertical" size={16} style={{ width: "100%" }} data-testid="approval-page">
        <Button onClick={() => setParams({})}>{t("policy.back")}</Button>
        <Card title={item?.title ?? review?.project_id ?? selected}>
          <Descriptions column={1} size="small">
            <Descriptions.Item label={t("library.col.id")}>
              <Link to={`/projects/${encodeURIComponent(selected)}`}>{selected}</Link>
            </Descriptions.Item>
            {item && <Descriptions.Item label={t("library.col.unit")}>{item.unit}</Descriptions.Item>}
            {item && <Descriptions.Item label={t("library.col.jurisdiction")}>{label(`jurisdiction.${item.jurisdiction}`, item.jurisdiction)}</Descriptions.Item>}
            <Descriptions.Item label={t("library.col.amount")}>{fenToWan(item?.total_investment_fen ?? review?.total_investment_fen, t("common.hidden_amount"))}</Descriptions.Item>
            {item && <Descriptions.Item label={t("approvals.chain")}>{t("approvals.step", { n: item.position, role: label(`role.${item.role}`, item.role) })}</Descriptions.Item>}
          </Descriptions>
        </Card>
        <Card>{review ? <ReviewPanel review={review} /> : <Spin />}</Card>
        <Card title={t("approvals.comment")}>
          {problem && (
            <div style={{ marginBottom: 12 }}>
              <ProblemAlert explained={problem} />
            </div>
          )}
          <Form form={form} layout="vertical" onFinish={decide} initialValues={{ approve: true }} data-testid="approval-form">
            <Form.Item name="approve" label={t("approvals.title")}>
              <Radio.Group
                optionType="button"
                buttonStyle="solid"
                options={[
                  { value: true, label: t("approvals.agree") },
                  { value: false, label: t("approvals.disagree") },
                ]}
              />
            </Form.Item>
            <Form.Item name="comment" label={t("approvals.comment")}>
              <Input.TextArea autoSize={{ minRows: 2, maxRows: 6 }} />
            </Form.Item>
            <Button type="primary" htmlType="submit" loading={busy} block>
              {t("common.submit")}
            </Button>
          </Form>
        </Card>
      </Space>
    );
  }

  return (
    <Space direction="vertical" size={16} style={{ width: "100%" }}>
      <Typography.Title level={3} style={{ margin: 0 }}>
        {t("approvals.title")}
      </Typography.Title>
      {error && <Alert type="error" showIcon message={error} />}
      <Card>
        <List
          data-testid="approvals-list"
          loading={pending === null && !error}
          dataSource={pending ?? []}
          locale={{ emptyText: <Empty description={t("approvals.empty")} /> }}
          renderItem={(row) => (
            <List.Item data-project={row.project_id}>
              <Link to={`/approvals?project=${encodeURIComponent(row.project_id)}`} style={{ width: "100%", minWidth: 0 }}>
                <Space direction="vertical" size={2} style={{ width: "100%", minWidth: 0 }}>
                  <Typography.Text strong ellipsis style={{ maxWidth: "100%" }}>
                    {row.title ?? t("common.hidden_title")}
                  </Typography.Text>
                  <Space wrap size={4}>
                    <Tag color="blue">{t("workbench.approve_step", { n: row.position })}</Tag>
                    <Typography.Text type="secondary">{row.unit}</Typography.Text>
                    <Typography.Text type="secondary">
                      {fenToWan(row.total_investment_fen, t("common.hidden_amount"))} {row.total_investment_fen != null ? t("common.wan") : ""}
                    </Typography.Text>
                  </Space>
                </Space>
              </Link>
            </List.Item>
          )}
        />
      </Card>
    </Space>
  );
}
