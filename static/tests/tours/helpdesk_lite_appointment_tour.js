import { registry } from "@web/core/registry";
import { animationFrame, drag, queryRect } from "@odoo/hoot-dom";

// Reschedule a visit by dragging it in the week calendar, then try a slot the technician already has:
// the refusal names the clash and the visit stays where it was (the Python side checks the records).
const VISIT = "Tour: replace the router";

function findVisit() {
    return [...document.querySelectorAll(".o_calendar_renderer .fc-event.o_event")].find((event) =>
        event.textContent.includes(VISIT)
    );
}

function visitDate() {
    return findVisit().closest(".fc-timegrid-col[data-date]").dataset.date;
}

function addDays(isoDate, days) {
    const date = new Date(`${isoDate}T12:00:00Z`);
    date.setUTCDate(date.getUTCDate() + days);
    return date.toISOString().slice(0, 10);
}

async function pause(ms) {
    await new Promise((resolve) => setTimeout(resolve, ms));
    await animationFrame();
}

/** The time row ("HH:MM:SS") the visit starts in, as displayed (the browser's time zone). */
function visitTime() {
    const top = queryRect(findVisit()).y + 1;
    const lanes = [...document.querySelectorAll(".fc-timegrid-slot-lane[data-time]")];
    return lanes.find((lane) => {
        const rect = queryRect(lane);
        return rect.y <= top && top < rect.y + rect.height;
    }).dataset.time;
}

/**
 * Drag the visit by its top edge to ``days`` days and ``hours`` hours later, as a person does. Relative
 * moves keep the test independent of the browser's time zone.
 */
async function dragVisit(days, hours) {
    const visit = findVisit();
    visit.scrollIntoView({ block: "center" });
    await animationFrame();
    const [hour, minute] = visitTime().split(":");
    const time = `${String(Number(hour) + hours).padStart(2, "0")}:${minute}:00`;
    const column = document.querySelector(`.fc-timegrid-col[data-date="${addDays(visitDate(), days)}"]`);
    const lane = document.querySelector(`.fc-timegrid-slot-lane[data-time="${time}"]`);
    if (!column || !lane) {
        throw new Error(`No ${time} slot ${days} day(s) after the visit in this week`);
    }
    const { moveTo, drop } = await drag(visit, { position: { y: 1 }, relative: true });
    await animationFrame();
    const columnRect = queryRect(column);
    const laneRect = queryRect(lane);
    await moveTo(lane, { position: { x: columnRect.x + columnRect.width / 2, y: laneRect.y + 1 } });
    await animationFrame();
    await drop();
    await pause(300);
}

let startDate;

registry.category("web_tour.tours").add("helpdesk_lite_appointment_tour", {
    steps: () => [
        {
            content: "Go to the week of the visit",
            trigger: ".o_calendar_view .fc-timeGridWeek-view .fc-timegrid-body",
            async run() {
                for (let week = 0; week < 6 && !findVisit(); week++) {
                    document.querySelector(".o_calendar_button_next").click();
                    await pause(500);
                }
                if (!findVisit()) {
                    throw new Error(`"${VISIT}" is not in the next weeks`);
                }
                startDate = visitDate();
            },
        },
        {
            content: "The week's visits are filtered per technician",
            trigger: ".o_calendar_filter[data-name='user_id'] .o_calendar_filter_item:contains(Agnes Agent)",
        },
        {
            content: "Drag the visit to the next day, two hours later: a free slot in working hours",
            trigger: `.fc-event.o_event:contains(${VISIT})`,
            run: () => dragVisit(1, 2),
        },
        {
            content: "The visit is now on the next day",
            trigger: `.fc-event.o_event:contains(${VISIT})`,
            run() {
                if (visitDate() !== addDays(startDate, 1)) {
                    throw new Error(`The visit is on ${visitDate()}, not the day after ${startDate}`);
                }
            },
        },
        {
            content: "Drag it onto the technician's other visit, the day after and three hours later",
            trigger: `.fc-event.o_event:contains(${VISIT})`,
            run: () => dragVisit(1, 3),
        },
        {
            content: "The refusal names the clashing visit",
            trigger: ".modal:contains(is already booked for):contains(Tour: other visit)",
        },
        {
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "After a reload the visit is still where it was",
            trigger: "body:not(:has(.modal))",
            async run() {
                document.querySelector(".o_calendar_button_prev").click();
                await pause(500);
                document.querySelector(".o_calendar_button_next").click();
                await pause(500);
                if (!findVisit() || visitDate() !== addDays(startDate, 1)) {
                    throw new Error("The refused move was not undone on screen");
                }
            },
        },
    ],
});
