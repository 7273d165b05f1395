// 工作台: my 待办 (overdue first, then by deadline), 已办 and 我的申报; each to-do opens the project at its action.
import { useEffect, useState } from "react";
import { Link } from "react-router-dom";
import { Alert, Badge, Card, Empty, Grid, List, Space, Table, Tabs, Tag, Typography } from "antd";
import { useAuth } from "../../components/auth";
import { useI18n } from "../../locales";
import { loadMyApplications, loadTodos, type Application, type TodoItem, type Todos } from "../../services/portfolio";
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
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!user) return;
    loadTodos(user)
      .then(setTodos)
      .catch((e) => setError(e instanceof ApiProblem ? problemTitle(e.problem, t) : String(e)));
    if (hasRole("unit")) loadMyApplications().then((page) => setMine(page.items)).catch(() => setMine([]));
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
          items={[
            {
              key: "todo",
              label: (
                <Space size={4}>
                  {t("workbench.todo")}
                  <Badge count={todos?.items.length ?? 0} showZero color={overdue ? "#cf1322" : "#1677ff"} />
                </Space>
              ),
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
            { key: "done", label: t("workbench.done"), children: <Empty description={t("workbench.done_empty")} /> },
            ...(hasRole("unit") ? [{ key: "mine", label: t("workbench.mine"), children: mineList }] : []),
          ]}
        />
      </Card>
    </Space>
  );
}
