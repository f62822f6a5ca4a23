import { describe, expect, it } from "vitest";
import { renderButton } from "../src";

describe("renderButton", () => {
  it("renders a link for navigation with the Loop classes", () => {
    expect(renderButton({ variant: "primary", label: "Connect with Loop", href: "/oauth/start" })).toBe(
      '<a class="loop-button loop-button--primary" href="/oauth/start">Connect with Loop</a>',
    );
  });

  it("renders a submit button inside a POST form for actions, with hidden fields", () => {
    const html = renderButton({ variant: "danger", label: "Disconnect", formAction: "/disconnect", fields: { csrf: "t1" } });
    expect(html).toBe(
      '<form class="loop-button-form" method="post" action="/disconnect"><input type="hidden" name="csrf" value="t1">' +
        '<button type="submit" class="loop-button loop-button--danger">Disconnect</button></form>',
    );
  });

  it("escapes labels and URLs", () => {
    const html = renderButton({ variant: "secondary", label: '<b>"Acme" & co</b>', href: '/x?a=1&b="2"' });
    expect(html).toContain("&lt;b&gt;&quot;Acme&quot; &amp; co&lt;/b&gt;");
    expect(html).toContain('href="/x?a=1&amp;b=&quot;2&quot;"');
  });

  it("marks disabled buttons and links for assistive technology", () => {
    expect(renderButton({ variant: "primary", label: "Save", formAction: "/save", disabled: true })).toContain(
      "loop-button--primary\" disabled>",
    );
    const link = renderButton({ variant: "primary", label: "Open", href: "/open", disabled: true });
    expect(link).toContain('aria-disabled="true"');
    expect(link).not.toContain("href=");
  });

  it("refuses a button without a visible label", () => {
    expect(() => renderButton({ variant: "primary", label: "  ", href: "/" })).toThrow("visible label");
  });
});
