// 政策依据: one rule with its citation and the article's text, where every citation link leads.
import { useEffect, useState } from "react";
import { useNavigate, useParams } from "react-router-dom";
import { Button, Card, Descriptions, Result, Spin, Typography } from "antd";
import { useI18n } from "../../locales";
import { loadRule, type PackRule } from "../../services/policy";
import { splitCitation } from "../../services/problem";

export default function Policy() {
  const { pack = "", ruleId = "" } = useParams();
  const { t, label, language } = useI18n();
  const navigate = useNavigate();
  const [rule, setRule] = useState<(PackRule & Record<string, unknown>) | null | undefined>(undefined);
  useEffect(() => {
    loadRule(pack, ruleId).then(setRule).catch(() => setRule(null));
  }, [pack, ruleId]);
  if (rule === undefined) return <Spin />;
  if (rule === null) return <Result status="404" title={t("app.not_found")} />;
  const quote = (rule.quote ?? rule.quote_zh ?? rule.text_zh ?? "") as string;
  return (
    <Card title={t("policy.title")} extra={<Button onClick={() => navigate(-1)}>{t("policy.back")}</Button>} data-testid="policy-rule">
      <Descriptions column={1} bordered size="small" labelStyle={{ width: 96, whiteSpace: "nowrap" }}>
        <Descriptions.Item label={t("policy.pack")}>{label(`jurisdiction.${pack}`, pack)}</Descriptions.Item>
        <Descriptions.Item label={t("policy.rule")}>{(language === "zh-CN" ? rule.title_zh : rule.title_en) ?? rule.id}</Descriptions.Item>
        <Descriptions.Item label={t("policy.citation")}>
          {label(`jurisdiction.${splitCitation(rule.citation).pack}`, splitCitation(rule.citation).pack)}
          {splitCitation(rule.citation).article}
        </Descriptions.Item>
        <Descriptions.Item label={t("policy.quote")}>
          <Typography.Paragraph style={{ whiteSpace: "pre-wrap", margin: 0 }}>{quote}</Typography.Paragraph>
        </Descriptions.Item>
      </Descriptions>
    </Card>
  );
}
