import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";

// A unique name: "ticket" may already be taken by another helpdesk app.
registry.category("discuss.channel_commands").add("hd_ticket", {
    channel_types: ["livechat", "group", "chat"],
    help: _t("Create a helpdesk ticket from this conversation (/hd_ticket title)"),
    methodName: "execute_command_hd_ticket",
});
