// 消息提醒: new to-dos and deadlines approaching or overdue, newest first, unread ones marked; "全部标为已读"
// moves the reader's marker (the feed keeps one marker per reader, so read means "up to here").
import { useCallback, useEffect, useState } from "react";
import { Link } from "react-router-dom";
import { Alert, Badge, Button, Card, List, Space, Tag, Typography } from "antd";
import { useI18n } from "../../locales";
import { ApiProblem } from "../../services/api";
import { problemTitle } from "../../services/problem";
import { FEED_CHANGED, loadFeed, markRead, type Notification } from "./feed";

const KIND_COLOUR: Record<string, string> = { todo: "blue", deadline_approaching: "gold", deadline_overdue: "red" };

export default function Notifications() {
  const { t } = useI18n();
  const [items, setItems] = useState<Notification[] | null>(null);
  const [unread, setUnread] = useState(0);
  const [more, setMore] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const PAGE = 20;

  const fail = useCallback((e: unknown) => setError(e instanceof ApiProblem ? problemTitle(e.problem, t) : String(e)), [t]);

  const load = useCallback(() => {
    setError(null);
    loadFeed(undefined, PAGE)
      .then((feed) => {
        setItems(feed.items);
        setUnread(feed.unread);
        setMore(feed.items.length === PAGE);
      })
      .catch(fail);
  }, [fail]);

  useEffect(load, [load]);

  const older = () => {
    const last = items?.[items.length - 1];
    if (!last) return;
    loadFeed(last.id, PAGE)
      .then((feed) => {
        setItems((known) => [...(known ?? []), ...feed.items]);
        setMore(feed.items.length === PAGE);
      })
      .catch(fail);
  };

  const readAll = async () => {
    setBusy(true);
    try {
      const answer = await markRead();
      setUnread(answer.unread);
      setItems((known) => (known ?? []).map((item) => ({ ...item, read: item.read || item.id <= answer.read_up_to })));
      window.dispatchEvent(new Event(FEED_CHANGED));
    } catch (e) {
      fail(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Space direction="vertical" size={16} style={{ width: "100%" }}>
      <Space wrap style={{ justifyContent: "space-between", width: "100%" }}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t("notifications.title")}
        </Typography.Title>
        <Space wrap>
          <Typography.Text data-testid="notifications-unread">{t("notifications.unread", { n: unread })}</Typography.Text>
          <Button onClick={readAll} disabled={!unread} loading={busy} data-testid="mark-all-read">
            {t("notifications.mark_all")}
          </Button>
        </Space>
      </Space>
      {error && <Alert type="error" showIcon message={error} />}
      <Card size="small">
        <List<Notification>
          data-testid="notifications"
          loading={items === null && !error}
          dataSource={items ?? []}
          locale={{ emptyText: t("notifications.empty") }}
          renderItem={(item) => (
            <List.Item
              data-id={item.id}
              data-kind={item.kind}
              data-read={item.read ? "true" : "false"}
              actions={[
                <Link key="open" to={`/projects/${encodeURIComponent(item.project_id)}`}>
                  {t("notifications.open_project")}
                </Link>,
              ]}
            >
              <List.Item.Meta
                avatar={<Badge status={item.read ? "default" : "processing"} />}
                title={
                  <Space size={6} wrap>
                    <Tag color={KIND_COLOUR[item.kind]}>{t(`notifications.kind.${item.kind}`)}</Tag>
                    <Typography.Text strong={!item.read} style={{ overflowWrap: "anywhere" }}>
                      {item.text_zh}
                    </Typography.Text>
                  </Space>
                }
                description={`${new Date(item.created_at).toLocaleString("zh-CN", { hour12: false })}${item.read ? ` · ${t("notifications.read")}` : ""}`}
              />
            </List.Item>
          )}
        />
        {more && (
          <Button block onClick={older} style={{ marginTop: 8 }}>
            {t("common.load_more")}
          </Button>
        )}
      </Card>
    </Space>
  );
}
