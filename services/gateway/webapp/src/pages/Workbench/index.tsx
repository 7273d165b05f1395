// 工作台: my 待办 (overdue first, then by deadline), 已办 and 我的申报; each to-do opens the project at its action.
import { useEffect, useState } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { Alert, Badge, Card, Empty, Grid, List, Space, Table, Tabs, Tag, Typography } from "antd";
import { useAuth } from "../../components/auth";
import { useI18n } from "../../locales";
import {
  loadDone,
  loadMyApplications,
  loadMyProjects,
  loadTodos,
  type Application,
  type PortfolioProject,
  type TodoItem,
  type Todos,
} from "../../services/portfolio";
import { ApiProblem } from "../../services/api";
import { fenToWan } from "../../services/money";
import { problemTitle } from "../../services/problem";
import { stageText, todoActionText, todoHref } from "../../components/labels";

export default function Workbench() {
  const { user, hasRole } = useAuth();
  const { t, label } = useI18n();
  const narrow = !Grid.useBreakpoint().md;
  const [todos, setTodos] = useState<Todos | null>(null);
  const [mine, setMine] = useState<Application[] | null>(null);
  const [done, setDone] = useState<TodoItem[] | null>(null);
  const [projects, setProjects] = useState<PortfolioProject[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [params, setParams] = useSearchParams();

  useEffect(() => {
    if (!user) return;
    loadTodos(user)
      .then(setTodos)
      .catch((e) => setError(e instanceof ApiProblem ? problemTitle(e.problem, t) : String(e)));
    loadDone().then(setDone);
    if (hasRole("unit")) {
      loadMyApplications().then((page) => setMine(page.items)).catch(() => setMine([]));
      loadMyProjects().then(setProjects);
    }
  }, [user]); // eslint-disable-line react-hooks/exhaustive-deps

  if (!user) return null;
  const overdue = todos?.items.filter((item) => item.overdue).length ?? 0;
  // A secret project's title is withheld; a list that carries no titles (an expert's draws) shows the number.
  const titleOf = (item: TodoItem) => item.title ?? (item.secret ? t("common.hidden_title") : item.project_id);

  const todoList = narrow ? (
    <List
      data-testid="todo-list"
      dataSource={todos?.items ?? []}
      loading={!todos && !error}
      locale={{ emptyText: <Empty description={t("workbench.todo_empty")} /> }}
      renderItem={(item) => (
        <List.Item data-project={item.project_id} data-action={item.action}>
          <Link to={todoHref(item)} style={{ width: "100%", minWidth: 0 }}>
            <Space direction="vertical" size={2} style={{ width: "100%", minWidth: 0 }}>
              <Typography.Text strong ellipsis style={{ maxWidth: "100%" }}>
                {titleOf(item)}
              </Typography.Text>
              <Space wrap size={4}>
                <Tag color="blue">{todoActionText(label, t, item)}</Tag>
                {item.overdue && <Tag color="red">{t("common.overdue")}</Tag>}
                {item.due_on && <Typography.Text type="secondary">{t("common.due_on")} {item.due_on}</Typography.Text>}
              </Space>
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {item.unit ?? ""} {item.total_investment_fen != null ? `· ${fenToWan(item.total_investment_fen)} ${t("common.wan")}` : ""}
              </Typography.Text>
            </Space>
          </Link>
        </List.Item>
      )}
    />
  ) : (
    <Table<TodoItem>
      data-testid="todo-list"
      rowKey={(item) => `${item.project_id}:${item.service}:${item.action}:${item.role}`}
      dataSource={todos?.items ?? []}
      loading={!todos && !error}
      pagination={{ pageSize: 20, hideOnSinglePage: true }}
      locale={{ emptyText: <Empty description={t("workbench.todo_empty")} /> }}
      onRow={(item) => ({ "data-project": item.project_id, "data-action": item.action }) as React.HTMLAttributes<HTMLElement>}
      columns={[
        {
          title: t("workbench.col.project"),
          key: "project",
          render: (_, item) => (
            <Space direction="vertical" size={0}>
              <Link to={todoHref(item)}>{titleOf(item)}</Link>
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {item.project_id}
              </Typography.Text>
            </Space>
          ),
        },
        { title: t("workbench.col.unit"), dataIndex: "unit", key: "unit" },
        { title: t("workbench.col.stage"), key: "stage", render: (_, item) => stageText(label, item.service, item.stage, item.stage_label_zh) },
        {
          title: t("workbench.col.action"),
          key: "action",
          render: (_, item) => (
            <Link to={todoHref(item)}>
              <Tag color="blue">{todoActionText(label, t, item)}</Tag>
            </Link>
          ),
        },
        {
          title: t("workbench.col.due"),
          key: "due",
          render: (_, item) => (
            <Space size={4}>
              {item.due_on ?? "—"}
              {item.overdue && <Tag color="red">{t("common.overdue")}</Tag>}
            </Space>
          ),
        },
        {
          title: t("workbench.col.amount"),
          key: "amount",
          align: "right",
          render: (_, item) => fenToWan(item.total_investment_fen),
        },
      ]}
    />
  );

  const doneList = (
    <Table<TodoItem>
      data-testid="done-list"
      rowKey={(item) => `${item.project_id}:${item.service}:${item.action}:${item.role}:${item.closed_at}`}
      size="middle"
      dataSource={done ?? []}
      loading={done === null}
      pagination={{ pageSize: 20, hideOnSinglePage: true }}
      locale={{ emptyText: <Empty description={t("workbench.done_empty")} /> }}
      onRow={(item) => ({ "data-project": item.project_id, "data-action": item.action }) as React.HTMLAttributes<HTMLElement>}
      columns={[
        {
          title: t("workbench.col.project"),
          key: "project",
          render: (_, item) => <Link to={`/projects/${encodeURIComponent(item.project_id)}`}>{titleOf(item)}</Link>,
        },
        { title: t("workbench.col.done_action"), key: "action", render: (_, item) => <Tag>{todoActionText(label, t, item)}</Tag> },
        ...(narrow
          ? []
          : [
              { title: t("workbench.col.unit"), dataIndex: "unit", key: "unit" },
              { title: t("workbench.col.role"), key: "role", render: (_: unknown, item: TodoItem) => label(`role.${item.role}`, item.role ?? "") },
            ]),
        { title: t("workbench.col.closed_at"), key: "closed", render: (_, item) => (item.closed_at ? item.closed_at.slice(0, 10) : "—") },
      ]}
    />
  );

  const projectList = (
    <Table<PortfolioProject>
      data-testid="projects-list"
      rowKey="project_id"
      size="middle"
      dataSource={projects ?? []}
      loading={projects === null}
      pagination={{ pageSize: 20, hideOnSinglePage: true }}
      locale={{ emptyText: <Empty description={t("workbench.projects_empty")} /> }}
      columns={[
        {
          title: t("library.col.title"),
          key: "title",
          render: (_, row) => <Link to={`/projects/${encodeURIComponent(row.project_id)}`}>{row.title ?? t("common.hidden_title")}</Link>,
        },
        { title: t("workbench.col.stage"), key: "stage", render: (_, row) => <Tag color="geekblue">{label(`portfolio.stage.${row.stage}`, row.stage_label_zh)}</Tag> },
        ...(narrow
          ? []
          : [
              { title: t("library.col.amount"), key: "amount", align: "right" as const, render: (_: unknown, row: PortfolioProject) => fenToWan(row.money.total_investment_fen) },
              {
                title: t("workbench.col.due"),
                key: "due",
                render: (_: unknown, row: PortfolioProject) => (
                  <Space size={4}>
                    {row.next_due_on ?? "—"}
                    {row.overdue && <Tag color="red">{t("common.overdue")}</Tag>}
                  </Space>
                ),
              },
            ]),
      ]}
    />
  );

  const counted = (text: string, n: number | undefined, color = "#1677ff") => (
    <Space size={4}>
      {text}
      <Badge count={n ?? 0} showZero overflowCount={999} color={color} />
    </Space>
  );

  const mineList = (
    <Table<Application>
      data-testid="mine-list"
      rowKey="id"
      size="middle"
      dataSource={mine ?? []}
      loading={mine === null}
      pagination={{ pageSize: 20, hideOnSinglePage: true }}
      scroll={narrow ? undefined : undefined}
      locale={{ emptyText: <Empty description={t("workbench.mine_empty")} /> }}
      columns={[
        {
          title: t("library.col.title"),
          key: "title",
          render: (_, app) => <Link to={app.status === "draft" ? `/apply/${app.id}` : `/projects/${app.id}`}>{app.title ?? t("common.hidden_title")}</Link>,
        },
        ...(narrow
          ? []
          : [{ title: t("library.col.amount"), key: "amount", align: "right" as const, render: (_: unknown, app: Application) => fenToWan(app.total_investment_fen) }]),
        { title: t("library.col.status"), key: "status", render: (_, app) => <Tag>{label(`stage.intake.${app.status}`, app.status)}</Tag> },
      ]}
    />
  );

  return (
    <Space direction="vertical" size={16} style={{ width: "100%" }}>
      <Typography.Title level={3} style={{ margin: 0 }}>
        {t("workbench.greeting", { name: user.name })}
      </Typography.Title>
      {error && <Alert type="error" showIcon message={error} />}
      <Card>
        <Tabs
          activeKey={params.get("tab") ?? "todo"}
          onChange={(tab) => setParams(tab === "todo" ? {} : { tab }, { replace: true })}
          items={[
            {
              key: "todo",
              label: counted(t("workbench.todo"), todos?.items.length, overdue ? "#cf1322" : "#1677ff"),
              children: (
                <>
                  {overdue > 0 && <Alert type="warning" showIcon message={t("workbench.overdue_count", { n: overdue })} style={{ marginBottom: 12 }} />}
                  {todos?.counts?.by_role && Object.keys(todos.counts.by_role).length > 1 && (
                    <Space wrap style={{ marginBottom: 12 }} data-testid="todo-counts">
                      {Object.entries(todos.counts.by_role).map(([role, count]) => (
                        <Tag key={role}>
                          {label(`role.${role}`, role)} {count}
                        </Tag>
                      ))}
                    </Space>
                  )}
                  {todoList}
                </>
              ),
            },
            { key: "done", label: counted(t("workbench.done"), done?.length, "#8c8c8c"), children: doneList },
            ...(hasRole("unit")
              ? [
                  { key: "mine", label: counted(t("workbench.mine"), mine?.length, "#8c8c8c"), children: mineList },
                  { key: "projects", label: counted(t("workbench.projects"), projects?.length, "#8c8c8c"), children: projectList },
                ]
              : []),
          ]}
        />
      </Card>
    </Space>
  );
}
