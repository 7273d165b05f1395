// 登录: 「统一身份认证登录」 when the gateway has an identity provider (authorization code + PKCE, see
// services/oidc.ts); the seeded development users where the environment allows the dev sign-in.
import { useEffect, useState } from "react";
import { useLocation, useNavigate } from "react-router-dom";
import { Alert, Button, Card, Divider, Form, Input, Select, Typography } from "antd";
import { SafetyCertificateOutlined } from "@ant-design/icons";
import { listUsers, ApiProblem, type User } from "../../services/api";
import { useAuth } from "../../components/auth";
import { useI18n } from "../../locales";
import { problemTitle } from "../../services/problem";
import { authorizationUrl, loadOidcConfig, signInReason, type OidcConfig, type SignOutReason } from "../../services/oidc";

export default function Login() {
  const { t, language } = useI18n();
  const { signIn } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const [users, setUsers] = useState<User[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [oidc, setOidc] = useState<OidcConfig | null | undefined>(undefined);
  const [reason] = useState<SignOutReason | null>(() => signInReason.get());
  const from = (location.state as { from?: string } | null)?.from;
  const target = from && from !== "/login" ? from : "/workbench";

  useEffect(() => {
    loadOidcConfig().then(setOidc);
  }, []);
  // The dev users only where the gateway offers the dev sign-in (never with a provider in production).
  const devSignIn = oidc === null || Boolean(oidc?.dev_sign_in);
  useEffect(() => {
    if (devSignIn) listUsers().then(setUsers).catch(() => setUsers([]));
  }, [devSignIn]);

  const onFinish = async ({ username, password }: { username: string; password: string }) => {
    setBusy(true);
    setError(null);
    try {
      await signIn(username, password);
      signInReason.clear();
      navigate(target, { replace: true });
    } catch (e) {
      setError(e instanceof ApiProblem && e.status === 401 ? t("login.failed") : e instanceof ApiProblem ? problemTitle(e.problem, t) : String(e));
    } finally {
      setBusy(false);
    }
  };

  const startOidc = async () => {
    if (!oidc) return;
    setBusy(true);
    signInReason.clear();
    window.location.assign(await authorizationUrl(oidc, target, language));
  };

  return (
    <div style={{ minHeight: "100vh", display: "flex", alignItems: "center", justifyContent: "center", padding: 16, background: "#f5f5f5" }}>
      <Card style={{ width: "100%", maxWidth: 420 }}>
        <Typography.Title level={3} style={{ marginTop: 0 }}>
          {t("app.title")}
        </Typography.Title>
        {reason && (
          <Alert
            type={reason === "signed_out" ? "success" : "warning"}
            role="status"
            message={t(`login.reason.${reason}`)}
            showIcon
            style={{ marginBottom: 16 }}
            data-testid="sign-in-reason"
          />
        )}
        {oidc && (
          <>
            <Typography.Paragraph type="secondary">{t("login.oidc_hint")}</Typography.Paragraph>
            <Button type="primary" size="large" block icon={<SafetyCertificateOutlined />} loading={busy} onClick={startOidc}>
              {t("login.oidc")}
            </Button>
          </>
        )}
        {oidc && devSignIn && <Divider plain>{t("login.dev_divider")}</Divider>}
        {devSignIn && (
          <>
            {!oidc && <Typography.Paragraph type="secondary">{t("login.subtitle")}</Typography.Paragraph>}
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
              <Button type={oidc ? "default" : "primary"} htmlType="submit" block loading={busy}>
                {t("login.submit")}
              </Button>
            </Form>
          </>
        )}
      </Card>
    </div>
  );
}
