import { patch } from "@web/core/utils/patch";
import { GraphRenderer } from "@web/views/graph/graph_renderer";

// SLA results keep their meaning's colour whatever groups are shown (the palette goes by position).
const SLA_RESULT_COLORS = { met: "#28A745", breached: "#DC3545", running: "#F4A261", none: "#A4A8B6" };

patch(GraphRenderer.prototype, {
    getBarChartData() {
        const data = super.getBarChartData(...arguments);
        if (this.model.metaData.resModel !== "helpdesk.lite.ticket.report") {
            return data;
        }
        for (const dataset of data.datasets) {
            const [identifier] = dataset.identifiers || [];
            const result = identifier && JSON.parse(identifier).map((value) => value.sla_result).find(Boolean);
            if (result in SLA_RESULT_COLORS) {
                dataset.backgroundColor = SLA_RESULT_COLORS[result];
            }
        }
        return data;
    },
});
