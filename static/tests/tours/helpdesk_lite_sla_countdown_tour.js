import { registry } from "@web/core/registry";

// The SLA countdowns are computed in the browser from the stored deadlines: one ticket due in about five
// hours, one an hour and a half late, in the list, on the kanban card and in the form; and the age column.
const DUE = "Countdown: due later";
const LATE = "Countdown: already late";

function badgeOf(selector, rowText) {
    const row = [...document.querySelectorAll(selector)].find((el) => el.textContent.includes(rowText));
    const badge = row && row.querySelector(".o_field_helpdesk_lite_sla_countdown .badge");
    if (!badge) {
        throw new Error(`No countdown badge for "${rowText}"`);
    }
    return badge;
}

function expectBadge(badge, pattern, lateExpected) {
    const text = badge.textContent.trim();
    if (!pattern.test(text)) {
        throw new Error(`Countdown reads "${text}", expected ${pattern}`);
    }
    if (badge.classList.contains("text-bg-danger") !== lateExpected) {
        throw new Error(`Countdown "${text}" is ${lateExpected ? "not " : ""}red`);
    }
    if (!badge.title) {
        throw new Error(`Countdown "${text}" does not give its deadline`);
    }
}

registry.category("web_tour.tours").add("helpdesk_lite_sla_countdown_tour", {
    url: "/odoo/helpdesk-lite?view_type=list",
    steps: () => [
        {
            content: "The list counts down to the next deadline",
            trigger: `.o_list_view .o_data_row:contains('${LATE}') .o_field_helpdesk_lite_sla_countdown .badge`,
            run() {
                expectBadge(badgeOf(".o_data_row", DUE), /^4h 5\dm left$|^5h 00m left$/, false);
                expectBadge(badgeOf(".o_data_row", LATE), /^1h (29|30|31)m late$/, true);
                const row = [...document.querySelectorAll(".o_data_row")].find((el) => el.textContent.includes(DUE));
                const age = row.querySelector(".o_field_helpdesk_lite_ticket_age span");
                if (!age || !/^0[.,]0$/.test(age.textContent.trim()) || !age.title) {
                    throw new Error(`A ticket opened just now is "${age && age.textContent}" days old`);
                }
            },
        },
        {
            content: "Switch to kanban",
            trigger: ".o_switch_view.o_kanban",
            run: "click",
        },
        {
            content: "Cards count down too",
            trigger: `.o_kanban_record:contains('${LATE}') .o_field_helpdesk_lite_sla_countdown .badge`,
            run() {
                expectBadge(badgeOf(".o_kanban_record", DUE), /left$/, false);
                expectBadge(badgeOf(".o_kanban_record", LATE), /late$/, true);
            },
        },
        {
            content: "Open the late ticket",
            trigger: `.o_kanban_record:contains('${LATE}')`,
            run: "click",
        },
        {
            content: "The form shows the resolution countdown",
            trigger: ".o_form_view .o_field_helpdesk_lite_sla_countdown[name='sla_resolve_deadline'] .badge",
            run() {
                const badge = document.querySelector(
                    ".o_field_helpdesk_lite_sla_countdown[name='sla_resolve_deadline'] .badge");
                expectBadge(badge, /late$/, true);
            },
        },
    ],
});
