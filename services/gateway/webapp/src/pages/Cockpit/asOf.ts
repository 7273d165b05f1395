// 「数据截至 HH:mm:ss」: when the cockpit's figures were computed (the API's `generated_at`). The catalog serves
// a snapshot some seconds old, so the reader is told how fresh the numbers are, in China time whatever the
// browser's time zone.
import dayjs from "dayjs";
import utc from "dayjs/plugin/utc";

dayjs.extend(utc);

const CHINA_MINUTES = 8 * 60; // UTC+8 all year: China keeps no summer time

/** HH:mm:ss in China time of an instant the API gave (ISO 8601 with its zone); null when it is not one. */
export function chinaTimeOf(instant: string): string | null {
  const moment = dayjs(instant);
  return moment.isValid() ? moment.utcOffset(CHINA_MINUTES).format("HH:mm:ss") : null;
}
