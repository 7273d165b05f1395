// A failed request shown in plain words: what went wrong, each field by its form label, each rule with its
// citation linking to the quoted article. No HTTP codes, no internal names.
import { Alert, Space, Typography } from "antd";
import { Link } from "react-router-dom";
import { useI18n } from "../locales";
import type { ExplainedProblem } from "../services/problem";
import { citationHref } from "../services/policy";
import { splitCitation } from "../services/problem";

export function fieldLabel(label: (key: string, fallback?: string) => string, t: (k: string) => string, apiField: string): string {
  const name = apiField.split(".")[0];
  const text = label(`field.${name}`, name.replace(/_/g, " "));
  return name.endsWith("_fen") ? `${text}（${t("common.wan")}）` : text;
}

/** A citation chip: names the item that decided (e.g. 达州第十条(二)), the whole article in its tooltip, and
 * links to the rule's page scrolled to that item's quoted words (issue 19 §3). */
export function CitationLink({
  citation,
  ruleId,
  pack,
  article: wholeArticle,
}: {
  citation: string;
  ruleId?: string;
  pack?: string | null;
  article?: string | null;
}) {
  const { t, label } = useI18n();
  const { pack: fromCitation, article } = splitCitation(citation);
  const packId = pack ?? fromCitation;
  const text = `${label(`jurisdiction.${packId}`, packId)}${article}`;
  const whole = wholeArticle && wholeArticle !== citation ? splitCitation(wholeArticle).article : null;
  const title = whole ? `${t("problem.cite_link")}（${t("policy.of_article")}${whole}）` : t("problem.cite_link");
  if (!ruleId || !packId) return <Typography.Text code>{text}</Typography.Text>;
  return (
    <Link to={citationHref(packId, ruleId, citation, wholeArticle)} title={title} className="cite" data-rule={ruleId} data-citation={citation}>
      {text}
    </Link>
  );
}

/** A rule's message names the facts it compared by their codes (「应不超过approved_estimate_fen(280万元)」):
 * each code the catalogue knows is read as its label. */
export function plainMessage(message: string, label: (key: string, fallback?: string) => string): string {
  return message.replace(/\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b/g, (code) => label(`field.${code}`, code));
}

export default function ProblemAlert({ explained, formLabels }: { explained: ExplainedProblem; formLabels?: Record<string, string> }) {
  const { t, label, language } = useI18n();
  const fieldText = (apiField: string, formField: string) => formLabels?.[formField] ?? fieldLabel(label, t, apiField);
  return (
    <Alert
      type="error"
      showIcon
      role="alert"
      data-testid="problem"
      message={explained.title}
      description={
        <Space direction="vertical" size={4} style={{ width: "100%" }}>
          {explained.general.map((line) => (
            <div key={line}>{line}</div>
          ))}
          {explained.fields.length > 0 && (
            <div>
              <Typography.Text strong>{t("problem.fields_heading")}</Typography.Text>
              <ul style={{ margin: "4px 0", paddingInlineStart: 20 }}>
                {explained.fields.map((field, index) => (
                  <li key={`${field.apiField}-${index}`} data-field={field.formField || field.apiField}>
                    {field.apiField ? `${fieldText(field.apiField, field.formField)}：` : ""}
                    {plainMessage(field.message, label)}
                  </li>
                ))}
              </ul>
            </div>
          )}
          {explained.violations.length > 0 && (
            <div>
              <Typography.Text strong>{t("problem.rules_heading")}</Typography.Text>
              <ul style={{ margin: "4px 0", paddingInlineStart: 20 }}>
                {explained.violations.map((violation) => (
                  <li key={violation.rule_id} data-rule={violation.rule_id}>
                    {plainMessage((language === "zh-CN" ? violation.message_zh : violation.message_en) ?? "", label)}{" "}
                    <CitationLink citation={violation.citation} ruleId={violation.rule_id} pack={violation.pack} article={violation.article} />
                  </li>
                ))}
              </ul>
            </div>
          )}
        </Space>
      }
    />
  );
}
