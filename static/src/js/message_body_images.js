import { onMounted } from "@odoo/owl";
import { Message } from "@mail/core/common/message";
import { patch } from "@web/core/utils/patch";

// Odoo shows an email's body in a shadow root of its own, out of reach of every stylesheet: its
// pictures kept their natural size, so a 1600 x 1000 screenshot became a 1000 px high block, mostly cut
// off, with a sideways scrollbar. They now fit the bubble with their proportions (pictures sized by
// their height only, such as signature logos, keep it).
const EMAIL_PICTURES_CSS = `
    img { max-width: 100% !important; }
    img[width], img[style*="width"] { height: auto !important; }
`;

patch(Message.prototype, {
    setup() {
        super.setup(...arguments);
        onMounted(() => {
            if (this.shadowRoot) {
                const style = document.createElement("style");
                style.textContent = EMAIL_PICTURES_CSS;
                this.shadowRoot.appendChild(style);
            }
        });
    },
});
