// 项目档案: the project across its six stages — application, review (opinion, scores, approval chain),
// money, procurement, acceptance, catalog — its history with citations, and the actions my roles may take.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useParams, useSearchParams } from "react-router-dom";
import { Alert, Button, Card, Col, Descriptions, Drawer, Empty, Grid, Result, Row, Space, Spin, Statistic, Steps, Table, Tabs, Tag, Tooltip, Typography } from "antd";
import { useAuth } from "../../components/auth";
import { hasMessage, useI18n } from "../../locales";
import { api, ApiProblem, optional } from "../../services/api";
import { fenToWan, isAmount } from "../../services/money";
import { loadDossier, type PortfolioDossier } from "../../services/portfolio";
import { follow } from "../../services/refresh";
import { operationsFor, SERVICE_ORDER, type Operation } from "../../actions/operations";
import ActionForm from "../../components/ActionForm";
import ReviewPanel, { type ReviewCase } from "../../components/ReviewPanel";
import { jointPanel } from "../../components/jointOpinions";
import { CitationLink, fieldLabel } from "../../components/ProblemAlert";
import { problemTitle } from "../../services/problem";
import { eventText, stageText } from "../../components/labels";
import { loadPack, type Pack } from "../../services/policy";
import { blockerFor, type Blocker } from "../../services/blockers";
import stageTable from "../../actions/stages.json";
import { acceptanceItems, prescreenChoices, projectBound, stepsBeforeTrialRun } from "./placement";
import AttachmentsCard from "./Attachments";
import dayjs from "dayjs";

interface TimelineEntry {
  at: string;
  service: string;
  kind: "action" | "decision" | "deadline";
  action?: string;
  actor?: string;
  rule_id?: string;
  citation?: string;
  outcome?: string;
  message_zh?: string | null;
  message_en?: string | null;
  due_on?: string;
  status?: string;
}
interface Timeline {
  project_id: string;
  current: { service: string; stage: string | null } | null;
  stages: { service: string; reached: boolean; state: Record<string, unknown> | null }[];
  entries: TimelineEntry[];
  unavailable: string[];
}

/** The code a stage shows: intake's status is finer than its stage (draft/submitted vs application). */
function stageCode(service: string, state: Record<string, unknown> | null): string | null {
  if (!state) return null;
  return String((service === "intake" ? (state.status ?? state.stage) : (state.stage ?? state.status)) ?? "");
}

/** To-do actions (the read model's, from the packs' path steps) whose operation's path says it otherwise. */
const ACTION_PATHS: Record<string, string> = {
  prescreening: "prescreen",
  pre_acceptance_approval: "pre-acceptance",
  performance_acceptance: "acceptance",
  acceptance_application: "application",
  acceptance_organised: "organise",
  final_acceptance_application: "final-acceptance/application",
  contract: "contracts",
  tender: "tenders",
  control_price_review: "control-price/approval",
  // A drawn expert's to-do opens the score sheet (the jurisdictions that score a scheme review).
  expert_review: "scores",
  retire: "retirement",
};


/** The action a to-do names (`admit`, `technical_plan`, a path step) → the operation of that service for it. */
export function matchOperation(ops: Operation[], action: string | null, service?: string | null): Operation | undefined {
  if (!action) return undefined;
  const mine = service ? ops.filter((op) => op.service === service) : ops;
  const tail = (ACTION_PATHS[action] ?? action.replace(/_/g, "-")).toLowerCase();
  return mine.find((op) => op.path.endsWith(`/${tail}`)) ?? mine.find((op) => op.path.includes(`/${tail}`));
}

/** The stages from which each service lets a project action through, read from the services' own tables
 * (scripts/dump_stage_table.py writes it from each `domain.TRANSITIONS`). */
const STAGES = stageTable.operations as Record<string, { service: string; stages: string[] }>;

/** The stage code a service's state is in (intake's `status` is the one its table reads). */
function stageOf(service: string, state: Record<string, Record<string, unknown> | null>): string {
  const own = state[service];
  return String((service === "intake" ? (own?.status ?? own?.stage) : (own?.stage ?? own?.status)) ?? "");
}

export type Availability =
  | { ok: true }
  | { ok: false; reason: "not_reached" | "stage" | "no_open_tender"; code?: string; service: string; allowed?: string[] };

/** Whether an action can succeed now; if not, why (the project has not reached its stage, or is past it:
 * then the stages in which it can be taken). */
export function availability(op: Operation, state: Record<string, Record<string, unknown> | null>, beforeTrial: string[] = []): Availability {
  if (op.service !== "intake" && op.service !== "catalog" && !state[op.service]) return { ok: false, reason: "not_reached", service: op.service };
  // A system is retired once it is in the catalog; once every one is retired (下线), nothing more is done on one.
  const systems = (state.catalog?.systems as { state?: string }[] | undefined) ?? [];
  if (op.pathParams.includes("system_id") && !systems.length) {
    return { ok: false, reason: "not_reached", service: "catalog" };
  }
  if (op.pathParams.includes("system_id") && systems.every((system) => system.state === "retired")) {
    return { ok: false, reason: "stage", code: "retired", service: "catalog", allowed: ["in_catalog"] };
  }
  // A bid or an award is on a tender still open (published, not yet awarded).
  if (op.pathParams.includes("tender_id")) {
    const tenders = (state.procurement?.tenders as { award?: unknown; status?: string }[] | undefined) ?? [];
    if (!tenders.some((tender) => !tender.award && (tender.status ?? "open") === "open")) return { ok: false, reason: "no_open_tender", service: "procurement" };
  }
  // Acceptance routes start with the trial run, except the steps a route holds before it (Quzhou's 初验).
  const early = beforeTrial.some((step) => op.path.endsWith(`/${step.replace(/_/g, "-")}`));
  if (op.service === "acceptance" && !op.path.endsWith("/trial-run") && !early && state.acceptance?.stage === "contracted") {
    return { ok: false, reason: "stage", code: "contracted", service: "acceptance", allowed: STAGES[op.key]?.stages };
  }
  const need = STAGES[op.key];
  if (need && (need.service === "intake" || state[need.service])) {
    const code = stageOf(need.service, state);
    if (!need.stages.includes(code)) return { ok: false, reason: "stage", code, service: need.service, allowed: need.stages };
  }
  return { ok: true };
}

function sumFen(values: unknown[]): number | null {
  const amounts = values.filter(isAmount).map((v) => BigInt(v as number));
  return amounts.length ? Number(amounts.reduce((a, b) => a + b, 0n)) : null;
}

interface Tender {
  id: string;
  title: string;
  bid_deadline: string;
  award?: { id: string; supplier: string; amount_fen: number } | null;
}
interface CatalogSystem {
  id: string;
  name?: string | null;
  state: string;
  registered_on?: string;
  retired_on?: string | null;
  retirement_reason?: string | null;
}
interface MonthlyFigures {
  system_id: string;
  abnormal_since: string | null;
  zombie_since: string | null;
  figures: { month: string; usage_count: number; availability_bp: number }[];
}

/** The scheme review's scored dimensions (pack rule review.scheme_dimensions) as a score sheet's rows. */
function scoreDimensions(pack: Pack | null, english: boolean): { value: string; label: string }[] {
  const rule = pack?.rules.find((r) => r.id === "review.scheme_dimensions");
  const labels = rule?.params?.labels ?? {};
  return (rule?.params?.required ?? []).map((code) => ({ value: code, label: (english ? labels[code]?.en : labels[code]?.zh) ?? labels[code]?.zh ?? code }));
}

/** A system in the catalog: its state, and its monthly monitoring figures (每月监测), newest first. */
function SystemCard({ system, figures }: { system: CatalogSystem; figures?: MonthlyFigures }) {
  const { t, label } = useI18n();
  return (
    <Card size="small" title={system.name ?? system.id} data-testid="catalog-system" data-system={system.id} extra={<Tag data-testid="system-state">{stageText(label, "catalog", system.state)}</Tag>}>
      <Descriptions size="small" column={{ xs: 1, md: 3 }}>
        <Descriptions.Item label={t("project.system.registered_on")}>{system.registered_on ?? "—"}</Descriptions.Item>
        {system.retired_on ? <Descriptions.Item label={t("project.system.retired_on")}>{system.retired_on}</Descriptions.Item> : null}
        {system.retirement_reason ? (
          <Descriptions.Item label={t("project.system.retirement_reason")}>{label(`code.${system.retirement_reason}`, system.retirement_reason)}</Descriptions.Item>
        ) : null}
        {figures?.abnormal_since ? <Descriptions.Item label={t("project.system.abnormal_since")}>{figures.abnormal_since}</Descriptions.Item> : null}
        {figures?.zombie_since ? <Descriptions.Item label={t("project.system.zombie_since")}>{figures.zombie_since}</Descriptions.Item> : null}
      </Descriptions>
      <Typography.Text strong>{t("project.system.monitoring")}</Typography.Text>
      <Table
        data-testid="monitoring-figures"
        size="small"
        rowKey="month"
        dataSource={figures?.figures ?? []}
        pagination={{ pageSize: 12, hideOnSinglePage: true }}
        locale={{ emptyText: t("project.system.no_figures") }}
        columns={[
          { title: t("project.system.month"), dataIndex: "month", key: "month" },
          { title: t("project.system.usage"), dataIndex: "usage_count", key: "usage", align: "right", render: (n: number) => n.toLocaleString("zh-CN") },
          { title: t("project.system.availability"), dataIndex: "availability_bp", key: "availability", align: "right", render: (bp: number) => `${(bp / 100).toFixed(2)}%` },
        ]}
      />
    </Card>
  );
}

function StateDescriptions({ state, service }: { state: Record<string, unknown>; service: string }) {
  const { t, label } = useI18n();
  const scalars = Object.entries(state).filter(([, value]) => value !== null && value !== "" && ["string", "number", "boolean"].includes(typeof value));
  return (
    <Descriptions column={{ xs: 1, md: 2 }} size="small" bordered>
      {scalars.map(([key, value]) => (
        <Descriptions.Item key={key} label={fieldLabel(label, t, key)}>
          {key.endsWith("_fen") ? fenToWan(value) : typeof value === "boolean" ? t(value ? "common.yes" : "common.no") : key === "stage" || (key === "status" && service === "intake") ? stageText(label, service, String(value)) : key === "jurisdiction" ? label(`jurisdiction.${value}`, String(value)) : label(`code.${value}`, String(value))}
        </Descriptions.Item>
      ))}
    </Descriptions>
  );
}

export default function Project() {
  const { projectId = "" } = useParams();
  const [params, setParams] = useSearchParams();
  const { user } = useAuth();
  const { t, label, language } = useI18n();
  const narrow = !Grid.useBreakpoint().md;
  const [timeline, setTimeline] = useState<Timeline | null>(null);
  const [dossier, setDossier] = useState<PortfolioDossier | null>(null);
  const [error, setError] = useState<{ status: number; title: string } | null>(null);
  const [open, setOpen] = useState<Operation | null>(null);
  const [materials, setMaterials] = useState<{ items?: unknown[] } | unknown[] | null>(null);
  const [pack, setPack] = useState<Pack | null>(null);

  const load = useCallback(() => {
    setError(null);
    api
      .get<Timeline>(`/api/projects/${encodeURIComponent(projectId)}/timeline`)
      .then(setTimeline)
      .catch(async (e) => {
        // Intake owns the timeline and refuses roles it does not serve (a drawn expert, the procurement
        // centre): the page then shows the stages whose services let the caller in, and its actions there.
        if (e instanceof ApiProblem && e.status === 403) {
          const id = encodeURIComponent(projectId);
          const states = await Promise.all(
            SERVICE_ORDER.map((service) =>
              service === "intake" ? Promise.resolve(null) : api.get<Record<string, unknown>>(`/api/${service}/projects/${id}`).catch(() => null),
            ),
          );
          const stages = SERVICE_ORDER.map((service, index) => ({ service, reached: Boolean(states[index]), state: states[index] }));
          const last = [...stages].reverse().find((stage) => stage.state);
          if (last) {
            setTimeline({
              project_id: projectId,
              current: { service: last.service, stage: String(last.state?.stage ?? "") },
              stages,
              entries: [],
              unavailable: [],
            });
            return;
          }
        }
        setError(e instanceof ApiProblem ? { status: e.status, title: problemTitle(e.problem, t) } : { status: 0, title: String(e) });
      });
    loadDossier(projectId).then(setDossier);
    optional(api.get<unknown[]>(`/api/intake/applications/${encodeURIComponent(projectId)}/materials`)).then(setMaterials).catch(() => setMaterials(null));
  }, [projectId, t]);
  useEffect(load, [load]);

  // After an action or an upload: re-read now, then follow what other services and the read model make of
  // it (money, deadlines, a stage moved on an event) for a few seconds, so the page is current without a reload.
  const seen = useRef<{ timeline: Timeline | null; dossier: PortfolioDossier | null }>({ timeline: null, dossier: null });
  seen.current = { timeline, dossier };
  const stopFollowing = useRef<(() => void) | null>(null);
  useEffect(() => () => stopFollowing.current?.(), [projectId, user]);
  // Someone filling in the next action's form is not interrupted by the re-reads of the last one.
  useEffect(() => {
    if (open) stopFollowing.current?.();
  }, [open]);
  const refresh = useCallback(() => {
    load();
    stopFollowing.current?.();
    const stops = [
      follow(() => api.get<Timeline>(`/api/projects/${encodeURIComponent(projectId)}/timeline`), seen.current.timeline, setTimeline),
      follow(() => loadDossier(projectId), seen.current.dossier, setDossier),
    ];
    stopFollowing.current = () => stops.forEach((stop) => stop());
  }, [load, projectId]);
  const jurisdiction =
    (timeline?.stages.find((s) => s.service === "intake")?.state?.jurisdiction as string | undefined) ??
    (timeline?.stages.find((s) => s.state?.jurisdiction)?.state?.jurisdiction as string | undefined) ??
    dossier?.jurisdiction;
  useEffect(() => {
    if (jurisdiction) loadPack(jurisdiction).then(setPack);
  }, [jurisdiction]);

  const ops = useMemo(
    // an operation placed on one of the page's own cards ("#attachments") is offered there, not in the list
    () => [...operationsFor(user?.roles ?? [], "project"), ...operationsFor(user?.roles ?? [], "desk").filter(projectBound)].filter((op) => !op.page?.startsWith("#")),
    [user],
  );
  const [suppliers, setSuppliers] = useState<{ id: string; name: string }[]>([]);
  const [figures, setFigures] = useState<Record<string, MonthlyFigures>>({});
  const procurementReached = Boolean(timeline?.stages.find((s) => s.service === "procurement")?.state);
  const organiser = ops.some((op) => op.key === "procurement POST /api/procurement/tenders/{tender_id}/bids");
  useEffect(() => {
    if (procurementReached && organiser) {
      api.get<{ id: string; name: string }[]>("/api/procurement/suppliers").then(setSuppliers).catch(() => setSuppliers([]));
    }
  }, [procurementReached, organiser, open]);
  const systemIds = ((timeline?.stages.find((s) => s.service === "catalog")?.state?.systems as CatalogSystem[] | undefined) ?? []).map((system) => system.id).join(",");
  useEffect(() => {
    for (const id of systemIds ? systemIds.split(",") : []) {
      optional(api.get<MonthlyFigures>(`/api/catalog/systems/${encodeURIComponent(id)}/monitoring`))
        .then((answer) => answer && setFigures((known) => ({ ...known, [id]: answer })))
        .catch(() => undefined);
    }
  }, [systemIds]);
  const wanted = params.get("action");
  const wantedService = params.get("service");
  // Once per to-do link: the page refreshed after the action is done must not open it again, even if the
  // refreshed timeline arrives before the cleared address does (the life journeys saw the drawer come back).
  const openedFor = useRef<string | null>(null);
  useEffect(() => {
    const match = matchOperation(ops, wanted, wantedService);
    const link = `${projectId}:${wanted}:${wantedService}`;
    if (match && timeline && openedFor.current !== link) {
      openedFor.current = link;
      setOpen(match);
    }
  }, [wanted, wantedService, ops, timeline]); // eslint-disable-line react-hooks/exhaustive-deps

  // The to-do's action opens once; closed or done, a reload must not open it again.
  const closeAction = () => {
    setOpen(null);
    if (params.has("action")) setParams({}, { replace: true });
  };

  if (error) return <Result status={error.status === 404 ? "404" : "warning"} title={error.status === 404 ? t("project.not_found") : error.title} />;
  if (!timeline) return <Spin tip={t("app.loading")} />;

  const state = Object.fromEntries(timeline.stages.map((s) => [s.service, s.state])) as Record<string, Record<string, unknown> | null>;
  const intake = state.intake ?? {};
  const budget = state.budget ?? {};
  const procurement = state.procurement ?? {};
  const title =
    (intake.title as string | null) ??
    (Object.values(state).find((stage) => stage?.title)?.title as string | undefined) ??
    dossier?.title ??
    t("common.hidden_title");
  const currentIndex = SERVICE_ORDER.indexOf(timeline.current?.service ?? "");
  const contracts = (procurement.contracts as { id: string; supplier?: string | null; amount_fen?: number | null }[] | undefined) ?? [];
  // The owning service's state (read through the timeline) is current the moment an action returns; the
  // portfolio read model follows by events a moment later, so it only fills what the services do not show.
  const money = {
    approved: (budget.approved_investment_fen as number | null) ?? dossier?.money.approved_investment_fen ?? (intake.total_investment_fen as number | null),
    estimated: (budget.estimate_fen as number | null) ?? dossier?.money.estimate_fen,
    contracted: contracts.length ? sumFen(contracts.map((c) => c.amount_fen)) : dossier?.money.contracted_fen,
    released: (budget.released_fen as number | null) ?? dossier?.money.released_fen,
    paid: dossier?.money.paid_fen ?? null,
  };
  const cap = isAmount(money.estimated) ? money.estimated : money.approved;
  const remaining = isAmount(cap) ? Number(BigInt(cap as number) - BigInt(isAmount(money.released) ? (money.released as number) : 0)) : null;
  const beforeTrial = stepsBeforeTrialRun(pack);
  const tenders = (procurement.tenders as Tender[] | undefined) ?? [];
  const systems = ((state.catalog?.systems as CatalogSystem[] | undefined) ?? []).filter((system) => system.id);
  const dimensions = scoreDimensions(pack, language === "en-US");
  const itemKinds = acceptanceItems(pack, language === "en-US");
  const prescreen = prescreenChoices(pack, language === "en-US", t("actions.required_mark"));
  const currentCode = timeline.current ? stageCode(timeline.current.service, state[timeline.current.service]) ?? timeline.current.stage : null;

  // Actions the services would refuse today for a reason the page can already see (a date not reached,
  // a document not yet in): disabled, with the date or what is missing, and the article.
  const today = dayjs().format("YYYY-MM-DD");
  const blockers = new Map<string, Blocker>();
  for (const op of ops) {
    const blocker = blockerFor(op, state, pack, today, language === "en-US");
    if (blocker) blockers.set(op.key, blocker);
  }
  const blockerText = (blocker: Blocker) =>
    blocker.from
      ? t("project.blocked.from", { rule: blocker.title, date: blocker.from })
      : t("project.blocked.missing", { rule: blocker.title, missing: (blocker.missing ?? []).join("、") });
  const byService = SERVICE_ORDER.map((service) => ({ service, ops: ops.filter((op) => op.service === service) })).filter((g) => g.ops.length);
  const actionsCard = (
    <Card title={t("project.section.actions")} data-testid="actions" size="small">
      {byService.length ? (
        <Space direction="vertical" size={12} style={{ width: "100%" }}>
          {byService.map((group) => (
            <div key={group.service}>
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {t(`service.${group.service}`)}
              </Typography.Text>
              <div style={{ display: "flex", flexWrap: "wrap", gap: 8, marginTop: 4 }}>
                {group.ops.map((op) => {
                  const can = availability(op, state, beforeTrial);
                  const blocker = can.ok ? blockers.get(op.key) : undefined;
                  const reason = blocker
                    ? blockerText(blocker)
                    : can.ok
                      ? undefined
                      : can.reason === "not_reached"
                        ? t("project.action_disabled.not_reached", { service: t(`service.${can.service}`) })
                        : can.reason === "no_open_tender"
                          ? t("project.action_disabled.no_open_tender")
                          : can.allowed?.length
                            ? t("project.action_disabled.stage_when", {
                                stage: stageText(label, can.service, can.code),
                                allowed: can.allowed.map((code) => stageText(label, can.service, code)).join("、"),
                              })
                            : t("project.action_disabled.stage", { stage: stageText(label, can.service, can.code) });
                  const current = can.ok && !blocker && group.service === timeline.current?.service;
                  return (
                    <Tooltip key={op.key} title={reason}>
                      <Button size="small" type={current ? "primary" : "default"} ghost={current} disabled={!can.ok || Boolean(blocker)} onClick={() => setOpen(op)} data-op={op.key} aria-description={reason}>
                        {t(`op.${op.key}`)}
                      </Button>
                    </Tooltip>
                  );
                })}
              </div>
              {group.ops
                .filter((op) => blockers.has(op.key) && availability(op, state, beforeTrial).ok)
                .map((op) => {
                  const blocker = blockers.get(op.key)!;
                  return (
                    <Typography.Paragraph key={op.key} type="secondary" style={{ margin: "6px 0 0", fontSize: 12 }} data-testid="blocked-reason" data-op={op.key}>
                      {t(`op.${op.key}`)}：{blockerText(blocker)}{" "}
                      <CitationLink citation={blocker.citation} ruleId={blocker.ruleId} pack={blocker.pack} />
                    </Typography.Paragraph>
                  );
                })}
            </div>
          ))}
        </Space>
      ) : (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("project.no_actions")} />
      )}
    </Card>
  );

  const entryText = (entry: TimelineEntry) => {
    if (entry.kind === "deadline") return `${label(`event.deadline`)} · ${t("project.timeline.due", { date: entry.due_on ?? "" })}`;
    const base = eventText(label, t, entry.action, hasMessage);
    const message = language === "zh-CN" ? entry.message_zh : entry.message_en;
    return message ? `${base}：${message}` : base;
  };

  const tabs = [
    {
      key: "application",
      label: t("project.section.application"),
      children: (
        <Space direction="vertical" style={{ width: "100%" }}>
          <StateDescriptions state={intake} service="intake" />
          {materials && (
            <Descriptions size="small" column={1} bordered>
              <Descriptions.Item label={t("project.section.materials")}>
                {(Array.isArray(materials) ? materials : (materials.items ?? [])).map((m, i) => (
                  <Tag key={i}>{typeof m === "string" ? m : String((m as Record<string, unknown>).name ?? (m as Record<string, unknown>).kind ?? JSON.stringify(m))}</Tag>
                ))}
              </Descriptions.Item>
            </Descriptions>
          )}
        </Space>
      ),
    },
    { key: "review", label: t("project.section.review"), children: state.review ? <ReviewPanel review={state.review as unknown as ReviewCase} panel={jointPanel(pack, language === "en-US")} /> : <Empty description={t("project.stage.not_reached")} /> },
    ...(["budget", "procurement", "acceptance"] as const).map((service) => ({
      key: service,
      label: t(`service.${service}`),
      children: state[service] ? <StateDescriptions state={state[service]!} service={service} /> : <Empty description={t("project.stage.not_reached")} />,
    })),
    {
      key: "catalog",
      label: t("service.catalog"),
      children: state.catalog ? (
        <Space direction="vertical" style={{ width: "100%" }}>
          <StateDescriptions state={state.catalog} service="catalog" />
          {systems.map((system) => (
            <SystemCard key={system.id} system={system} figures={figures[system.id]} />
          ))}
        </Space>
      ) : (
        <Empty description={t("project.stage.not_reached")} />
      ),
    },
    {
      key: "timeline",
      label: t("project.section.timeline"),
      children: (
        <Table<TimelineEntry>
          data-testid="timeline"
          size="small"
          rowKey={(entry, index) => `${entry.at}-${index}`}
          dataSource={[...timeline.entries].reverse()}
          pagination={{ pageSize: 30, hideOnSinglePage: true }}
          locale={{ emptyText: t("project.timeline.empty") }}
          onRow={(entry) => ({ "data-action": entry.action ?? "", "data-rule": entry.rule_id ?? "", "data-kind": entry.kind }) as React.HTMLAttributes<HTMLElement>}
          columns={[
            { title: t("project.timeline.at"), dataIndex: "at", key: "at", width: 150, render: (at: string) => String(at).replace("T", " ").slice(0, 16) },
            { title: t("project.timeline.what"), key: "what", render: (_, entry) => <span className="wb-cell-wrap">{entryText(entry)}</span> },
            ...(narrow
              ? []
              : [
                  { title: t("project.timeline.who"), key: "who", render: (_: unknown, entry: TimelineEntry) => entry.actor ?? "" },
                  {
                    title: t("project.timeline.outcome"),
                    key: "outcome",
                    render: (_: unknown, entry: TimelineEntry) =>
                      entry.outcome ? <Tag color={entry.outcome === "pass" ? "green" : entry.outcome === "fail" ? "red" : "blue"}>{label(`outcome.${entry.outcome}`, entry.outcome)}</Tag> : entry.status ? <Tag>{label(`deadline.${entry.status}`, entry.status)}</Tag> : null,
                  },
                ]),
            { title: t("project.timeline.rule"), key: "rule", render: (_, entry) => (entry.citation ? <CitationLink citation={entry.citation} ruleId={entry.rule_id} /> : null) },
          ]}
        />
      ),
    },
  ];

  return (
    <Space direction="vertical" size={16} style={{ width: "100%" }} data-testid="dossier">
      <Card>
        <Space direction="vertical" size={4} style={{ width: "100%" }}>
          <Typography.Title level={3} style={{ margin: 0 }} data-testid="project-title">
            {title}
          </Typography.Title>
          <Space wrap>
            <Typography.Text type="secondary">{projectId}</Typography.Text>
            {intake.unit ? <Typography.Text type="secondary">{String(intake.unit)}</Typography.Text> : null}
            {intake.jurisdiction ? <Tag>{label(`jurisdiction.${intake.jurisdiction}`, String(intake.jurisdiction))}</Tag> : null}
            {timeline.current && (
              <Tag color="red" data-testid="current-stage">
                {t(`service.${timeline.current.service}`)} · {stageText(label, timeline.current.service, currentCode)}
              </Tag>
            )}
            {intake.status ? <Tag color="blue" data-testid="project-status">{label(`stage.intake.${intake.status}`, String(intake.status))}</Tag> : null}
          </Space>
        </Space>
      </Card>
      {timeline.unavailable.length > 0 && (
        <Alert type="warning" showIcon message={t("common.unavailable_services", { list: timeline.unavailable.map((s) => t(`service.${s}`)).join("、") })} />
      )}
      <Card size="small" title={t("project.stages")}>
        <Steps
          data-testid="stage-strip"
          direction={narrow ? "vertical" : "horizontal"}
          size="small"
          current={Math.max(currentIndex, 0)}
          items={timeline.stages.map((stage, index) => ({
            title: t(`service.${stage.service}`),
            status: index < currentIndex ? "finish" : index === currentIndex ? "process" : "wait",
            description: (
              <span data-service={stage.service} className="stage-state">
                {index <= currentIndex && stage.state ? stageText(label, stage.service, stageCode(stage.service, stage.state)) : index < currentIndex ? t("project.stage.done") : t("project.stage.not_reached")}
              </span>
            ),
          }))}
        />
      </Card>
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={16}>
          <Card size="small" title={t("project.section.money")} data-testid="money">
            <Row gutter={[16, 16]}>
              {(
                [
                  ["approved", money.approved],
                  ["estimated", money.estimated],
                  ["contracted", money.contracted],
                  ["released", money.released],
                  ["paid", money.paid],
                  ["remaining", remaining],
                ] as const
              ).map(([key, value]) => (
                <Col xs={12} md={8} key={key}>
                  <Statistic title={`${t(`project.money.${key}`)}（${t("common.wan")}）`} value={fenToWan(value)} valueStyle={{ fontSize: 18 }} />
                </Col>
              ))}
            </Row>
          </Card>
        </Col>
        <Col xs={24} lg={8}>
          {dossier?.deadlines?.length ? (
            <Card size="small" title={t("project.section.deadlines")}>
              {dossier.deadlines.map((deadline, index) => (
                <div key={index} style={{ marginBottom: 6 }}>
                  <Tag color={deadline.colour === "red" ? "red" : deadline.colour === "amber" ? "orange" : "green"}>{deadline.due_on}</Tag>
                  {deadline.description} <CitationLink citation={deadline.citation} ruleId={deadline.rule_id} />
                </div>
              ))}
            </Card>
          ) : null}
        </Col>
      </Row>
      {actionsCard}
      <AttachmentsCard projectId={projectId} owner={(intake.unit as string | undefined) ?? null} status={(intake.status as string | undefined) ?? null} user={user} onChange={refresh} />
      <Card size="small">
        <Tabs items={tabs} defaultActiveKey={timeline.current?.service === "review" ? "review" : "timeline"} />
      </Card>
      <Drawer open={Boolean(open)} onClose={closeAction} width={narrow ? "100%" : 560} title={open ? t(`op.${open.key}`) : ""} destroyOnClose>
        {open && (
          <ActionForm
            op={open}
            context={{ project_id: projectId }}
            suggestions={{
              contract_id: contracts.map((contract) => ({
                value: String(contract.id),
                label: `${contract.supplier ?? contract.id} · ${fenToWan(contract.amount_fen)} ${t("common.wan")}`,
              })),
              tender_id: tenders.map((tender) => ({ value: tender.id, label: `${tender.title} · ${t("common.due_on")} ${tender.bid_deadline}` })),
              supplier_id: suppliers.map((supplier) => ({ value: supplier.id, label: supplier.name })),
              award_id: tenders
                .filter((tender) => tender.award)
                .map((tender) => ({ value: tender.award!.id, label: `${tender.title} · ${tender.award!.supplier} · ${fenToWan(tender.award!.amount_fen)} ${t("common.wan")}` })),
              system_id: systems.map((system) => ({ value: system.id, label: system.name ?? system.id })),
              scores: dimensions,
              comments: dimensions,
              "items.kind": itemKinds.options,
              // 前置初审's panel and findings: boxes to tick (an organised acceptance's panel is rows, untouched)
              ...(open.path.endsWith("/prescreen") ? { panel: prescreen.panel, findings: prescreen.findings } : {}),
            }}
            // A deciding acceptance starts with a row per item the pack always requires, each to be marked
            // (初验 records a module; its items are whatever the unit adds).
            initialRows={open.service === "acceptance" && !open.path.endsWith("/preliminary-acceptance") ? { items: itemKinds.required.map((kind) => ({ kind, passed: false })) } : {}}
            onDone={() => {
              closeAction();
              refresh();
            }}
          />
        )}
      </Drawer>
    </Space>
  );
}
