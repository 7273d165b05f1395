// The routes: sign-in outside the shell, every other page inside it; each role lands on its 工作台.
import { lazy, Suspense } from "react";
import { Navigate, Route, Routes, useLocation } from "react-router-dom";
import { Result, Spin } from "antd";
import { useAuth } from "./components/auth";
import AppLayout from "./components/AppLayout";
import ErrorBoundary from "./components/ErrorBoundary";
import Login from "./pages/Login";
import Callback from "./pages/Login/Callback";
import Workbench from "./pages/Workbench";
import { useI18n } from "./locales";

const Library = lazy(() => import("./pages/Library"));
const Project = lazy(() => import("./pages/Project"));
const Apply = lazy(() => import("./pages/Apply"));
const Approvals = lazy(() => import("./pages/Approvals"));
const Actions = lazy(() => import("./pages/Actions"));
const Policy = lazy(() => import("./pages/Policy"));
const PolicyImpact = lazy(() => import("./pages/PolicyImpact"));
const Cockpit = lazy(() => import("./pages/Cockpit"));
const Notifications = lazy(() => import("./pages/Notifications"));
const Systems = lazy(() => import("./pages/Systems"));
const Findings = lazy(() => import("./pages/Findings"));
const DataOperations = lazy(() => import("./pages/DataOperations"));

function RequireUser({ children }: { children: JSX.Element }) {
  const { user } = useAuth();
  const location = useLocation();
  if (!user) return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  return children;
}

export default function App() {
  const { t } = useI18n();
  return (
    <Routes>
      <Route path="/login" element={<Login />} />
      <Route path="/auth/callback" element={<Callback />} />
      <Route
        element={
          <RequireUser>
            <AppLayout />
          </RequireUser>
        }
      >
        <Route index element={<Navigate to="/workbench" replace />} />
        <Route path="/workbench" element={<Workbench />} />
        {[
          ["/library", <Library />],
          ["/projects/:projectId", <Project />],
          ["/apply", <Apply />],
          ["/apply/:projectId", <Apply />],
          ["/approvals", <Approvals />],
          ["/actions", <Actions />],
          ["/policy/:pack/:ruleId", <Policy />],
          ["/policy-impact", <PolicyImpact />],
          ["/cockpit", <Cockpit />],
          ["/notifications", <Notifications />],
          ["/systems", <Systems />],
          ["/findings", <Findings />],
          ["/data-operations", <DataOperations />],
        ].map(([path, element]) => (
          <Route
            key={path as string}
            path={path as string}
            element={
              <ErrorBoundary>
                <Suspense fallback={<Spin tip={t("app.loading")} />}>{element}</Suspense>
              </ErrorBoundary>
            }
          />
        ))}
        <Route path="*" element={<Result status="404" title={t("app.not_found")} />} />
      </Route>
    </Routes>
  );
}
