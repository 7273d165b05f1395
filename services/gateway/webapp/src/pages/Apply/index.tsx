// 新建申报 / 修改草稿: a unit's application with the amount in 万元 (元 shown, confirmation above 1亿元), the
// materials checklist from the jurisdiction's pack, every error at once under its field.
import { useEffect, useMemo, useRef, useState } from "react";
import { useNavigate, useParams } from "react-router-dom";
import dayjs from "dayjs";
import { Alert, App, Button, Card, Checkbox, Col, Form, Input, InputNumber, Row, Select, Space, Switch, Typography } from "antd";
import { useAuth } from "../../components/auth";
import { useI18n } from "../../locales";
import { api, ApiProblem, newIdempotencyKey, request } from "../../services/api";
import { fenToWan, fenToWanInput, fenToYuan, needsConfirmation, wanToFen } from "../../services/money";
import { explainProblem, wanFormField, type ExplainedProblem } from "../../services/problem";
import { loadPack, materialGroups, precheck, statedChoices, SUBMISSION_PRECHECK, type Decision, type Pack } from "../../services/policy";
import ProblemAlert, { CitationLink } from "../../components/ProblemAlert";
import { MoneyInput, moneyRule } from "../../components/MoneyInput";
import type { Application } from "../../services/portfolio";
import { choiceShown, detailsToSend, type Details } from "./details";

const CATEGORIES = ["digital_infrastructure", "data_resource", "application", "om", "other"];
const CONSTRUCTION_TYPES = ["new", "rebuild", "extend", "upgrade", "om"];
const MODES = ["self_build", "purchase_of_service"];
const JURISDICTIONS = ["dazhou", "quzhou", "jiyuan", "fengxian", "suqian"];
// responsible_leader: the leader the unit designates for the project (fengxian:第四条; other packs do not ask)
const DETAILS = ["basis", "content", "performance_goals", "implementation_reason", "funding_channels", "responsible_leader"] as const;

interface Values {
  unit: string;
  jurisdiction: string;
  title: string;
  category: string;
  construction_type: string;
  implementation_mode?: string;
  plan_year: number;
  total_investment_wan: string;
  secret: boolean;
  materials: string[];
  // the free-text details above, and the facts stated by a choice of the pack (fengxian's details.om_kind)
  details: Partial<Record<(typeof DETAILS)[number], string>> & Details;
}

export default function Apply() {
  const { projectId } = useParams();
  const { user } = useAuth();
  const { t, label, language } = useI18n();
  const { modal, message } = App.useApp();
  const navigate = useNavigate();
  const [form] = Form.useForm<Values>();
  const jurisdiction = Form.useWatch("jurisdiction", form) ?? "dazhou";
  const [pack, setPack] = useState<Pack | null>(null);
  const [problem, setProblem] = useState<ExplainedProblem | null>(null);
  const [busy, setBusy] = useState(false);
  const [draft, setDraft] = useState<Application | null>(null);
  const attempt = useRef({ key: newIdempotencyKey(), body: "" });

  useEffect(() => {
    loadPack(jurisdiction).then(setPack);
  }, [jurisdiction]);
  useEffect(() => {
    if (!projectId) return;
    api.get<Application & { details: Values["details"]; materials: string[]; category: string; construction_type: string; implementation_mode: string }>(`/api/intake/applications/${encodeURIComponent(projectId)}`).then((app) => {
      setDraft(app);
      form.setFieldsValue({
        unit: app.unit,
        jurisdiction: app.jurisdiction,
        title: app.title ?? "",
        category: app.category,
        construction_type: app.construction_type,
        implementation_mode: app.implementation_mode,
        plan_year: app.plan_year ?? new Date().getFullYear() + 1,
        total_investment_wan: fenToWanInput(app.total_investment_fen),
        secret: app.secret,
        materials: app.materials ?? [],
        details: app.details ?? {},
      });
    });
  }, [projectId, form]);

  const groups = useMemo(() => materialGroups(pack), [pack]);
  const stated = useMemo(() => statedChoices(pack, language === "en-US"), [pack, language]);

  // Known rules checked while the unit types (a dry run of the pack): late → 计划外, below the scope floor,
  // missing materials; warnings with citations, the submission itself is judged by the service.
  const watched = Form.useWatch([], form);
  const [warnings, setWarnings] = useState<Decision[]>([]);
  useEffect(() => {
    if (!pack || !watched) return;
    let fen: number | undefined;
    try {
      fen = watched.total_investment_wan ? wanToFen(watched.total_investment_wan) : undefined;
    } catch {
      fen = undefined;
    }
    if (fen === undefined || !watched.category || !watched.construction_type || !watched.plan_year) return;
    const facts = {
      total_investment_fen: fen,
      category: watched.category,
      construction_type: watched.construction_type,
      plan_year: watched.plan_year,
      materials: watched.materials ?? [],
      is_secret: Boolean(watched.secret),
    };
    const timer = window.setTimeout(() => {
      precheck(pack, facts, SUBMISSION_PRECHECK, dayjs().format("YYYY-MM-DD"))
        .then(setWarnings)
        .catch(() => setWarnings([]));
    }, 500);
    return () => window.clearTimeout(timer);
  }, [pack, watched]);
  const labels: Record<string, string> = {
    unit: t("field.unit"),
    jurisdiction: t("field.jurisdiction"),
    title: t("field.title"),
    category: t("field.category"),
    construction_type: t("field.construction_type"),
    implementation_mode: t("field.implementation_mode"),
    plan_year: t("field.plan_year"),
    total_investment_wan: t("apply.total_investment_wan"),
    secret: t("field.secret"),
    materials: t("field.materials"),
    ...Object.fromEntries(DETAILS.map((d) => [`details.${d}`, t(`apply.detail.${d}`)])),
    ...Object.fromEntries(
      stated.flatMap((choice) => [[`details.${choice.fact}`, label(`apply.detail.${choice.fact}`, choice.fact)], ...choice.confirmations.map((c) => [`details.${c.fact}`, c.label])]),
    ),
  };

  const save = async (values: Values, andSubmit: boolean) => {
    const body = {
      unit: values.unit,
      jurisdiction: values.jurisdiction,
      title: values.title,
      category: values.category,
      construction_type: values.construction_type,
      ...(values.implementation_mode ? { implementation_mode: values.implementation_mode } : {}),
      plan_year: values.plan_year,
      total_investment_fen: wanToFen(values.total_investment_wan),
      secret: Boolean(values.secret),
      materials: values.materials ?? [],
      details: detailsToSend(values.details, stated, values.category),
    };
    setBusy(true);
    setProblem(null);
    let id = draft?.id;
    try {
      if (!id) {
        const serialized = JSON.stringify(body);
        // The same values retried keep their Idempotency-Key (a retried create never makes two drafts).
        if (attempt.current.body !== serialized) attempt.current = { key: newIdempotencyKey(), body: serialized };
        const created = await api.post<Application>("/api/intake/applications", body, attempt.current.key);
        id = created.id;
        setDraft(created);
      } else {
        const { unit: _unit, jurisdiction: _jurisdiction, secret: _secret, ...changes } = body;
        await request("PATCH", `/api/intake/applications/${encodeURIComponent(id)}`, { body: changes });
      }
      if (andSubmit) await api.post(`/api/intake/applications/${encodeURIComponent(id)}/submit`);
      message.success(andSubmit ? t("apply.submitted") : t("apply.saved_draft"));
      navigate(`/projects/${encodeURIComponent(id)}`);
    } catch (error) {
      if (!(error instanceof ApiProblem)) throw error;
      const explained = explainProblem(error.problem, t, (apiField) => {
        const mapped = wanFormField(apiField);
        const top = mapped.split(".")[0];
        if (mapped.startsWith("details.")) return mapped;
        return top in labels ? top : null;
      });
      const byField: Record<string, string[]> = {};
      for (const item of explained.fields) if (item.formField) (byField[item.formField] ??= []).push(item.message);
      form.setFields(Object.entries(byField).map(([name, errors]) => ({ name: name.split(".") as never, errors })));
      setProblem(explained);
    } finally {
      setBusy(false);
    }
  };

  const submit = (andSubmit: boolean) => async () => {
    let values: Values;
    try {
      values = await form.validateFields();
    } catch {
      return; // antd shows every invalid field at once
    }
    const fen = wanToFen(values.total_investment_wan);
    if (needsConfirmation(fen)) {
      modal.confirm({
        title: t("money.large_title"),
        content: <span data-testid="large-amount">{t("money.large_body", { wan: fenToWan(fen), yuan: fenToYuan(fen) })}</span>,
        okText: t("money.large_ok"),
        cancelText: t("common.cancel"),
        onOk: () => save(values, andSubmit),
      });
      return;
    }
    await save(values, andSubmit);
  };

  const required = [{ required: true, message: t("problem.field.missing") }];
  return (
    <Space direction="vertical" size={16} style={{ width: "100%" }}>
      <Typography.Title level={3} style={{ margin: 0 }}>
        {projectId ? t("apply.edit_title") : t("apply.title")}
      </Typography.Title>
      {problem && <ProblemAlert explained={problem} formLabels={labels} />}
      {warnings.length > 0 && (
        <Alert
          type="warning"
          showIcon
          data-testid="precheck"
          message={t("apply.precheck_title")}
          description={
            <ul style={{ margin: 0, paddingInlineStart: 20 }}>
              {warnings.map((decision) => (
                <li key={decision.rule_id} data-rule={decision.rule_id}>
                  {language === "zh-CN" ? decision.message_zh : decision.message_en} <CitationLink citation={decision.citation} ruleId={decision.rule_id} article={decision.article} />
                </li>
              ))}
            </ul>
          }
        />
      )}
      <Form<Values>
        form={form}
        layout="vertical"
        data-testid="apply-form"
        scrollToFirstError
        initialValues={{ unit: user?.unit ?? "", jurisdiction: "dazhou", plan_year: new Date().getFullYear() + 1, secret: false, materials: [], details: {} }}
      >
        <Card title={t("apply.section.basic")} size="small" style={{ marginBottom: 16 }}>
          <Row gutter={16}>
            <Col xs={24} md={12}>
              <Form.Item name="unit" label={labels.unit} rules={required}>
                <Input readOnly={Boolean(user?.unit)} />
              </Form.Item>
            </Col>
            <Col xs={24} md={12}>
              <Form.Item name="jurisdiction" label={labels.jurisdiction} rules={required}>
                <Select options={JURISDICTIONS.map((j) => ({ value: j, label: t(`jurisdiction.${j}`) }))} disabled={Boolean(projectId)} />
              </Form.Item>
            </Col>
            <Col xs={24}>
              <Form.Item name="title" label={labels.title} rules={required}>
                <Input maxLength={200} />
              </Form.Item>
            </Col>
            <Col xs={24} md={8}>
              <Form.Item name="category" label={labels.category} rules={required}>
                <Select options={CATEGORIES.map((c) => ({ value: c, label: t(`category.${c}`) }))} />
              </Form.Item>
            </Col>
            <Col xs={24} md={8}>
              <Form.Item name="construction_type" label={labels.construction_type} rules={required}>
                <Select options={CONSTRUCTION_TYPES.map((c) => ({ value: c, label: t(`construction_type.${c}`) }))} />
              </Form.Item>
            </Col>
            <Col xs={24} md={8}>
              <Form.Item name="implementation_mode" label={labels.implementation_mode}>
                <Select allowClear options={MODES.map((m) => ({ value: m, label: t(`implementation_mode.${m}`) }))} />
              </Form.Item>
            </Col>
            <Col xs={24} md={8}>
              <Form.Item name="plan_year" label={labels.plan_year} rules={required}>
                <InputNumber min={2000} max={2100} style={{ width: "100%" }} />
              </Form.Item>
            </Col>
            <Col xs={24} md={8}>
              <Form.Item name="total_investment_wan" label={labels.total_investment_wan} required rules={[moneyRule(t, true)]} extra={t("apply.total_investment_hint")}>
                <MoneyInput />
              </Form.Item>
            </Col>
            <Col xs={24} md={8}>
              <Form.Item name="secret" label={labels.secret} valuePropName="checked">
                <Switch checkedChildren={t("common.yes")} unCheckedChildren={t("common.no")} disabled={Boolean(projectId)} />
              </Form.Item>
            </Col>
            {stated
              .filter((choice) => choiceShown(choice, watched?.category))
              .map((choice) => (
                <Col xs={24} key={choice.fact}>
                  <Row gutter={16}>
                    <Col xs={24} md={12}>
                      <Form.Item name={["details", choice.fact]} label={labels[`details.${choice.fact}`]} rules={required} extra={<CitationLink citation={choice.citation} ruleId={choice.ruleId} />}>
                        <Select options={choice.options} data-testid={`detail-${choice.fact}`} />
                      </Form.Item>
                    </Col>
                    {choice.confirmations
                      .filter((confirmation) => watched?.details?.[choice.fact] === confirmation.when)
                      .map((confirmation) => (
                        <Col xs={24} md={12} key={confirmation.fact}>
                          <Form.Item name={["details", confirmation.fact]} valuePropName="checked">
                            <Checkbox>{confirmation.label}</Checkbox>
                          </Form.Item>
                        </Col>
                      ))}
                  </Row>
                </Col>
              ))}
            {DETAILS.map((detail) => (
              <Col xs={24} key={detail}>
                <Form.Item name={["details", detail]} label={labels[`details.${detail}`]} rules={detail === "performance_goals" ? required : undefined}>
                  <Input.TextArea autoSize={{ minRows: 2, maxRows: 6 }} maxLength={4000} />
                </Form.Item>
              </Col>
            ))}
          </Row>
        </Card>
        <Card title={t("apply.section.materials")} size="small" style={{ marginBottom: 16 }}>
          <Form.Item name="materials" label={labels.materials}>
            <Checkbox.Group style={{ width: "100%" }}>
              <Space direction="vertical" style={{ width: "100%" }}>
                {groups.map((group, index) => (
                  <fieldset key={`${group.ruleId}-${index}`} className="materials-group" style={{ border: "1px solid #f0f0f0", borderRadius: 6, padding: 12, margin: 0 }}>
                    <legend style={{ fontSize: 13, padding: "0 4px", width: "auto", marginBottom: 0 }}>
                      {group.title} <CitationLink citation={group.citation} ruleId={group.ruleId} />
                    </legend>
                    <Space wrap>
                      {group.items.map((item) => (
                        <Checkbox key={item.kind} value={item.kind}>
                          {language === "zh-CN" ? item.zh : item.en}
                        </Checkbox>
                      ))}
                      <Button
                        size="small"
                        onClick={() => form.setFieldValue("materials", Array.from(new Set([...(form.getFieldValue("materials") ?? []), ...group.items.map((i) => i.kind)])))}
                      >
                        {t("apply.select_all")}
                      </Button>
                    </Space>
                  </fieldset>
                ))}
              </Space>
            </Checkbox.Group>
          </Form.Item>
        </Card>
        <Space wrap>
          <Button onClick={submit(false)} loading={busy}>
            {t("apply.save_draft")}
          </Button>
          <Button type="primary" onClick={submit(true)} loading={busy}>
            {t("apply.save_and_submit")}
          </Button>
        </Space>
      </Form>
    </Space>
  );
}
