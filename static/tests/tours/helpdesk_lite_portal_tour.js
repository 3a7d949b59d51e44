import { registry } from "@web/core/registry";

// Customer flow on the portal: open a ticket with a file, reply in the conversation, close it, rate it.
registry.category("web_tour.tours").add("helpdesk_lite_portal_tour", {
    url: "/my/helpdesk",
    steps: () => [
        {
            content: "Open the new ticket form",
            trigger: "a.o_helpdesk_lite_new_ticket",
            run: "click",
        },
        {
            content: "Title",
            trigger: "form.o_helpdesk_lite_ticket_form input[name='name'][data-helpdesk-lite-suggest='1']",
            run: "edit Tour: laptop will not boot",
        },
        {
            content: "Category",
            trigger: "form.o_helpdesk_lite_ticket_form select[name='category_id']",
            run: "selectByLabel Tour Hardware",
        },
        {
            content: "Description",
            trigger: "form.o_helpdesk_lite_ticket_form textarea[name='description']",
            run: "edit It beeps three times and stops.",
        },
        {
            content: "Attach a log file",
            trigger: "form.o_helpdesk_lite_ticket_form input[name='attachments']",
            run() {
                const transfer = new DataTransfer();
                transfer.items.add(new File(["beep beep beep\n"], "boot.log", { type: "text/plain" }));
                this.anchor.files = transfer.files;
            },
        },
        {
            content: "Submit",
            trigger: "button.o_helpdesk_lite_submit",
            run: "click",
        },
        {
            content: "The ticket page opens with a confirmation",
            trigger: ".o_helpdesk_lite_success",
        },
        {
            content: "The title is shown",
            trigger: ".o_helpdesk_lite_ticket_title:contains(Tour: laptop will not boot)",
        },
        {
            content: "The file is in the conversation",
            trigger: "#chatterRoot:shadow .o-mail-Message:contains(boot.log)",
        },
        {
            content: "Write a reply",
            trigger: "#chatterRoot:shadow .o-mail-Composer-input",
            run: "edit Any news about my laptop?",
        },
        {
            content: "Send it",
            trigger: "#chatterRoot:shadow .o-mail-Composer-send:enabled",
            run: "click",
        },
        {
            content: "The reply is in the conversation",
            trigger: "#chatterRoot:shadow .o-mail-Message:contains(Any news about my laptop?)",
        },
        {
            content: "Confirm the request is solved",
            trigger: "button.o_helpdesk_lite_close",
            run: "click",
        },
        {
            content: "Closed: the rating form is offered",
            trigger: ".o_helpdesk_lite_success:contains(closed)",
        },
        {
            content: "Give 4 stars",
            trigger: "form.o_helpdesk_lite_rate_form label[for='helpdesk_lite_rate_4']",
            run: "click",
        },
        {
            content: "Leave a comment",
            trigger: "form.o_helpdesk_lite_rate_form textarea[name='feedback']",
            run: "edit Fixed quickly, thanks",
        },
        {
            content: "Send the rating",
            trigger: "button.o_helpdesk_lite_rate",
            run: "click",
        },
        {
            content: "The rating is shown on the ticket",
            trigger: ".o_helpdesk_lite_current_rating:contains(4/5)",
        },
        {
            // the page loads its conversation lazily: ending before it is there cuts its requests short
            content: "The conversation is shown again",
            trigger: "#chatterRoot:shadow .o-mail-Thread .o-mail-Message",
        },
    ],
});
