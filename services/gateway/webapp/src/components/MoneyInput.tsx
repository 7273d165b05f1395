// An amount typed in 万元 with its 元 equivalent under it; the form holds the typed text, the caller converts with wanToFen.
import { Input, Typography } from "antd";
import { useI18n } from "../locales";
import { AmountError, fenToYuan, wanToFen } from "../services/money";

export function MoneyInput({ value, onChange, id, ...rest }: { value?: string; onChange?: (value: string) => void; id?: string; "aria-label"?: string }) {
  const { t } = useI18n();
  let equivalent = "";
  try {
    if (value) equivalent = t("money.equivalent", { yuan: fenToYuan(wanToFen(value)) });
  } catch {
    equivalent = "";
  }
  return (
    <div>
      <Input id={id} inputMode="decimal" value={value} onChange={(e) => onChange?.(e.target.value)} addonAfter={t("common.wan")} {...rest} />
      <Typography.Text type="secondary" style={{ fontSize: 12 }} data-testid="yuan-equivalent">
        {equivalent}
      </Typography.Text>
    </div>
  );
}

/** A form rule: the typed text must be an amount in 万元 (the server judges its range, with citations). */
export function moneyRule(t: (key: string) => string, required: boolean) {
  return {
    validator: async (_: unknown, value: string | undefined) => {
      if (!value || !String(value).trim()) {
        if (required) throw new Error(t("money.error.required"));
        return;
      }
      try {
        wanToFen(value);
      } catch (error) {
        throw new Error(t(`money.error.${error instanceof AmountError ? error.code : "format"}`));
      }
    },
  };
}
