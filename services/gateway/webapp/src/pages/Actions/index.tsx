// 业务办理: every action my roles may take that is not tied to one project (the expert pool, suppliers,
// budgets, the catalog, data operations…), grouped by service, each opening its form.
import { useMemo, useState } from "react";
import { Card, Collapse, Drawer, Empty, Grid, Input, List, Space, Typography } from "antd";
import { useAuth } from "../../components/auth";
import { useI18n } from "../../locales";
import { operationsFor, SERVICE_ORDER, type Operation } from "../../actions/operations";
import ActionForm from "../../components/ActionForm";

export default function Actions() {
  const { user } = useAuth();
  const { t } = useI18n();
  const narrow = !Grid.useBreakpoint().md;
  const [query, setQuery] = useState("");
  const [open, setOpen] = useState<Operation | null>(null);
  const ops = useMemo(() => operationsFor(user?.roles ?? [], "desk"), [user]);
  const shown = ops.filter((op) => !query || t(`op.${op.key}`).includes(query.trim()));
  const groups = SERVICE_ORDER.map((service) => ({ service, ops: shown.filter((op) => op.service === service) })).filter((g) => g.ops.length);
  return (
    <Space direction="vertical" size={16} style={{ width: "100%" }}>
      <Typography.Title level={3} style={{ margin: 0 }}>
        {t("actions.title")}
      </Typography.Title>
      <Typography.Text type="secondary">{t("actions.group.global")}</Typography.Text>
      <Input.Search placeholder={t("actions.search")} aria-label={t("actions.search")} allowClear onChange={(e) => setQuery(e.target.value)} style={{ maxWidth: 360 }} />
      <Card>
        {groups.length ? (
          <Collapse
            defaultActiveKey={groups.map((g) => g.service)}
            items={groups.map((group) => ({
              key: group.service,
              label: t(`service.${group.service}`),
              children: (
                <List
                  data-testid={`desk-${group.service}`}
                  dataSource={group.ops}
                  renderItem={(op) => (
                    <List.Item>
                      <Typography.Link onClick={() => setOpen(op)} data-op={op.key}>
                        {t(`op.${op.key}`)}
                      </Typography.Link>
                    </List.Item>
                  )}
                />
              ),
            }))}
          />
        ) : (
          <Empty />
        )}
      </Card>
      <Drawer open={Boolean(open)} onClose={() => setOpen(null)} width={narrow ? "100%" : 560} title={open ? t(`op.${open.key}`) : ""} destroyOnClose>
        {open && <ActionForm op={open} onDone={() => setOpen(null)} />}
      </Drawer>
    </Space>
  );
}
