// The shell: menu (a drawer below 768 px), the header with who is signed in, the language switch and 退出.
import { useEffect, useState } from "react";
import { Outlet, useLocation, useNavigate } from "react-router-dom";
import { Badge, Button, Drawer, Grid, Input, Layout, Menu, Space, Tag, Typography } from "antd";
import {
  AlertOutlined,
  AppstoreOutlined,
  AuditOutlined,
  BarsOutlined,
  ClusterOutlined,
  BellOutlined,
  DashboardOutlined,
  DatabaseOutlined,
  DiffOutlined,
  FormOutlined,
  LogoutOutlined,
  MenuOutlined,
  ThunderboltOutlined,
  TranslationOutlined,
} from "@ant-design/icons";
import { LEADER_ROLES, LIBRARY_ROLES, useAuth } from "./auth";
import { useI18n } from "../locales";
import { loadTodos } from "../services/portfolio";
import { COCKPIT_ROLES } from "../pages/Cockpit/roles";
import { CATALOG_ROLES, DATA_OPERATION_ROLES, FINDING_ROLES } from "../pages/Systems/roles";
import { FEED_CHANGED, loadFeed } from "../pages/Notifications/feed";

/** How often the badge asks for the unread count (it also asks on every page change and after a mark-read). */
const FEED_POLL_MS = 20_000;

const { Header, Sider, Content, Footer } = Layout;

function Emblem() {
  return (
    <svg viewBox="0 0 32 32" width="28" height="28" aria-hidden="true" style={{ flex: "none" }}>
      <rect width="32" height="32" rx="6" fill="#b4232c" />
      <path d="M16 5.5l2.6 5.3 5.8.8-4.2 4.1 1 5.8L16 18.8l-5.2 2.7 1-5.8-4.2-4.1 5.8-.8z" fill="#f6d36b" />
      <rect x="7" y="23.5" width="18" height="2.6" rx="1.3" fill="#f6d36b" />
    </svg>
  );
}

export default function AppLayout() {
  const { user, signOut, hasRole } = useAuth();
  const { t, language, setLanguage } = useI18n();
  const screens = Grid.useBreakpoint();
  const narrow = !screens.md;
  const navigate = useNavigate();
  const location = useLocation();
  const [drawerOpen, setDrawerOpen] = useState(false);
  const [todoCount, setTodoCount] = useState(0);

  useEffect(() => {
    let live = true;
    if (user) loadTodos(user).then((todos) => live && setTodoCount(todos.items.length)).catch(() => undefined);
    return () => {
      live = false;
    };
  }, [user, location.pathname]);

  const [unread, setUnread] = useState(0);
  useEffect(() => {
    if (!user) return;
    let live = true;
    const count = () => loadFeed(undefined, 1).then((feed) => live && setUnread(feed.unread)).catch(() => undefined);
    count();
    const timer = window.setInterval(count, FEED_POLL_MS);
    window.addEventListener(FEED_CHANGED, count);
    return () => {
      live = false;
      window.clearInterval(timer);
      window.removeEventListener(FEED_CHANGED, count);
    };
  }, [user, location.pathname]);

  if (!user) return null;
  const items = [
    {
      key: "/workbench",
      icon: <AppstoreOutlined />,
      label: (
        <Space size={6}>
          {t("nav.workbench")}
          {todoCount > 0 && <Badge count={todoCount} size="small" aria-label={t("workbench.counts", { n: todoCount })} />}
        </Space>
      ),
    },
    hasRole(...LIBRARY_ROLES) && { key: "/library", icon: <DatabaseOutlined />, label: t("nav.library") },
    hasRole(...CATALOG_ROLES) && { key: "/systems", icon: <ClusterOutlined />, label: t("nav.systems") },
    hasRole(...FINDING_ROLES) && { key: "/findings", icon: <AlertOutlined />, label: t("nav.findings") },
    hasRole(...DATA_OPERATION_ROLES) && { key: "/data-operations", icon: <BarsOutlined />, label: t("nav.operations") },
    hasRole(...COCKPIT_ROLES) && { key: "/cockpit", icon: <DashboardOutlined />, label: t("nav.cockpit") },
    hasRole("unit") && { key: "/apply", icon: <FormOutlined />, label: t("nav.apply") },
    hasRole(...LEADER_ROLES) && { key: "/approvals", icon: <AuditOutlined />, label: t("nav.approvals") },
    { key: "/actions", icon: <ThunderboltOutlined />, label: t("nav.actions") },
    hasRole("data_bureau") && { key: "/policy-impact", icon: <DiffOutlined />, label: t("nav.policy_impact") },
    {
      key: "/notifications",
      icon: <BellOutlined />,
      label: (
        <Space size={6}>
          {t("nav.notifications")}
          {unread > 0 && <Badge count={unread} size="small" data-testid="nav-unread" />}
        </Space>
      ),
    },
  ].filter(Boolean) as { key: string; icon: JSX.Element; label: JSX.Element | string }[];
  const selected = items.find((item) => location.pathname.startsWith(item.key))?.key ?? "";
  const menu = (
    <Menu
      mode="inline"
      selectedKeys={[selected]}
      items={items}
      aria-label={t("nav.menu")}
      onClick={({ key }) => {
        setDrawerOpen(false);
        navigate(key);
      }}
      style={{ borderInlineEnd: 0 }}
    />
  );
  const roles = user.roles.map((role) => t(`role.${role}`)).join("、");
  const openProject = (value: string) => {
    const id = value.trim();
    if (id) navigate(`/projects/${encodeURIComponent(id)}`);
  };

  return (
    <Layout style={{ minHeight: "100vh" }}>
      <Header
        style={{
          display: "flex",
          alignItems: "center",
          gap: 12,
          padding: narrow ? "0 12px" : "0 24px",
          background: "#fff",
          borderBottom: "1px solid #f0f0f0",
          position: "sticky",
          top: 0,
          zIndex: 10,
          minWidth: 0,
        }}
      >
        {narrow && (
          <Button icon={<MenuOutlined />} aria-label={t("nav.open_menu")} onClick={() => setDrawerOpen(true)} />
        )}
        <a href="/workbench" onClick={(e) => (e.preventDefault(), navigate("/workbench"))} style={{ display: "flex", alignItems: "center", gap: 8, minWidth: 0 }}>
          <Emblem />
          {!narrow && (
            <Typography.Text strong style={{ fontSize: 16, whiteSpace: "nowrap" }}>
              {t("app.title")}
            </Typography.Text>
          )}
        </a>
        <div style={{ flex: 1, minWidth: 0 }} />
        {!narrow && (
          <div role="search" aria-label={t("nav.search_aria")} style={{ display: "flex", alignItems: "center" }}>
            <Input.Search
              placeholder={t("nav.search_placeholder")}
              aria-label={t("nav.search_aria")}
              enterButton={t("nav.search_button")}
              onSearch={openProject}
              style={{ width: 260 }}
            />
          </div>
        )}
        <Badge count={unread} size="small" overflowCount={99} data-testid="notification-badge" data-unread={unread}>
          <Button
            icon={<BellOutlined />}
            aria-label={unread ? t("nav.notifications_unread", { n: unread }) : t("nav.notifications")}
            onClick={() => navigate("/notifications")}
          />
        </Badge>
        <div data-testid="current-user" style={{ display: "flex", alignItems: "center", gap: 6, minWidth: 0, lineHeight: 1.3 }}>
          <div style={{ display: "flex", flexDirection: "column", minWidth: 0, alignItems: "flex-end" }}>
            <Typography.Text strong ellipsis style={{ maxWidth: narrow ? 120 : 220 }}>
              {user.name}
            </Typography.Text>
            <Typography.Text type="secondary" ellipsis style={{ fontSize: 12, maxWidth: narrow ? 120 : 260 }}>
              {roles}
              {user.unit ? ` · ${user.unit}` : ""}
            </Typography.Text>
          </div>
          {!narrow && <Tag color="red">{roles}</Tag>}
        </div>
        <Button
          icon={<TranslationOutlined />}
          aria-label={t("lang.switch_aria")}
          onClick={() => setLanguage(language === "zh-CN" ? "en-US" : "zh-CN")}
        >
          {narrow ? null : t("lang.switch")}
        </Button>
        <Button
          icon={<LogoutOutlined />}
          aria-label={t("header.sign_out")}
          onClick={() => {
            signOut();
            navigate("/login");
          }}
        >
          {narrow ? null : t("header.sign_out")}
        </Button>
      </Header>
      <Layout>
        {!narrow && (
          <Sider width={200} theme="light" style={{ borderInlineEnd: "1px solid #f0f0f0" }}>
            <nav aria-label={t("nav.menu")}>{menu}</nav>
          </Sider>
        )}
        {narrow && (
          <Drawer placement="left" open={drawerOpen} onClose={() => setDrawerOpen(false)} width={240} title={t("nav.menu")}>
            <nav aria-label={t("nav.menu")}>{menu}</nav>
            <div role="search" aria-label={t("nav.search_aria")} style={{ padding: 12 }}>
              <Input.Search
                placeholder={t("nav.search_placeholder")}
                aria-label={t("nav.search_aria")}
                enterButton={t("nav.search_button")}
                onSearch={(value) => {
                  setDrawerOpen(false);
                  openProject(value);
                }}
              />
            </div>
          </Drawer>
        )}
        <Layout style={{ minWidth: 0 }}>
          <Content style={{ padding: 24, minWidth: 0 }}>
            <div className="wb-page">
              <Outlet />
            </div>
          </Content>
          <Footer style={{ textAlign: "center", color: "#888", fontSize: 12, padding: "12px 16px" }}>{t("app.footer")}</Footer>
        </Layout>
      </Layout>
    </Layout>
  );
}
