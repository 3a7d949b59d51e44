import { PortalHomeCounters } from "@portal/js/portal";

// Keep the "Tickets" card on /my even at zero tickets: it is where customers open their first one.
PortalHomeCounters.include({
    _getCountersAlwaysDisplayed() {
        return this._super(...arguments).concat(["helpdesk_lite_ticket_count"]);
    },
});
