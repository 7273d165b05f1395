// Money: the API speaks integer fen (or null when an amount is hidden, e.g. a secret project's); the
// forms speak 万元. Exact through BigInt, never a float.

export const FEN_PER_WAN = 1_000_000n; // 1万元 = 10,000元 = 1,000,000分
export const FEN_PER_YUAN = 100n;
const WAN_DECIMALS = 6;

export type AmountErrorCode = "required" | "negative" | "format" | "precision" | "too_large";

export class AmountError extends Error {
  constructor(readonly code: AmountErrorCode) {
    super(code);
  }
}

/** "350" / "350.5" / "1,200.00" (万元) → integer fen (350 → 350000000). */
export function wanToFen(text: string | number | null | undefined): number {
  const raw = String(text ?? "").trim().replace(/[,，\s]/g, "");
  if (raw === "") throw new AmountError("required");
  if (raw.startsWith("-")) throw new AmountError("negative");
  const match = /^(\d+)(?:\.(\d*))?$/.exec(raw);
  if (!match) throw new AmountError("format");
  const [, whole, frac = ""] = match;
  if (frac.length > WAN_DECIMALS) throw new AmountError("precision");
  const fen = BigInt(whole) * FEN_PER_WAN + BigInt(frac.padEnd(WAN_DECIMALS, "0"));
  if (fen > BigInt(Number.MAX_SAFE_INTEGER)) throw new AmountError("too_large");
  return Number(fen);
}

function group(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

function toBig(fen: number | string | bigint): bigint {
  if (typeof fen === "bigint") return fen;
  if (typeof fen === "number") return BigInt(Math.trunc(fen));
  return BigInt(fen.trim());
}

/** Whether a value from the API is an amount at all (null / undefined / "" are a hidden or absent amount). */
export function isAmount(fen: unknown): fen is number | string | bigint {
  if (fen === null || fen === undefined || fen === "") return false;
  if (typeof fen === "number") return Number.isFinite(fen);
  if (typeof fen === "string") return /^\s*-?\d+\s*$/.test(fen);
  return typeof fen === "bigint";
}

/** Integer fen → "3,500.00" (万元, two decimals, half-up); null → the `missing` text (a hidden amount never throws). */
export function fenToWan(fen: unknown, missing = "—"): string {
  if (!isAmount(fen)) return missing;
  let value = toBig(fen);
  const negative = value < 0n;
  if (negative) value = -value;
  const hundredths = (value * 100n + FEN_PER_WAN / 2n) / FEN_PER_WAN;
  return `${negative ? "-" : ""}${group((hundredths / 100n).toString())}.${(hundredths % 100n).toString().padStart(2, "0")}`;
}

/** Integer fen → "3,500,000.00" 元. */
export function fenToYuan(fen: unknown, missing = "—"): string {
  if (!isAmount(fen)) return missing;
  let value = toBig(fen);
  const negative = value < 0n;
  if (negative) value = -value;
  return `${negative ? "-" : ""}${group((value / FEN_PER_YUAN).toString())}.${(value % FEN_PER_YUAN).toString().padStart(2, "0")}`;
}

/** Integer fen → the exact 万元 string an input can hold ("350", "350.5"). */
export function fenToWanInput(fen: unknown): string {
  if (!isAmount(fen)) return "";
  const value = toBig(fen);
  const frac = (value % FEN_PER_WAN).toString().padStart(WAN_DECIMALS, "0").replace(/0+$/, "");
  return frac ? `${value / FEN_PER_WAN}.${frac}` : `${value / FEN_PER_WAN}`;
}

/** 1亿元 in fen: above this an amount typed in 万元 asks for confirmation (3500000 万元 meant as 元 is 350亿元). */
export const PLAUSIBLE_MAX_FEN = 10_000n * FEN_PER_WAN;

export function needsConfirmation(fen: number): boolean {
  return BigInt(fen) > PLAUSIBLE_MAX_FEN;
}

/** Sort key for amounts that may be hidden: hidden ones sort last. */
export function compareFen(a: unknown, b: unknown): number {
  const hasA = isAmount(a);
  const hasB = isAmount(b);
  if (!hasA || !hasB) return hasA ? -1 : hasB ? 1 : 0;
  const diff = toBig(a) - toBig(b);
  return diff < 0n ? -1 : diff > 0n ? 1 : 0;
}
