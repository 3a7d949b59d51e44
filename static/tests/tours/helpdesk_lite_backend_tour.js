import { registry } from "@web/core/registry";

// Agent flow: open the ticket kanban, create a ticket, resolve it, see it in Resolved.
registry.category("web_tour.tours").add("helpdesk_lite_backend_tour", {
    url: "/odoo/helpdesk-lite",
    steps: () => [
        {
            content: "The kanban shows every stage column",
            trigger: ".o_kanban_view .o_kanban_group .o_column_title:contains('In Progress')",
        },
        {
            content: "Create a ticket",
            trigger: ".o_control_panel .o-kanban-button-new",
            run: "click",
        },
        {
            content: "Give it a title",
            trigger: ".o_form_view .o_field_widget[name='name'] textarea",
            run: "edit Tour: VPN drops every hour",
        },
        {
            content: "Set the priority to urgent",
            trigger: ".o_form_view .o_field_widget[name='priority'] a.o_priority_star:eq(2)",
            run: "click",
        },
        {
            content: "Resolve it (the form saves first)",
            trigger: ".o_form_view button[name='action_resolve']",
            run: "click",
        },
        {
            content: "It got a number",
            trigger: ".o_form_view .o_field_widget[name='number']:contains('HD')",
        },
        {
            content: "It is in Resolved",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Resolved')",
        },
        {
            content: "Reopen is offered",
            trigger: ".o_form_view button[name='action_reopen']",
        },
        {
            content: "Close is the next step",
            trigger: ".o_form_view button.btn-primary[name='action_close']",
        },
    ],
});
