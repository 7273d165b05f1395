// 政策依据: one rule with its citation and the article's text, where every citation link leads. A rule's items
// (list items, amount bands, route cases) are quoted one by one; the item a decision cited (?item=) is marked
// and scrolled to (issue 19 §3).
import { useEffect, useRef, useState } from "react";
import { useNavigate, useParams, useSearchParams } from "react-router-dom";
import { Button, Card, Descriptions, List, Result, Spin, Tag, Typography } from "antd";
import { useI18n } from "../../locales";
import { loadRule, ruleItems, type PackRule } from "../../services/policy";
import { splitCitation } from "../../services/problem";

export default function Policy() {
  const { pack = "", ruleId = "" } = useParams();
  const [search] = useSearchParams();
  const cited = search.get("item");
  const { t, label, language } = useI18n();
  const navigate = useNavigate();
  const [rule, setRule] = useState<(PackRule & Record<string, unknown>) | null | undefined>(undefined);
  const marked = useRef<HTMLDivElement | null>(null);
  useEffect(() => {
    loadRule(pack, ruleId).then(setRule).catch(() => setRule(null));
  }, [pack, ruleId]);
  useEffect(() => {
    marked.current?.scrollIntoView?.({ block: "center" });
  }, [rule, cited]);
  if (rule === undefined) return <Spin />;
  if (rule === null) return <Result status="404" title={t("app.not_found")} />;
  const quote = (rule.quote ?? rule.quote_zh ?? rule.text_zh ?? "") as string;
  const cite = (citation: string) => `${label(`jurisdiction.${splitCitation(citation).pack}`, splitCitation(citation).pack)}${splitCitation(citation).article}`;
  const items = ruleItems(rule as PackRule & { params?: Record<string, unknown> });
  return (
    <Card title={t("policy.title")} extra={<Button onClick={() => navigate(-1)}>{t("policy.back")}</Button>} data-testid="policy-rule">
      <Descriptions column={1} bordered size="small" labelStyle={{ width: 96, whiteSpace: "nowrap" }}>
        <Descriptions.Item label={t("policy.pack")}>{label(`jurisdiction.${pack}`, pack)}</Descriptions.Item>
        <Descriptions.Item label={t("policy.rule")}>{(language === "zh-CN" ? rule.title_zh : rule.title_en) ?? rule.id}</Descriptions.Item>
        <Descriptions.Item label={t("policy.citation")}>{cite(rule.citation)}</Descriptions.Item>
        <Descriptions.Item label={t("policy.quote")}>
          <Typography.Paragraph style={{ whiteSpace: "pre-wrap", margin: 0 }}>{quote}</Typography.Paragraph>
        </Descriptions.Item>
      </Descriptions>
      {items.length > 0 && (
        <List
          style={{ marginTop: 16 }}
          header={<Typography.Text strong>{t("policy.items")}</Typography.Text>}
          bordered
          size="small"
          dataSource={items}
          renderItem={(item) => {
            const isCited = cited !== null && item.citation === cited;
            return (
              <List.Item
                key={item.key}
                id={`item-${item.key}`}
                data-citation={item.citation}
                data-cited={isCited ? "true" : undefined}
                style={isCited ? { background: "#fffbe6" } : undefined}
              >
                <div ref={isCited ? marked : undefined} style={{ width: "100%" }}>
                  <Typography.Text strong>{cite(item.citation)}</Typography.Text> {language === "zh-CN" ? item.label_zh : item.label_en}
                  {isCited && (
                    <Tag color="gold" style={{ marginInlineStart: 8 }}>
                      {t("policy.item_cited")}
                    </Tag>
                  )}
                  {item.quote && <Typography.Paragraph style={{ margin: "4px 0 0", whiteSpace: "pre-wrap" }}>{item.quote}</Typography.Paragraph>}
                </div>
              </List.Item>
            );
          }}
        />
      )}
    </Card>
  );
}
