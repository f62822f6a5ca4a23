// The Loop button kit: the only buttons partner integrations and platform pages render (INT-11). Plain HTML
// strings, so any server-side renderer can embed them; the `loop-button` classes carry the brand styles.
export type ButtonVariant = "primary" | "secondary" | "danger";

type Common = { variant: ButtonVariant; label: string; disabled?: boolean };
// A link styled as a button (navigation), or a button that POSTs a form (an action with side effects).
export type ButtonOptions =
  | (Common & { href: string; formAction?: never })
  | (Common & { formAction: string; href?: never; fields?: Record<string, string> });

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character] ?? character);
}

export function buttonClasses(variant: ButtonVariant): string {
  return `loop-button loop-button--${variant}`;
}

export function renderButton(options: ButtonOptions): string {
  if (options.label.trim() === "") throw new Error("a button needs a visible label");
  const classes = escapeHtml(buttonClasses(options.variant));
  const label = escapeHtml(options.label);
  if (options.href !== undefined) {
    // A disabled link has no href, so it cannot be followed, and says so to assistive technology.
    return options.disabled
      ? `<a class="${classes}" role="link" aria-disabled="true">${label}</a>`
      : `<a class="${classes}" href="${escapeHtml(options.href)}">${label}</a>`;
  }
  const hidden = Object.entries(options.fields ?? {})
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join("");
  const disabled = options.disabled ? " disabled" : "";
  return `<form class="loop-button-form" method="post" action="${escapeHtml(options.formAction)}">${hidden}<button type="submit" class="${classes}"${disabled}>${label}</button></form>`;
}
