/** @odoo-module **/
// Live help page suggestions.
// - Inputs with data-helpdesk-lite-search="1" (help center search box) show matching pages.
// - Inputs with data-helpdesk-lite-suggest="1" (ticket title on the ticket forms) do the same
//   and also count deflection: each form visit (browser tab) gets a random id, posted with the
//   form in a hidden field; following a suggestion sends a beacon with that id. The server
//   links the visit to the ticket if the form is submitted; otherwise it was a deflection.
import publicWidget from "@web/legacy/js/public/public_widget";
import { debounce } from "@web/core/utils/timing";
import { _t } from "@web/core/l10n/translation";

const AUTOCOMPLETE_URL = "/helpdesk/help/autocomplete";
const CLICK_URL = "/helpdesk/help/suggestion/click";
const VISIT_FIELD = "helpdesk_lite_visit";
const MIN_LENGTH = 3;
const MAX_RESULTS = 5;

function formVisitId() {
    // Kept per tab, so coming back to the form after reading a page keeps the same visit.
    let visit = null;
    try {
        visit = window.sessionStorage.getItem(VISIT_FIELD);
    } catch {
        // Storage disabled: one visit per page load.
    }
    if (!visit || !/^[0-9a-f]{32}$/.test(visit)) {
        const bytes = new Uint8Array(16);
        window.crypto.getRandomValues(bytes);
        visit = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
        try {
            window.sessionStorage.setItem(VISIT_FIELD, visit);
        } catch {
            // See above.
        }
    }
    return visit;
}

publicWidget.registry.HelpdeskLiteHelpSuggest = publicWidget.Widget.extend({
    selector: 'input[data-helpdesk-lite-suggest="1"], input[data-helpdesk-lite-search="1"]',
    events: {
        input: "_onInput",
        keydown: "_onKeydown",
    },

    start() {
        this.tracked = this.el.dataset.helpdeskLiteSuggest === "1";
        this.el.setAttribute("autocomplete", "off");
        this.el.setAttribute("aria-autocomplete", "list");
        this.menu = document.createElement("div");
        this.menu.className = "dropdown-menu o_helpdesk_lite_suggestions w-100 shadow";
        this.menu.setAttribute("role", "listbox");
        Object.assign(this.menu.style, { position: "absolute", top: "100%", left: "0" });
        this.el.parentElement.classList.add("position-relative");
        this.el.parentElement.append(this.menu);
        this.debouncedFetch = debounce(() => this._fetch(), 250);
        if (this.tracked) {
            this.visit = formVisitId();
            const form = this.el.closest("form");
            if (form && !form.querySelector(`input[name="${VISIT_FIELD}"]`)) {
                const hidden = document.createElement("input");
                Object.assign(hidden, { type: "hidden", name: VISIT_FIELD, value: this.visit });
                form.append(hidden);
            }
        }
        this.onDocumentClick = (ev) => {
            if (!this.el.parentElement.contains(ev.target)) {
                this._hide();
            }
        };
        document.addEventListener("click", this.onDocumentClick);
        return this._super(...arguments);
    },

    destroy() {
        document.removeEventListener("click", this.onDocumentClick);
        this.abortController?.abort();
        this.menu?.remove();
        this._super(...arguments);
    },

    _onInput() {
        this.debouncedFetch();
    },

    _onKeydown(ev) {
        if (ev.key === "Escape") {
            this._hide();
        } else if (ev.key === "ArrowDown" && this.menu.classList.contains("show")) {
            ev.preventDefault();
            this.menu.querySelector("a")?.focus();
        }
    },

    async _fetch() {
        const query = this.el.value.trim();
        this.abortController?.abort();
        if (query.length < MIN_LENGTH) {
            this._hide();
            return;
        }
        this.abortController = new AbortController();
        let data;
        try {
            const params = new URLSearchParams({ q: query, limit: MAX_RESULTS });
            const response = await fetch(`${AUTOCOMPLETE_URL}?${params}`, {
                signal: this.abortController.signal,
                headers: { Accept: "application/json" },
            });
            if (!response.ok) {
                this._hide();
                return;
            }
            data = await response.json();
        } catch {
            return; // aborted by a newer keystroke, or offline: stay quiet
        }
        if (query === this.el.value.trim()) {
            this._render(data.results || []);
        }
    },

    _render(results) {
        this.menu.replaceChildren();
        // Titles and summaries are plain text: textContent keeps any markup in them inert.
        for (const result of results) {
            if (typeof result.url !== "string" || !result.url.startsWith("/helpdesk/help/")) {
                continue;
            }
            const link = document.createElement("a");
            link.className = "dropdown-item o_helpdesk_lite_suggestion py-2";
            link.href = result.url;
            link.setAttribute("role", "option");
            const title = document.createElement("div");
            title.className = "fw-bold";
            title.textContent = result.title;
            link.append(title);
            if (result.summary) {
                const summary = document.createElement("small");
                summary.className = "d-block text-muted";
                summary.textContent = result.summary;
                link.append(summary);
            }
            if (this.tracked) {
                // A new tab keeps what the customer typed in the ticket form.
                link.target = "_blank";
                link.rel = "noopener";
                link.addEventListener("click", () => this._trackClick(result));
            }
            link.addEventListener("keydown", (ev) => this._onItemKeydown(ev, link));
            this.menu.append(link);
        }
        if (!this.menu.childElementCount) {
            this._hide();
            return;
        }
        if (this.tracked) {
            const header = document.createElement("h6");
            header.className = "dropdown-header";
            header.textContent = _t("These help pages may answer your question:");
            this.menu.prepend(header);
        }
        this.menu.classList.add("show");
    },

    _onItemKeydown(ev, link) {
        const sibling = { ArrowDown: "nextElementSibling", ArrowUp: "previousElementSibling" }[ev.key];
        if (sibling) {
            ev.preventDefault();
            const target = link[sibling];
            (target?.tagName === "A" ? target : this.el).focus();
        } else if (ev.key === "Escape") {
            this._hide();
            this.el.focus();
        }
    },

    _hide() {
        this.menu?.classList.remove("show");
    },

    _trackClick(result) {
        const data = new FormData();
        data.append("csrf_token", odoo.csrf_token);
        data.append("page_id", result.id);
        data.append("visit", this.visit);
        data.append("form", window.location.pathname);
        navigator.sendBeacon(CLICK_URL, data);
    },
});

export default publicWidget.registry.HelpdeskLiteHelpSuggest;
