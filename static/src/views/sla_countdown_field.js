import { _t } from "@web/core/l10n/translation";
import { formatDateTime } from "@web/core/l10n/dates";
import { registry } from "@web/core/registry";
import { BadgeField, badgeField } from "@web/views/fields/badge/badge_field";

import { onWillUnmount, useState } from "@odoo/owl";

const { DateTime } = luxon;
const TICK_MS = 30 * 1000;

/** The SLA countdown of a deadline, computed in the browser from the stored deadline ("3h 05m left",
 * "40m late"), so that lists and kanban cards read no per-row computed field and the badge keeps
 * counting while the view stays open. Late deadlines are red whatever the view's decorations say. */
export class SlaCountdownField extends BadgeField {
    static template = "helpdesk_lite.SlaCountdownField";

    setup() {
        super.setup();
        this.clock = useState({ now: DateTime.now() });
        const timer = setInterval(() => (this.clock.now = DateTime.now()), TICK_MS);
        onWillUnmount(() => clearInterval(timer));
    }

    get deadline() {
        return this.props.record.data[this.props.name];
    }

    get secondsLeft() {
        return Math.round(this.deadline.diff(this.clock.now, "seconds").seconds);
    }

    get formattedValue() {
        const seconds = this.secondsLeft;
        const duration = formatDuration(Math.abs(seconds));
        return seconds >= 0 ? _t("%(time)s left", { time: duration }) : _t("%(time)s late", { time: duration });
    }

    get title() {
        return formatDateTime(this.deadline);
    }

    get classFromDecoration() {
        return this.secondsLeft < 0 ? "text-bg-danger" : super.classFromDecoration;
    }
}

/** Seconds as "2d 3h", "3h 05m" or "12m", as the server's format_hours writes them. */
export function formatDuration(seconds) {
    let minutes = Math.round(seconds / 60);
    const days = Math.floor(minutes / (24 * 60));
    minutes -= days * 24 * 60;
    const hours = Math.floor(minutes / 60);
    minutes -= hours * 60;
    if (days) {
        return _t("%(days)sd %(hours)sh", { days, hours });
    }
    if (hours) {
        return _t("%(hours)sh %(minutes)sm", { hours, minutes: String(minutes).padStart(2, "0") });
    }
    return _t("%(minutes)sm", { minutes });
}

registry.category("fields").add("helpdesk_lite_sla_countdown", {
    ...badgeField,
    component: SlaCountdownField,
    displayName: _t("SLA Countdown"),
    supportedTypes: ["datetime"],
});
