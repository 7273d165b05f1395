// /auth/callback: the provider sends the browser back here with the code; exchange it and go where the
// person was headed (their 工作台 by default). Any failure goes back to sign-in with a plain message.
import { useEffect, useRef } from "react";
import { useNavigate } from "react-router-dom";
import { Spin } from "antd";
import { useAuth } from "../../components/auth";
import { useI18n } from "../../locales";
import { completeSignIn, loadOidcConfig, signInReason } from "../../services/oidc";

export default function Callback() {
  const { t } = useI18n();
  const { signedIn } = useAuth();
  const navigate = useNavigate();
  const started = useRef(false); // StrictMode runs effects twice; a code can be exchanged only once

  useEffect(() => {
    if (started.current) return;
    started.current = true;
    (async () => {
      const config = await loadOidcConfig();
      if (!config) throw new Error("no provider");
      const { user, from } = await completeSignIn(config, window.location.search);
      signInReason.clear();
      signedIn(user);
      navigate(from, { replace: true });
    })().catch(() => {
      signInReason.set("failed");
      navigate("/login", { replace: true });
    });
  }, [navigate, signedIn]);

  return (
    <div style={{ minHeight: "100vh", display: "flex", alignItems: "center", justifyContent: "center" }}>
      <Spin size="large" tip={t("login.callback")}>
        <div style={{ width: 240, height: 80 }} />
      </Spin>
    </div>
  );
}
