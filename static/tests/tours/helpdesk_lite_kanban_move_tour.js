import { animationFrame, drag, queryFirst } from "@odoo/hoot-dom";
import { registry } from "@web/core/registry";

// Drag a card to another stage column: the move is saved, and the card shows in its new column.
const column = (title) => `.o_kanban_view .o_kanban_group:has(.o_column_title:contains('${title}'))`;

registry.category("web_tour.tours").add("helpdesk_lite_kanban_move_tour", {
    url: "/odoo/helpdesk-lite",
    steps: () => [
        {
            content: "Drag the ticket from New to In Progress",
            trigger: `${column("New")} .o_kanban_record:contains('Tour: move me')`,
            async run({ anchor: card }) {
                // as a person does: grab the card, move it a little (the kanban starts dragging past a
                // threshold), then over the first card of the other column, and drop
                const target = queryFirst(`${column("In Progress")} .o_kanban_record`) || queryFirst(column("In Progress"));
                const { moveTo, drop } = await drag(card);
                await animationFrame();
                await moveTo(card, { position: { x: 40, y: 40 }, relative: true });
                await animationFrame();
                await moveTo(target);
                await animationFrame();
                await drop();
            },
        },
        {
            content: "The card is in In Progress",
            trigger: `${column("In Progress")} .o_kanban_record:contains('Tour: move me')`,
        },
        {
            content: "and no longer in New",
            trigger: `${column("New")}:not(:has(.o_kanban_record:contains('Tour: move me')))`,
        },
    ],
});
