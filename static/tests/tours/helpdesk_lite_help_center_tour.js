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
