// Entry point: language and Ant Design locale, the signed-in user, and the routes.
import { StrictMode, useEffect } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router-dom";
import { App as AntApp, ConfigProvider } from "antd";
import zhCN from "antd/locale/zh_CN";
import enUS from "antd/locale/en_US";
import dayjs from "dayjs";
import "dayjs/locale/zh-cn";
import { I18nProvider, useI18n } from "./locales";
import { AuthProvider } from "./components/auth";
import { watchAria } from "./components/ariaLabels";
import App from "./App";
import "./global.css";

function Themed() {
  const { language, t } = useI18n();
  dayjs.locale(language === "zh-CN" ? "zh-cn" : "en");
  // The library's own English screen-reader labels (the number inputs' step buttons) in the chosen language.
  useEffect(() => watchAria(t), [t]);
  return (
    <ConfigProvider
      locale={language === "zh-CN" ? zhCN : enUS}
      theme={{ token: { colorPrimary: "#b4232c", borderRadius: 6, fontSize: 14 } }}
    >
      <AntApp>
        <AuthProvider>
          <App />
        </AuthProvider>
      </AntApp>
    </ConfigProvider>
  );
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <BrowserRouter>
      <I18nProvider>
        <Themed />
      </I18nProvider>
    </BrowserRouter>
  </StrictMode>,
);
