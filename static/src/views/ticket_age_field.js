import { _t } from "@web/core/l10n/translation";
import { formatDateTime } from "@web/core/l10n/dates";
import { formatFloat } from "@web/core/utils/numbers";
import { registry } from "@web/core/registry";
import { standardFieldProps } from "@web/views/fields/standard_field_props";

import { Component, xml } from "@odoo/owl";

const { DateTime } = luxon;

/** A ticket's age in days, from its opening date to its closing date (or now), computed in the browser:
 * lists read two stored dates instead of a computed field per row, and the column sorts by opening date. */
export class TicketAgeField extends Component {
    static template = xml`<span t-if="props.record.data[props.name]" t-att-title="title" t-esc="days"/>`;
    static props = { ...standardFieldProps, endField: { type: String, optional: true } };

    get days() {
        const start = this.props.record.data[this.props.name];
        const end = (this.props.endField && this.props.record.data[this.props.endField]) || DateTime.now();
        return formatFloat(end.diff(start, "days").days, { digits: [16, 1] });
    }

    get title() {
        return _t("Opened on %(date)s", { date: formatDateTime(this.props.record.data[this.props.name]) });
    }
}

registry.category("fields").add("helpdesk_lite_ticket_age", {
    component: TicketAgeField,
    displayName: _t("Ticket Age"),
    supportedTypes: ["datetime"],
    extractProps: ({ options }) => ({ endField: options.end_field }),
    fieldDependencies: ({ options }) => (options.end_field ? [{ name: options.end_field, type: "datetime" }] : []),
});
