// 登录: pick a seeded development user (the gateway's dev sign-in) and type the password.
import { useEffect, useState } from "react";
import { useLocation, useNavigate } from "react-router-dom";
import { Alert, Button, Card, Form, Input, Select, Typography } from "antd";
import { listUsers, ApiProblem, type User } from "../../services/api";
import { useAuth } from "../../components/auth";
import { useI18n } from "../../locales";
import { problemTitle } from "../../services/problem";

export default function Login() {
  const { t } = useI18n();
  const { signIn } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const [users, setUsers] = useState<User[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    listUsers().then(setUsers).catch(() => setUsers([]));
  }, []);

  const onFinish = async ({ username, password }: { username: string; password: string }) => {
    setBusy(true);
    setError(null);
    try {
      await signIn(username, password);
      const from = (location.state as { from?: string } | null)?.from;
      navigate(from && from !== "/login" ? from : "/workbench", { replace: true });
    } catch (e) {
      setError(e instanceof ApiProblem && e.status === 401 ? t("login.failed") : e instanceof ApiProblem ? problemTitle(e.problem, t) : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div style={{ minHeight: "100vh", display: "flex", alignItems: "center", justifyContent: "center", padding: 16, background: "#f5f5f5" }}>
      <Card style={{ width: "100%", maxWidth: 420 }}>
        <Typography.Title level={3} style={{ marginTop: 0 }}>
          {t("app.title")}
        </Typography.Title>
        <Typography.Paragraph type="secondary">{t("login.subtitle")}</Typography.Paragraph>
        {error && <Alert type="error" role="alert" message={error} showIcon style={{ marginBottom: 16 }} />}
        <Form layout="vertical" onFinish={onFinish} data-testid="login-form">
          <Form.Item name="username" label={t("login.username")} rules={[{ required: true, message: t("login.pick_user") }]}>
            <Select
              showSearch
              optionFilterProp="search"
              placeholder={t("login.pick_user")}
              options={users.map((user) => ({
                value: user.username,
                // the account name is typed too, so a user can be found by it
                search: `${user.username} ${user.name}`,
                label: `${user.name}（${user.roles.map((role) => t(`role.${role}`)).join("、")}）`,
              }))}
            />
          </Form.Item>
          <Form.Item name="password" label={t("login.password")} rules={[{ required: true, message: t("login.enter_password") }]}>
            <Input.Password autoComplete="current-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" block loading={busy}>
            {t("login.submit")}
          </Button>
        </Form>
      </Card>
    </div>
  );
}
