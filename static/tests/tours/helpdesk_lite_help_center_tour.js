/** @odoo-module **/
import { registry } from "@web/core/registry";

const SUGGESTION = '.o_helpdesk_lite_suggestions.show a.o_helpdesk_lite_suggestion';

registry.category("web_tour.tours").add("helpdesk_lite_help_search", {
    url: "/helpdesk/help",
    steps: () => [
        {
            content: "Type in the help center search box",
            trigger: 'input[data-helpdesk-lite-search="1"]',
            run: "edit zorblax bold",
        },
        {
            content: "The matching page is suggested, its markup shown as text",
            trigger: `${SUGGESTION}:contains("Zorblax <b>bold</b> tips")`,
            run() {
                const suggestion = document.querySelector(SUGGESTION);
                if (suggestion.querySelector("b")) {
                    throw new Error("Suggestion markup was interpreted");
                }
                suggestion.click();
            },
        },
        {
            content: "The help page opens",
            trigger: 'h1:contains("Zorblax <b>bold</b> tips")',
        },
        {
            content: "Typos still find the page",
            trigger: 'input[data-helpdesk-lite-search="1"]',
            run: "edit confgure zorblx",
        },
        {
            trigger: `${SUGGESTION}:contains("Configure the Zorblax router")`,
        },
    ],
});

// Deflection on a ticket form: the portal forms put data-helpdesk-lite-suggest="1" on their title
// input; this tour builds such a form on a help center page and starts the widget on it.
registry.category("web_tour.tours").add("helpdesk_lite_help_deflection", {
    url: "/helpdesk/help",
    steps: () => [
        {
            content: "Build a ticket form with a suggesting title input",
            trigger: "#wrap .container",
            async run() {
                const form = document.createElement("form");
                form.className = "o_test_ticket_form";
                form.action = "/helpdesk/help/search";
                const group = document.createElement("div");
                const input = document.createElement("input");
                Object.assign(input, { name: "name", className: "form-control o_test_ticket_title" });
                input.dataset.helpdeskLiteSuggest = "1";
                group.append(input);
                form.append(group);
                this.anchor.prepend(form);
                // Looked up at run time: this file is also loaded in the backend, without that module.
                const HelpdeskLiteHelpSuggest = odoo.loader.modules.get("@helpdesk_lite/js/help_suggest")[
                    Symbol.for("default")
                ];
                await new HelpdeskLiteHelpSuggest(null).attachTo(input);
                // Stay on this page when the suggestion is followed (it opens a new tab).
                document.addEventListener(
                    "click",
                    (ev) => ev.target.closest(".o_helpdesk_lite_suggestion") && ev.preventDefault(),
                    true
                );
            },
        },
        {
            content: "Type the ticket title",
            trigger: ".o_test_ticket_title",
            run: "edit zorblax router",
        },
        {
            content: "Suggestions are introduced as possible answers",
            trigger: ".o_test_ticket_form .o_helpdesk_lite_suggestions.show .dropdown-header",
        },
        {
            content: "Follow the suggestion",
            trigger: `.o_test_ticket_form ${SUGGESTION}:contains("Configure the Zorblax router")`,
            run() {
                const visit = document.querySelector('.o_test_ticket_form input[name="helpdesk_lite_visit"]');
                if (!visit || !/^[0-9a-f]{32}$/.test(visit.value)) {
                    throw new Error("The form does not carry the visit id");
                }
                if (visit.value !== window.sessionStorage.getItem("helpdesk_lite_visit")) {
                    throw new Error("The visit id is not kept for the tab");
                }
                if (this.anchor.target !== "_blank") {
                    throw new Error("Suggestions from a ticket form must keep the form open");
                }
                this.anchor.click();
            },
        },
        {
            content: "Give the beacon time to leave",
            trigger: ".o_test_ticket_form",
            async run() {
                await new Promise((resolve) => setTimeout(resolve, 500));
            },
        },
    ],
});
