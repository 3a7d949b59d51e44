import { registry } from "@web/core/registry";

// Pictures in the portal conversation at 1440 x 900: no blank band under attachment pictures (inside their
// message and before the next one), and pictures in message texts (emails included) fit their bubble with
// their proportions.
const MAX_BLANK_UNDER_IMAGES = 16; // px: the attachment list's own margins are 8
const MAX_GAP_BETWEEN_MESSAGES = 8; // px: Odoo's spacing is 4

/** Pictures in a message's text; an email's text is in a shadow root of its own. */
function bodyPictures(message) {
    const body = message.querySelector(".o-mail-Message-body");
    if (!body) {
        return [];
    }
    const emailRoot = body.querySelector(".overflow-x-auto")?.shadowRoot;
    return [...body.querySelectorAll("img"), ...(emailRoot ? emailRoot.querySelectorAll("img") : [])];
}

async function loaded(images) {
    await Promise.all(
        images.map((img) =>
            img.complete ? null : new Promise((resolve) => img.addEventListener("load", resolve, { once: true }))
        )
    );
    const broken = images.filter((img) => !img.naturalWidth);
    if (broken.length) {
        throw new Error(`Pictures not loaded: ${broken.map((img) => img.alt || img.src).join(", ")}`);
    }
}

registry.category("web_tour.tours").add("helpdesk_lite_portal_images_tour", {
    steps: () => [
        {
            content: "The conversation shows the pictures",
            trigger: "#chatterRoot:shadow .o-mail-Message .o-mail-AttachmentImage img",
            async run() {
                const root = document.querySelector("#chatterRoot").shadowRoot;
                const messages = [...root.querySelectorAll(".o-mail-Message")];
                await loaded([
                    ...root.querySelectorAll(".o-mail-AttachmentImage img"),
                    ...messages.flatMap(bodyPictures),
                ]);
                const problems = [];
                let withImages = 0;
                let bodyPictureCount = 0;
                for (const [index, message] of messages.entries()) {
                    const author = message.querySelector(".o-mail-Message-author")?.textContent.trim();
                    const label = `message ${index + 1} (${author})`;
                    const rect = message.getBoundingClientRect();
                    const images = [...message.querySelectorAll(".o-mail-AttachmentImage")];
                    if (images.length) {
                        withImages++;
                        const lowest = Math.max(...images.map((image) => image.getBoundingClientRect().bottom));
                        if (rect.bottom - lowest > MAX_BLANK_UNDER_IMAGES) {
                            problems.push(`${label}: ${Math.round(rect.bottom - lowest)} px blank under its pictures`);
                        }
                        const next = message.nextElementSibling?.closest(".o-mail-Message");
                        if (next && next.getBoundingClientRect().top - rect.bottom > MAX_GAP_BETWEEN_MESSAGES) {
                            problems.push(`${label}: ${Math.round(next.getBoundingClientRect().top - rect.bottom)} px before the next message`);
                        }
                    }
                    const content = message.querySelector(".o-mail-Message-content").getBoundingClientRect();
                    for (const img of bodyPictures(message)) {
                        bodyPictureCount++;
                        const box = img.getBoundingClientRect();
                        const natural = (box.width * img.naturalHeight) / img.naturalWidth;
                        if (box.width > content.width + 1) {
                            problems.push(`${label}: a picture ${Math.round(box.width)} px wide in a message ${Math.round(content.width)} px wide`);
                        }
                        if (Math.abs(box.height - natural) > 2) {
                            problems.push(`${label}: a picture drawn ${Math.round(box.height)} px high instead of ${Math.round(natural)}`);
                        }
                    }
                }
                if (withImages < 5 || bodyPictureCount < 2) {
                    problems.push(`${withImages} messages with attachment pictures and ${bodyPictureCount} pictures in bodies on the page`);
                }
                if (problems.length) {
                    throw new Error(problems.join("; "));
                }
            },
        },
    ],
});
