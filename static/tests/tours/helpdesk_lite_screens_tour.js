import { registry } from "@web/core/registry";

// What a first look must not show: ticket numbers broken over several lines on kanban cards, "[New] False"
// in a new ticket's breadcrumb.
registry.category("web_tour.tours").add("helpdesk_lite_screens_tour", {
    url: "/odoo/helpdesk-lite",
    steps: () => [
        {
            content: "Every card's number is on one line",
            trigger: ".o_kanban_view .o_kanban_record .o_helpdesk_lite_card_number",
            run() {
                const numbers = document.querySelectorAll(".o_kanban_record .o_helpdesk_lite_card_number");
                for (const number of numbers) {
                    const lineHeight = parseFloat(getComputedStyle(number).lineHeight) || 20;
                    if (number.getBoundingClientRect().height > lineHeight * 1.5) {
                        throw new Error(`Ticket number "${number.textContent}" wraps over several lines`);
                    }
                }
            },
        },
        {
            content: "Create a ticket",
            trigger: ".o_control_panel .o-kanban-button-new",
            run: "click",
        },
        {
            content: "The breadcrumb names the new ticket",
            trigger: ".o_form_view .o_field_widget[name='name'] textarea",
            run() {
                const crumb = document.querySelector(".o_breadcrumb .active");
                const text = crumb ? crumb.textContent : "";
                if (!text.includes("New Ticket") || text.includes("False")) {
                    throw new Error(`Breadcrumb of a new ticket reads "${text}"`);
                }
            },
        },
    ],
});
