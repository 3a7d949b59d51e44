import { Composer } from "@mail/core/common/composer";
import { SuggestionService } from "@mail/core/common/suggestion_service";
import { patch } from "@web/core/utils/patch";

// In ticket threads, "/" inserts canned responses like ":" does (":" keeps working).
const isTicket = (thread) => thread?.model === "helpdesk.lite.ticket";

patch(SuggestionService.prototype, {
    getSupportedDelimiters(thread) {
        const delimiters = super.getSupportedDelimiters(...arguments);
        return isTicket(thread) ? [...delimiters, ["/"]] : delimiters;
    },
    async fetchSuggestions({ delimiter, term }, { thread } = {}) {
        if (delimiter === "/" && isTicket(thread)) {
            return this.store.cannedReponses.fetch();
        }
        return super.fetchSuggestions(...arguments);
    },
    searchSuggestions({ delimiter, term }, { thread, sort = false } = {}) {
        if (delimiter === "/" && isTicket(thread)) {
            return super.searchSuggestions({ delimiter: ":", term }, { thread, sort });
        }
        return super.searchSuggestions(...arguments);
    },
});

patch(Composer.prototype, {
    get navigableListProps() {
        const props = super.navigableListProps;
        const onSelect = props.onSelect;
        return {
            ...props,
            onSelect: (ev, option) => {
                if (option.cannedResponse && this.suggestion.search.delimiter === "/") {
                    // the insertion replaces the delimiter only for ":": the "/" must not stay either
                    this.suggestion.search.delimiter = ":";
                }
                return onSelect(ev, option);
            },
        };
    },
});
