// A page that throws shows a plain sentence and a way back, never a blank screen or a stack trace.
import { Component, type ReactNode } from "react";
import { Button, Result } from "antd";
import { useI18n } from "../locales";

function Fallback({ onReset }: { onReset: () => void }) {
  const { t } = useI18n();
  return (
    <Result
      status="warning"
      title={t("app.error_boundary")}
      extra={
        <Button type="primary" href="/workbench" onClick={onReset}>
          {t("app.back_home")}
        </Button>
      }
    />
  );
}

export default class ErrorBoundary extends Component<{ children: ReactNode }, { failed: boolean }> {
  state = { failed: false };
  static getDerivedStateFromError() {
    return { failed: true };
  }
  render() {
    return this.state.failed ? <Fallback onReset={() => this.setState({ failed: false })} /> : this.props.children;
  }
}
