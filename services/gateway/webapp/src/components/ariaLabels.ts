// Screen-reader labels the component library writes in English whatever its locale (rc-input-number's step
// buttons, the close buttons of rc-dialog and rc-notification): put into the chosen language from the
// catalogue, so no English reaches a Chinese user's screen reader. Its icons name themselves in English too
// (`aria-label="down"`): they are decoration next to a labelled control, so they are hidden from it.

/** The library's English labels → the catalogue's keys. */
export const LIBRARY_ARIA: Record<string, string> = {
  "Increase Value": "a11y.increase",
  "Decrease Value": "a11y.decrease",
  Close: "a11y.close",
};

const ORIGINAL = "data-aria-en";

/** The part of a DOM element this needs (a fake in tests, the document in the browser). */
export interface AriaElement {
  getAttribute(name: string): string | null;
  setAttribute(name: string, value: string): void;
  removeAttribute(name: string): void;
}

/** An Ant Design icon that still names itself (its name is English, e.g. `up`, `search`). */
export const NAMED_ICON = '.anticon[role="img"][aria-label]';
export interface AriaRoot {
  querySelectorAll(selector: string): ArrayLike<AriaElement>;
}

/** Rewrite the library's English labels under `root` in the language `t` speaks. Idempotent: the English
 * original is kept aside, so a switch of language translates it again. Returns how many it changed. */
export function localiseAria(root: AriaRoot, t: (key: string) => string): number {
  let changed = 0;
  const selector = [...Object.keys(LIBRARY_ARIA).map((text) => `[aria-label="${text}"]`), `[${ORIGINAL}]`].join(",");
  const elements = root.querySelectorAll(selector);
  for (let index = 0; index < elements.length; index++) {
    const element = elements[index];
    const current = element.getAttribute("aria-label") ?? "";
    const kept = element.getAttribute(ORIGINAL);
    // React may have written the English text again over a translation: that text is the original now.
    const original = current in LIBRARY_ARIA ? current : kept;
    if (!original || !(original in LIBRARY_ARIA)) continue;
    const wanted = t(LIBRARY_ARIA[original]);
    if (kept !== original) element.setAttribute(ORIGINAL, original);
    if (current !== wanted) {
      element.setAttribute("aria-label", wanted);
      changed++;
    }
  }
  const icons = root.querySelectorAll(NAMED_ICON);
  for (let index = 0; index < icons.length; index++) {
    icons[index].removeAttribute("aria-label");
    icons[index].setAttribute("aria-hidden", "true");
    changed++;
  }
  return changed;
}

/** Keep the document's labels translated as components mount and re-render; returns the stop function. */
export function watchAria(t: (key: string) => string): () => void {
  localiseAria(document, t);
  const observer = new MutationObserver(() => localiseAria(document, t));
  observer.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["aria-label"] });
  return () => observer.disconnect();
}
