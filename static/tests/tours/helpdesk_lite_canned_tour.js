import { registry } from "@web/core/registry";

// Agent flow: in a ticket's chatter, type "/thanks", pick the canned response, send it.
registry.category("web_tour.tours").add("helpdesk_lite_canned_tour", {
    steps: () => [
        {
            content: "Open the chatter composer",
            trigger: ".o-mail-Chatter-topbar button.o-mail-Chatter-sendMessage",
            run: "click",
        },
        {
            content: "Type the shortcut with a slash",
            trigger: ".o-mail-Composer-input",
            run: "edit /thanks",
        },
        {
            content: "The canned response is suggested: pick it",
            trigger: ".o-mail-Composer-suggestion:contains('thanks')",
            run: "click",
        },
        {
            content: "The text replaced the shortcut, slash included",
            trigger: ".o-mail-Composer-input",
            run() {
                const value = this.anchor.value;
                if (!value.startsWith("Hello {{customer_name}}") || value.includes("/")) {
                    throw new Error(`unexpected composer text: ${value}`);
                }
            },
        },
        {
            content: "Send",
            trigger: ".o-mail-Composer-send:enabled",
            run: "click",
        },
        {
            content: "The posted message has its variables filled in",
            trigger: ".o-mail-Message-body:contains('Hello Tour Customer, thank you for contacting us')",
        },
    ],
});
