// The application's details a unit states by picking a value its pack's text names (fengxian:第二条(四) 首次运维 /
// 历史运维), shown only where they apply and sent only when shown.
import type { StatedChoice } from "../../services/policy";

/** The application's `details`: free text, and the facts stated by a choice (and its confirmations). */
export type Details = Record<string, string | boolean | undefined>;

/** Whether a stated choice belongs on the form for this category (an O&M kind only for an O&M project). */
export function choiceShown(choice: StatedChoice, category: string | undefined): boolean {
  return choice.category === null || choice.category === category;
}

/** The details sent: blanks dropped, and the stated facts the form does not show (the category changed, or a
 * confirmation whose value is no longer picked) left out rather than sent unseen. */
export function detailsToSend(details: Details | undefined, choices: StatedChoice[], category: string | undefined): Details {
  const hidden = new Set<string>();
  for (const choice of choices) {
    const shown = choiceShown(choice, category);
    if (!shown) hidden.add(choice.fact);
    for (const confirmation of choice.confirmations) {
      if (!shown || details?.[choice.fact] !== confirmation.when) hidden.add(confirmation.fact);
    }
  }
  return Object.fromEntries(Object.entries(details ?? {}).filter(([key, value]) => value && !hidden.has(key)));
}
