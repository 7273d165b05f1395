import { describe, expect, it } from "vitest";
import { renderToStaticMarkup } from "react-dom/server";
import { createElement } from "react";
import { ConfigProvider, InputNumber } from "antd";
import zhCN from "antd/locale/zh_CN";
import { translate } from "../locales";
import { LIBRARY_ARIA, localiseAria, NAMED_ICON, type AriaElement } from "./ariaLabels";

/** Elements with attributes, found by the `[aria-label="…"]` / `[data-aria-en]` selectors localiseAria uses. */
function fakeRoot(labels: string[], icons: string[] = []) {
  const make = (label: string, icon: boolean) => {
    const attributes = new Map<string, string>([["aria-label", label]]);
    return {
      icon,
      attributes,
      getAttribute: (name: string) => attributes.get(name) ?? null,
      setAttribute: (name: string, value: string) => void attributes.set(name, value),
      removeAttribute: (name: string) => void attributes.delete(name),
    };
  };
  const elements = [...labels.map((label) => make(label, false)), ...icons.map((label) => make(label, true))];
  const matches = (element: (typeof elements)[number], selector: string) =>
    selector === NAMED_ICON
      ? element.icon && element.attributes.has("aria-label")
      : selector.split(",").some((part) => {
      const exact = /^\[aria-label="(.*)"\]$/.exec(part);
      if (exact) return element.attributes.get("aria-label") === exact[1];
      const has = /^\[([\w-]+)\]$/.exec(part);
      return has ? element.attributes.has(has[1]) : false;
    });
  return { elements, root: { querySelectorAll: (selector: string): AriaElement[] => elements.filter((e) => matches(e, selector)) } };
}

const zh = (key: string) => translate("zh-CN", key);
const en = (key: string) => translate("en-US", key);
const ascii = /^[\x20-\x7e]+$/;

describe("the component library's English screen-reader labels", () => {
  it("are the ones an Ant Design number input writes even under the zh_CN locale", () => {
    // Why this exists: rc-input-number's step buttons and the icons ignore the locale.
    const html = renderToStaticMarkup(createElement(ConfigProvider, { locale: zhCN }, createElement(InputNumber, { "aria-label": "数量" })));
    const english = [...html.matchAll(/<span([^>]*)aria-label="([^"]*)"([^>]*)>/g)]
      .filter((m) => ascii.test(m[2]))
      .map((m) => ({ label: m[2], icon: /role="img"/.test(m[1] + m[3]) && /class="anticon/.test(m[3]) }));
    expect(english.map((e) => e.label)).toEqual(["Increase Value", "up", "Decrease Value", "down"]);
    for (const { label, icon } of english) expect(icon || label in LIBRARY_ARIA, label).toBe(true);
  });

  it("are read in Chinese by default, in English on the switch, and again in Chinese", () => {
    const { root, elements } = fakeRoot(["Increase Value", "Decrease Value", "Close", "数量"]);
    expect(localiseAria(root, zh)).toBe(3);
    expect(elements.map((e) => e.getAttribute("aria-label"))).toEqual(["增加数值", "减少数值", "关闭", "数量"]);
    expect(localiseAria(root, zh)).toBe(0); // settled: the observer's own writes do not loop
    localiseAria(root, en);
    expect(elements.map((e) => e.getAttribute("aria-label"))).toEqual(["Increase value", "Decrease value", "Close", "数量"]);
    localiseAria(root, zh);
    expect(elements[0].getAttribute("aria-label")).toBe("增加数值");
    // React writing its English again over the translation is caught on the next pass.
    elements[1].setAttribute("aria-label", "Decrease Value");
    expect(localiseAria(root, zh)).toBe(1);
    expect(elements[1].getAttribute("aria-label")).toBe("减少数值");
  });

  it("hides the icons' English names: the control next to them carries the label", () => {
    const { root, elements } = fakeRoot(["Increase Value"], ["up", "search"]);
    expect(localiseAria(root, zh)).toBe(3);
    expect(elements.map((e) => e.getAttribute("aria-label"))).toEqual(["增加数值", null, null]);
    expect(elements.map((e) => e.getAttribute("aria-hidden"))).toEqual([null, "true", "true"]);
    expect(localiseAria(root, zh)).toBe(0);
  });

  it("has a Chinese text for every label it knows, none of it English", () => {
    for (const key of Object.values(LIBRARY_ARIA)) expect(zh(key)).not.toMatch(ascii);
  });
});
